"""Publishing, appeals and finalising (routes on the results blueprint)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.platform.permissions import authorize, can, has_role, requires, scope_clause
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase
from appraisal.tenants.cycles.services import CycleError
from appraisal.tenants.results import publication as pub
from appraisal.tenants.results.models import Appeal, AppealStatus
from appraisal.tenants.results.views import bp
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.evidence.models import Evidence

APPEAL_STATUS_LABELS = {AppealStatus.FILED: _l("待答复"), AppealStatus.UPHELD: _l("已采纳"),
                        AppealStatus.REJECTED: _l("不予采纳"), AppealStatus.WITHDRAWN: _l("已撤回")}
register_value_labels("Appeal", "status", APPEAL_STATUS_LABELS)


#: what the publication and appeal services refuse with a reason for the user
REFUSALS = (pub.PublicationError, CycleError, evidence.EvidenceError)


def _attempt(do, success) -> None:
    """Run a service action: a refusal is rolled back and shown, success is
    announced with ``success(result)``."""
    try:
        result = do()
    except REFUSALS as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(success(result), "success")


def _days(name: str, default: int) -> int:
    """A number of days from the form: the default when left empty, refused when not a whole number."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise pub.PublicationError(_("天数须为整数：%(value)s", value=raw)) from None


@bp.route("/cycles/<int:cycle_id>/publish", methods=["POST"])
@requires("results.publish", per_object=True)
def publish(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    authorize("results.publish", cycle)
    publicity, appeal, answer = pub.procedure_days(cycle)
    _attempt(lambda: pub.publish(cycle, publicity_days=_days("publicity_days", publicity),
                                 appeal_days=_days("appeal_days", appeal),
                                 answer_days=_days("answer_days", answer), notice=request.form.get("notice", "")),
             lambda publication: _("已公示，公示期至 %(d)s；复核申请截止 %(a)s。", d=publication.publicity_ends_on,
                                   a=publication.appeals_end_on))
    return redirect(url_for("results.index", cycle_id=cycle.id))


@bp.route("/cycles/<int:cycle_id>/finalise", methods=["POST"])
@requires("results.publish", per_object=True)
def finalise(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    authorize("results.publish", cycle)
    _attempt(lambda: pub.finalise(cycle), lambda _none: _("已归档：本年度结果已定稿，全部数据只读。"))
    return redirect(url_for("results.index", cycle_id=cycle.id))


@bp.route("/appeals/")
@requires("tenant.view")
def appeals():
    stmt = (select(Appeal, Appraisee).join(Appraisee, Appraisee.id == Appeal.appraisee_id)
            .order_by(Appeal.status != AppealStatus.FILED, Appeal.answer_due_on, Appeal.id))
    if not has_role(current_user, Role.OFFICE_ADMIN):
        mine = scope_clause(current_user, "appeals.view", Appraisee.unit_path)
        stmt = stmt.where(mine | (Appeal.filed_by_id == current_user.id))
    rows = db.session.execute(stmt).all()
    return render_template("results/appeals.html", rows=rows, today=date.today())


@bp.route("/appraisees/<int:appraisee_id>/appeal", methods=["GET", "POST"])
@requires("appeals.file", per_object=True)
def file_appeal(appraisee_id: int):
    appraisee = get_or_404(Appraisee, appraisee_id)
    authorize("appeals.file", appraisee)
    cycle = db.session.get(Cycle, appraisee.cycle_id)
    if request.method == "POST":
        try:
            appeal = pub.file_appeal(appraisee, reasons=request.form.get("reasons", ""),
                                     files=request.files.getlist("files"))
        except REFUSALS as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("已提交复核申请，考核办将在 %(d)s 前答复。", d=appeal.answer_due_on), "success")
            return redirect(url_for("results.appeal", appeal_id=appeal.id))
    return render_template("results/appeal_form.html", appraisee=appraisee, cycle=cycle, max_mb=f"{evidence.max_mb():g}",
                           publication=pub.publication_of(cycle)), 400 if request.method == "POST" else 200


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@requires("appeals.view", per_object=True)
def appeal(appeal_id: int):
    appeal = get_or_404(Appeal, appeal_id)
    appraisee = db.session.get(Appraisee, appeal.appraisee_id)
    if request.method == "POST":
        authorize("appeals.answer", appeal)
        _attempt(lambda: pub.answer_appeal(appeal, upheld=request.form.get("decision") == "uphold",
                                           answer=request.form.get("answer", "")),
                 lambda _none: _("已答复。") if appeal.status == AppealStatus.REJECTED else
                 _("已采纳：请通过评分、加减分等页面更正数据，然后重新计算。"))
        return redirect(url_for("results.appeal", appeal_id=appeal.id))
    authorize("appeals.view", appeal)
    cycle = db.session.get(Cycle, appeal.cycle_id)
    may_add = (appeal.status == AppealStatus.FILED and can(current_user, "appeals.file", appraisee)
               and cycle.phase in (Phase.PUBLICITY, Phase.APPEALS))
    return render_template("results/appeal.html", appeal=appeal, appraisee=appraisee, today=date.today(),
                           files=evidence.evidence_of("appeal", [appeal.id]).get(appeal.id, []),
                           may_answer=has_role(current_user, Role.OFFICE_ADMIN), may_add=may_add,
                           max_mb=f"{evidence.max_mb():g}")


@bp.route("/appeals/<int:appeal_id>/files", methods=["POST"])
@requires("appeals.file", per_object=True)
def appeal_add_files(appeal_id: int):
    """The appellant adds files to an appeal still waiting for its answer."""
    appeal = get_or_404(Appeal, appeal_id)
    authorize("appeals.file", appeal)
    _attempt(lambda: pub.add_appeal_files(appeal, request.files.getlist("files")),
             lambda added: _("已上传 %(n)s 个文件。", n=len(added)))
    return redirect(url_for("results.appeal", appeal_id=appeal.id))


@bp.route("/appeals/<int:appeal_id>/withdraw", methods=["POST"])
@requires("appeals.file", per_object=True)
def withdraw_appeal(appeal_id: int):
    """The appellant withdraws an appeal still waiting for its answer."""
    appeal = get_or_404(Appeal, appeal_id)
    authorize("appeals.file", appeal)
    _attempt(lambda: pub.withdraw_appeal(appeal, reason=request.form.get("reason", "")),
             lambda _none: _("已撤回复核申请。"))
    return redirect(url_for("results.appeal", appeal_id=appeal.id))


@bp.route("/appeals/files/<int:appeal_file_id>")
@requires("appeals.view", per_object=True)
def appeal_file(appeal_file_id: int):
    """An appeal's file, to those who may see the appeal (the file is judged as its appeal)."""
    item = get_or_404(Evidence, appeal_file_id)
    if item.owner_type != "appeal":
        abort(404)
    authorize("appeals.view", item)
    return evidence.download(item)
