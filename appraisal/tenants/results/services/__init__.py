"""What the rest of the application uses of results: computing a population
(``runs``), the boards and who may see them (``leaderboard``), publication,
appeals and finalising (``publication``), the files behind a breakdown
(``evidence_links``), and what the engine is given (``inputs``) and how its
errors are told (``engine_errors``), ties decided by the office (``ties``), both used by the compute job
(``appraisal.tenants.results.jobs``)."""

from appraisal.tenants.results.services import engine_errors, evidence_links, inputs, leaderboard, publication, ties
from appraisal.tenants.results.services.publication import (
    PublicationError,
    publication_of,
    refuse_publicity_after_failures,
    withdraw,
)
from appraisal.tenants.results.services.runs import (
    ACTIVE,
    active_run,
    current_run,
    fail_stale_runs,
    job_id,
    last_run,
    request_compute,
)

__all__ = [
    "ACTIVE",
    "PublicationError",
    "active_run",
    "current_run",
    "engine_errors",
    "evidence_links",
    "fail_stale_runs",
    "inputs",
    "job_id",
    "last_run",
    "leaderboard",
    "publication",
    "publication_of",
    "refuse_publicity_after_failures",
    "request_compute",
    "ties",
    "withdraw",
]
