"""Scoring: score entry, adjustments, vetoes, self-reports — the operations
other features, the demo and the scoring views call.

The operations live by concept in :mod:`.columns` (what is scored, by whom), :mod:`.scores` (saving scores),
:mod:`.upload` (bulk upload), :mod:`.adjustments` (bonus claims, penalties,
vetoes), :mod:`.reports` (quarterly notices, self-reports) and :mod:`.inputs` (the engine's
input frames); :mod:`.common` holds what they share (the objects permissions
judge, a population's scheme, cycle helpers). Services flush; the request (or
the job) commits once.

This module re-exports only what is used through it; the feature's own views
import the concept modules directly.
"""

from __future__ import annotations

from appraisal.tenants.scoring.services import subjects  # noqa: F401  (registers what permissions judge)
from appraisal.tenants.scoring.services.adjustments import (
    create_claim,
    decide_claim,
    record_penalty,
    record_veto,
)
from appraisal.tenants.scoring.services.columns import (
    Column,
    fmt,
    item_columns,
    progress,
    progress_of,
    scheme_columns,
    tasks_for,
)
from appraisal.tenants.scoring.services.common import (
    NOTHING,
    ScoringError,
    owner_path,
    populations_of,
    rules_of,
    scheme_of,
    subject_of,
    vetoes_of,
)
from appraisal.tenants.scoring.services.inputs import engine_inputs
from appraisal.tenants.scoring.services.reports import notice_body, publish_notice, save_self_report
from appraisal.tenants.scoring.services.scores import Entry, save_entries

__all__ = [
    "NOTHING",
    "Column",
    "Entry",
    "ScoringError",
    "create_claim",
    "decide_claim",
    "engine_inputs",
    "fmt",
    "item_columns",
    "notice_body",
    "owner_path",
    "populations_of",
    "progress",
    "progress_of",
    "publish_notice",
    "record_penalty",
    "record_veto",
    "rules_of",
    "save_entries",
    "save_self_report",
    "scheme_columns",
    "scheme_of",
    "subject_of",
    "tasks_for",
    "vetoes_of",
]
