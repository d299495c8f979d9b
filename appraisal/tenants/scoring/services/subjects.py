"""What permissions judge for scoring's models, registered with
:func:`appraisal.platform.permissions.register_subject` when scoring's services
are imported (the models hold only columns).

A score is judged as the cell it fills (:class:`.common.ScoreCell`: the
appraisee's unit for letter items, the assessing department, the unit that
runs the population); a claim or penalty as its appraisee and the department
mapped to verify its rule; a veto and a self-report as their appraisee.
Scores, claims (and penalties), vetoes and self-reports own evidence files:
registered with the evidence feature, with the permission that shows their
files and the scoring endpoint that serves them.
"""

from __future__ import annotations

from appraisal.platform.permissions import register_subject
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.scoring.models import AdjustmentClaim, Score, SelfReport, Veto
from appraisal.tenants.scoring.services.columns import cell_of_score
from appraisal.tenants.scoring.services.common import subject_by_id


def score_subject(score: Score):
    """The cell a score fills, worked out once per loaded score (a page checks
    several permissions on it; the cell never changes)."""
    cell = score.__dict__.get("_permission_cell")
    if cell is None:
        cell = score.__dict__["_permission_cell"] = cell_of_score(score)
    return cell


def claim_subject(claim: AdjustmentClaim):
    return subject_by_id(claim.appraisee_id, claim.rule_key)


def appraisee_subject(item: Veto | SelfReport):
    return subject_by_id(item.appraisee_id)


register_subject(Score, score_subject)
register_subject(AdjustmentClaim, claim_subject)
register_subject(Veto, appraisee_subject)
register_subject(SelfReport, appraisee_subject)

evidence.register_owner("score", Score, "scores.view", "scoring.score_file", "score_file_id")
evidence.register_owner("claim", AdjustmentClaim, "claims.view", "scoring.claim_file", "claim_file_id")
evidence.register_owner("veto", Veto, "vetoes.view", "scoring.veto_file", "veto_file_id")
evidence.register_owner("self_report", SelfReport, "self_report.view", "scoring.report_file", "report_file_id")
