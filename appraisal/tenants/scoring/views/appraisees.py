"""One appraisee's page (scores, claims, penalties, vetoes, self-report) and
one score's history."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.permissions import authorize, can, requires
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.forms import EvidenceForm
from appraisal.tenants.scoring.models import AdjustmentClaim, Score, ScoreRevision, Veto
from appraisal.tenants.scoring.services import adjustments, reports, scores
from appraisal.tenants.scoring.views import bp
from appraisal.tenants.scoring.views._shared import (
    form_entries,
    penalty_rules,
    save_cells,
    user_names,
)

# ---------------------------------------------------------------------------
# One appraisee: scores, claims, penalties, vetoes, self-report
# ---------------------------------------------------------------------------


def _appraisee_context(appraisee: Appraisee, *, values=None, errors=None):
    population = db.session.get(Population, appraisee.population_id)
    cycle = db.session.get(Cycle, appraisee.cycle_id)
    columns = scores.scheme_columns(population) + scores.item_columns(population, [appraisee.id]).get(appraisee.id, [])
    visible = [c for c in columns if can(current_user, "scores.view", c.cell(appraisee))]
    current = scores.scores_by_cell([appraisee.id])
    claims = list(
        db.session.scalars(
            select(AdjustmentClaim)
            .where(AdjustmentClaim.appraisee_id == appraisee.id)
            .order_by(AdjustmentClaim.id.desc())
        )
    )
    vetoes = (
        list(db.session.scalars(select(Veto).where(Veto.appraisee_id == appraisee.id).order_by(Veto.id.desc())))
        if can(current_user, "vetoes.view", appraisee)
        else []
    )
    report = reports.self_report_of(appraisee) if can(current_user, "self_report.view", appraisee) else None
    files = {
        "score": evidence.evidence_of("score", [s.id for s in current.values()]),
        "claim": evidence.evidence_of("claim", [c.id for c in claims]),
        "veto": evidence.evidence_of("veto", [v.id for v in vetoes]),
        "self_report": evidence.evidence_of("self_report", [report.id] if report else []),
    }
    rules = services.rules_of(population)
    user_ids = (
        [s.entered_by_id for s in current.values()]
        + [c.created_by_id for c in claims]
        + [c.decided_by_id for c in claims]
        + [v.recorded_by_id for v in vetoes]
    )
    subject = services.subject_of(appraisee, population)
    return {
        "appraisee": appraisee,
        "population": population,
        "cycle": cycle,
        "columns": visible,
        "current": current,
        "claims": claims,
        "vetoes": vetoes,
        "report": report,
        "files": files,
        "rules": rules,
        "veto_rules": services.vetoes_of(population),
        "users": user_names(user_ids),
        "editable": any(c.open_in(cycle) for c in visible),
        "values": values or {},
        "errors": errors or {},
        "may_enter": lambda c: c.open_in(cycle) and can(current_user, "scores.enter", c.cell(appraisee)),
        "any_open": any(c.open_in(cycle) and can(current_user, "scores.enter", c.cell(appraisee)) for c in visible),
        "may_claim": can(current_user, "claims.create", subject) and any(r.kind == "bonus" for r in rules.values()),
        "may_penalise": bool(penalty_rules(population, appraisee)),
        "may_veto": can(current_user, "vetoes.record", subject) and bool(services.vetoes_of(population)),
        "may_report": can(current_user, "self_report.edit", appraisee),
        "may_verify": lambda c: can(
            current_user, "claims.verify", services.subject_of(appraisee, population, c.rule_key)
        ),
        "points": lambda c: adjustments.rule_points(population, c),
    }


@bp.route("/appraisees/<int:appraisee_id>")
@requires("claims.view", load=Appraisee)
def appraisee(appraisee):
    return render_template("scoring/appraisee.html", **_appraisee_context(appraisee))


@bp.route("/appraisees/<int:appraisee_id>/scores", methods=["POST"])
@requires("scores.enter", per_object=True)
def appraisee_save(appraisee_id):
    appraisee = get_or_404(Appraisee, appraisee_id)
    population = db.session.get(Population, appraisee.population_id)
    columns = {
        c.code: c
        for c in scores.scheme_columns(population)
        + scores.item_columns(population, [appraisee.id]).get(appraisee.id, [])
    }
    entries = form_entries(population, lambda a: columns, only_row=str(appraisee.id))
    if not entries:
        authorize(
            "scores.enter",
            next(
                (c.cell(appraisee) for c in columns.values() if can(current_user, "scores.enter", c.cell(appraisee))),
                services.NOTHING,
            ),
        )
    response = save_cells(
        entries,
        lambda values, errors: render_template(
            "scoring/appraisee.html", **_appraisee_context(appraisee, values=values, errors=errors)
        ),
    )
    return response or redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))


# ---------------------------------------------------------------------------
# One score: its history and evidence
# ---------------------------------------------------------------------------


@bp.route("/scores/<int:score_id>")
@requires("scores.view", load=Score)
def score(score):
    appraisee = score.appraisee
    population = db.session.get(Population, appraisee.population_id)
    column = scores.column_of(population, appraisee, score.indicator_key, score.item_key)
    revisions = list(
        db.session.scalars(
            select(ScoreRevision).where(ScoreRevision.score_id == score.id).order_by(ScoreRevision.id.desc())
        )
    )
    return render_template(
        "scoring/score.html",
        score=score,
        appraisee=appraisee,
        column=column,
        revisions=revisions,
        files=evidence.evidence_of("score", [score.id]).get(score.id, []),
        users=user_names([r.actor_user_id for r in revisions]),
        form=EvidenceForm(),
        may_upload=can(current_user, "scores.enter", score),
    )
