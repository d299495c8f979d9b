"""Bonus claims and penalties: claiming, recording, deciding, withdrawing, the
lists and their export (vetoes, self-reports and notices are in :mod:`.vetoes`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from appraisal.platform.db import db
from appraisal.platform.excel import xlsx_response
from appraisal.platform.permissions import authorize, requires
from appraisal.platform.refusals import form_status
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import paginate
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Population
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.forms import (
    ClaimForm,
    DecideForm,
    PenaltyForm,
    ReasonForm,
    options,
)
from appraisal.tenants.scoring.models import (
    AdjustmentClaim,
    AdjustmentKind,
    ClaimStatus,
)
from appraisal.tenants.scoring.services import adjustments
from appraisal.tenants.scoring.views import bp
from appraisal.tenants.scoring.views._shared import (
    KIND_LABELS,
    STATUS_LABELS,
    claim_subject,
    create_with_files,
    penalty_rules,
    refused,
    visible_appraisees,
)

# ---------------------------------------------------------------------------
# Bonus claims and penalties
# ---------------------------------------------------------------------------


def _level_choices(population: Population, kind: str):
    """Levels of every rule of this kind; each option names its rule (scoring.js
    shows only the chosen rule's levels)."""
    choices = [SelectChoice("", _("（无级别）"))]
    for rule in services.rules_of(population).values():
        if rule.kind == kind:
            choices += [
                SelectChoice(lv.key, f"{lv.name_zh}（{lv.points:g}分）", render_kw={"data-rule": rule.key})
                for lv in rule.levels
            ]
    return choices


def _rule_label(rule) -> str:
    if rule.levels:
        return rule.name_zh
    return f"{rule.name_zh}（每次{rule.points:g}分）" if rule.points else rule.name_zh


@bp.route("/appraisees/<int:appraisee_id>/claims/new", methods=["GET", "POST"])
@requires("claims.create", load=Appraisee, subject=claim_subject)
def claim_new(appraisee):
    population = db.session.get(Population, appraisee.population_id)
    form = ClaimForm()
    form.rule.choices = options(
        (r.key, _rule_label(r)) for r in services.rules_of(population).values() if r.kind == "bonus"
    )
    form.level.choices = _level_choices(population, "bonus")
    if form.validate_on_submit() and create_with_files(
        form,
        "claim",
        lambda: adjustments.create_claim(
            appraisee,
            rule_key=form.rule.data,
            level=form.level.data or "",
            count=form.count.data,
            dedup_key=form.dedup_key.data or "",
            shared_with=form.shared_with.data or "",
            description=form.description.data or "",
            occurred_on=form.occurred_on.data,
        ),
    ):
        flash(_("已提交加分申请，等待核实。"), "success")
        return redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))
    return render_template(
        "scoring/adjustment_form.html", form=form, appraisee=appraisee, title=_("申请加分"), submit=_("提交申请")
    ), form_status()


@bp.route("/appraisees/<int:appraisee_id>/penalties/new", methods=["GET", "POST"])
@requires("penalties.record", per_object=True)
def penalty_new(appraisee_id):
    appraisee = get_or_404(Appraisee, appraisee_id)
    population = db.session.get(Population, appraisee.population_id)
    rules = penalty_rules(population, appraisee)
    authorize(
        "penalties.record", services.subject_of(appraisee, population, rules[0].key) if rules else services.NOTHING
    )
    form = PenaltyForm()
    form.rule.choices = options((r.key, _rule_label(r)) for r in rules)
    form.level.choices = _level_choices(population, "penalty")
    if form.validate_on_submit():
        authorize("penalties.record", services.subject_of(appraisee, population, form.rule.data))
        if create_with_files(
            form,
            "claim",
            lambda: adjustments.record_penalty(
                appraisee,
                rule_key=form.rule.data,
                level=form.level.data or "",
                count=form.count.data,
                description=form.description.data or "",
                occurred_on=form.occurred_on.data,
            ),
        ):
            flash(_("已记录扣分，被考核对象可立即看到。"), "success")
            return redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))
    return render_template(
        "scoring/adjustment_form.html", form=form, appraisee=appraisee, title=_("记录扣分"), submit=_("记录扣分")
    ), form_status()


@bp.route("/claims/<int:claim_id>/decide", methods=["POST"])
@requires("claims.verify", load=AdjustmentClaim, into="claim")
def claim_decide(claim):
    appraisee = claim.appraisee
    form = DecideForm()
    if form.validate_on_submit():
        try:
            adjustments.decide_claim(claim, approve=form.decision.data == "verify", reason=form.reason.data or "")
        except services.ScoringError as exc:
            return refused(exc, appraisee)
        flash(
            _("已核实认定。") if claim.status == ClaimStatus.VERIFIED else _("已不予认定，申请人可看到原因。"),
            "success",
        )
        return redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))
    return refused(_("请选择审核结果"), appraisee)


@bp.route("/claims/<int:claim_id>/withdraw", methods=["POST"])
@requires("claims.create", load=AdjustmentClaim, into="claim")
def claim_withdraw(claim):
    appraisee = claim.appraisee
    if claim.kind != AdjustmentKind.BONUS:
        abort(404)
    return _withdraw(claim, appraisee)


@bp.route("/penalties/<int:claim_id>/withdraw", methods=["POST"])
@requires("penalties.record", load=AdjustmentClaim, into="claim")
def penalty_withdraw(claim):
    appraisee = claim.appraisee
    if claim.kind != AdjustmentKind.PENALTY:
        abort(404)
    return _withdraw(claim, appraisee)


def _withdraw(claim, appraisee):
    form = ReasonForm()
    if not form.validate_on_submit():
        return refused(_("撤回必须填写原因"), appraisee)
    try:
        adjustments.withdraw_claim(claim, reason=form.reason.data)
    except services.ScoringError as exc:
        return refused(exc, appraisee)
    flash(_("已撤回。"), "success")
    return redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))


def _claims_query(kind: AdjustmentKind | None):
    cycle = cycles.selected_cycle()
    stmt = select(AdjustmentClaim, Appraisee).join(Appraisee, AdjustmentClaim.appraisee_id == Appraisee.id)
    stmt = visible_appraisees(stmt)
    if cycle is not None:
        stmt = stmt.where(AdjustmentClaim.cycle_id == cycle.id)
    if kind is not None:
        stmt = stmt.where(AdjustmentClaim.kind == kind)
    status = request.args.get("status") or ""
    if status in {s.value for s in ClaimStatus}:
        stmt = stmt.where(AdjustmentClaim.status == ClaimStatus(status))
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Appraisee.name.contains(q, autoescape=True))
    return cycle, stmt.order_by(AdjustmentClaim.id.desc())


def _kind_arg() -> AdjustmentKind | None:
    kind = request.args.get("kind") or ""
    return AdjustmentKind(kind) if kind in {k.value for k in AdjustmentKind} else None


@bp.route("/claims")
@requires("claims.view")
def claims():
    cycle, stmt = _claims_query(_kind_arg())
    page = paginate(stmt, scalars=False)
    names = {p.id: p for p in services.populations_of(cycle)}
    return render_template(
        "scoring/claims.html",
        cycle=cycle,
        cycles=cycles.all_cycles(),
        page=page,
        rules={pid: services.rules_of(p) for pid, p in names.items()},
    )


@bp.route("/claims.xlsx")
@requires("claims.view")
def claims_export():
    cycle, stmt = _claims_query(_kind_arg())
    populations = {p.id: p for p in services.populations_of(cycle)}
    rows = []
    for claim, appraisee in db.session.execute(stmt):
        population = populations.get(appraisee.population_id)
        rule = services.rules_of(population).get(claim.rule_key) if population else None
        points = adjustments.rule_points(population, claim) if population else None
        rows.append(
            [
                appraisee.name,
                str(KIND_LABELS[claim.kind]),
                rule.name_zh if rule else claim.rule_key,
                claim.level,
                float(claim.count),
                float(points) if points is not None else None,
                claim.dedup_key,
                claim.shared_with,
                claim.description,
                str(STATUS_LABELS[claim.status]),
                claim.reject_reason,
                claim.created_at.strftime("%Y-%m-%d"),
            ]
        )
    headers = [
        _("考核对象"),
        _("类别"),
        _("项目"),
        _("级别"),
        _("次数"),
        _("每次分值"),
        _("项目或文章"),
        _("共同获得"),
        _("事由"),
        _("状态"),
        _("原因"),
        _("日期"),
    ]
    return xlsx_response(_("加减分.xlsx"), {_("加减分"): (headers, rows)})
