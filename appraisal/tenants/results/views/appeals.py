"""Appeals against published results: filing (with files), answering,
adding files, withdrawing, and an appeal's files."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.platform.permissions import authorize, can, has_role, requires, scope_clause
from appraisal.platform.refusals import refuse
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Appraisee, Phase
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.results.models import Appeal, AppealStatus
from appraisal.tenants.results.services import publication as pub
from appraisal.tenants.results.views import bp
from appraisal.tenants.results.views._shared import REFUSALS, attempt

APPEAL_STATUS_LABELS = {
    AppealStatus.FILED: _l("待答复"),
    AppealStatus.UPHELD: _l("已采纳"),
    AppealStatus.REJECTED: _l("不予采纳"),
    AppealStatus.WITHDRAWN: _l("已撤回"),
}
register_value_labels("Appeal", "status", APPEAL_STATUS_LABELS)


@bp.route("/appeals/")
@requires("tenant.view")
def appeals():
    stmt = (
        select(Appeal, Appraisee)
        .join(Appraisee, Appraisee.id == Appeal.appraisee_id)
        .order_by(Appeal.status != AppealStatus.FILED, Appeal.answer_due_on, Appeal.id)
    )
    if not has_role(current_user, Role.OFFICE_ADMIN):
        mine = scope_clause(current_user, "appeals.view", Appraisee.unit_path)
        stmt = stmt.where(mine | (Appeal.filed_by_id == current_user.id))
    rows = db.session.execute(stmt).all()
    return render_template("results/appeals.html", rows=rows, today=date.today())


@bp.route("/appraisees/<int:appraisee_id>/appeal", methods=["GET", "POST"])
@requires("appeals.file", load=Appraisee)
def file_appeal(appraisee: Appraisee):
    cycle = appraisee.cycle
    if request.method == "POST":
        try:
            appeal = pub.file_appeal(
                appraisee, reasons=request.form.get("reasons", ""), files=request.files.getlist("files")
            )
        except REFUSALS as exc:
            return refuse(
                exc,
                "results/appeal_form.html",
                appraisee=appraisee,
                cycle=cycle,
                max_mb=f"{evidence.max_mb():g}",
                publication=pub.publication_of(cycle),
            )
        flash(_("已提交复核申请，考核办将在 %(d)s 前答复。", d=appeal.answer_due_on), "success")
        return redirect(url_for("results.appeal", appeal_id=appeal.id))
    return render_template(
        "results/appeal_form.html",
        appraisee=appraisee,
        cycle=cycle,
        max_mb=f"{evidence.max_mb():g}",
        publication=pub.publication_of(cycle),
    )


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@requires("appeals.view", per_object=True)
def appeal(appeal_id: int):
    """An appeal: those who may see it read it; the office answers it (POST),
    judged as a different action, so the view authorises itself."""
    appeal = get_or_404(Appeal, appeal_id)
    appraisee = appeal.appraisee
    if request.method == "POST":
        authorize("appeals.answer", appeal)
        attempt(
            lambda: pub.answer_appeal(
                appeal, upheld=request.form.get("decision") == "uphold", answer=request.form.get("answer", "")
            ),
            lambda _none: (
                _("已答复。")
                if appeal.status == AppealStatus.REJECTED
                else _("已采纳：请通过评分、加减分等页面更正数据，然后重新计算。")
            ),
        )
        return redirect(url_for("results.appeal", appeal_id=appeal.id))
    authorize("appeals.view", appeal)
    cycle = appeal.cycle
    may_add = (
        appeal.status == AppealStatus.FILED
        and can(current_user, "appeals.file", appraisee)
        and cycle.phase in (Phase.PUBLICITY, Phase.APPEALS)
    )
    return render_template(
        "results/appeal.html",
        appeal=appeal,
        appraisee=appraisee,
        today=date.today(),
        files=evidence.evidence_of("appeal", [appeal.id]).get(appeal.id, []),
        may_answer=has_role(current_user, Role.OFFICE_ADMIN),
        may_add=may_add,
        max_mb=f"{evidence.max_mb():g}",
    )


@bp.route("/appeals/<int:appeal_id>/files", methods=["POST"])
@requires("appeals.file", load=Appeal)
def appeal_add_files(appeal: Appeal):
    """The appellant adds files to an appeal still waiting for its answer."""
    attempt(
        lambda: pub.add_appeal_files(appeal, request.files.getlist("files")),
        lambda added: _("已上传 %(n)s 个文件。", n=len(added)),
    )
    return redirect(url_for("results.appeal", appeal_id=appeal.id))


@bp.route("/appeals/<int:appeal_id>/withdraw", methods=["POST"])
@requires("appeals.file", load=Appeal)
def withdraw_appeal(appeal: Appeal):
    """The appellant withdraws an appeal still waiting for its answer."""
    attempt(
        lambda: pub.withdraw_appeal(appeal, reason=request.form.get("reason", "")), lambda _none: _("已撤回复核申请。")
    )
    return redirect(url_for("results.appeal", appeal_id=appeal.id))


# An appeal's files are served by the evidence feature's generated view, as
# scoring serves its owners' files: it declares appeals.view, loads the file
# (404 for another tenant's or another owner kind's) and judges it as its appeal.
_appeal_file = evidence.download_view("appeal")
bp.add_url_rule("/appeals/files/<int:appeal_file_id>", endpoint=_appeal_file.__name__, view_func=_appeal_file)
