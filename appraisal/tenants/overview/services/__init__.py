"""What the overview gathers from the features below it (read-only)."""

from __future__ import annotations

from appraisal.tenants.overview.services.progress import (
    appeal_progress,
    evaluation_progress,
    letter_progress,
    load_scheme_versions,
    scoring_progress,
)
from appraisal.tenants.overview.services.urging import AUDIENCES, UrgeError, urge

__all__ = [
    "AUDIENCES",
    "UrgeError",
    "appeal_progress",
    "evaluation_progress",
    "letter_progress",
    "load_scheme_versions",
    "scoring_progress",
    "urge",
]
