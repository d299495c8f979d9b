"""Scoring: score entry, adjustments, vetoes, self-reports, evidence — the
operations views (and the computation job) call.

The operations live by concept in :mod:`.scores` (score entry, the grid, bulk
upload), :mod:`.evidence` (files), :mod:`.adjustments` (bonus claims,
penalties, vetoes, quarterly notices, self-reports) and :mod:`.inputs` (the
engine's input frames); :mod:`.common` holds what they share. Services flush;
the request (or the job) commits once.
"""

from __future__ import annotations

from appraisal.tenants.scoring.common import (
    NOTHING,
    ScoringError,
    current_cycle,
    cycles_list,
    populations_of,
    rules_of,
    scheme_of,
    subject_of,
    vetoes_of,
)
from appraisal.tenants.scoring.inputs import engine_inputs

__all__ = [
    "NOTHING",
    "ScoringError",
    "current_cycle",
    "cycles_list",
    "engine_inputs",
    "populations_of",
    "rules_of",
    "scheme_of",
    "subject_of",
    "vetoes_of",
]
