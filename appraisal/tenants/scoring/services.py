"""Scoring: score entry, adjustments, vetoes, self-reports, evidence — the
operations views (and the computation job) call.

The operations live by concept in :mod:`.scores` (score entry, the grid, bulk
upload), :mod:`.evidence` (files), :mod:`.adjustments` (bonus claims,
penalties, vetoes, quarterly notices, self-reports) and :mod:`.inputs` (the
engine's input frames); :mod:`.common` holds what they share. Services flush;
the request (or the job) commits once.
"""

from __future__ import annotations

from appraisal.tenants.scoring.adjustments import (
    ClaimError,
    create_claim,
    decide_claim,
    publish_notice,
    quarter_deductions,
    quarter_penalties,
    record_penalty,
    record_veto,
    revoke_veto,
    save_self_report,
    withdraw_claim,
)
from appraisal.tenants.scoring.common import (
    NOTHING,
    ClaimSubject,
    ScoreCell,
    ScoringError,
    assessor_unit,
    current_cycle,
    cycles_list,
    populations_of,
    rules_of,
    scheme_of,
    subject_of,
    vetoes_of,
)
from appraisal.tenants.scoring.evidence import (
    EvidenceError,
    attach,
    evidence_of,
    evidence_permission,
    open_evidence,
)
from appraisal.tenants.scoring.inputs import engine_inputs
from appraisal.tenants.scoring.scores import (
    Column,
    Entry,
    ScoreConflict,
    ScoreInvalid,
    columns_for,
    save_entries,
)
from appraisal.tenants.scoring.upload import UploadInvalid, apply_upload, template_workbook

__all__ = [
    "NOTHING",
    "ClaimError",
    "ClaimSubject",
    "Column",
    "Entry",
    "EvidenceError",
    "ScoreCell",
    "ScoreConflict",
    "ScoreInvalid",
    "ScoringError",
    "UploadInvalid",
    "apply_upload",
    "template_workbook",
    "assessor_unit",
    "attach",
    "columns_for",
    "create_claim",
    "current_cycle",
    "cycles_list",
    "decide_claim",
    "engine_inputs",
    "evidence_of",
    "evidence_permission",
    "open_evidence",
    "populations_of",
    "publish_notice",
    "quarter_deductions",
    "quarter_penalties",
    "record_penalty",
    "record_veto",
    "revoke_veto",
    "rules_of",
    "save_entries",
    "save_self_report",
    "scheme_of",
    "subject_of",
    "vetoes_of",
    "withdraw_claim",
]
