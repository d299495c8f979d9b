"""Vetoes, self-reports and quarterly deduction notices."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.excel import xlsx_response
from appraisal.platform.permissions import requires
from appraisal.platform.refusals import form_status
from appraisal.platform.web import paginate
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.forms import (
    NoticeForm,
    ReasonForm,
    SelfReportForm,
    VetoForm,
    options,
)
from appraisal.tenants.scoring.models import (
    DeductionNotice,
    Veto,
)
from appraisal.tenants.scoring.services import adjustments, reports
from appraisal.tenants.scoring.views import bp
from appraisal.tenants.scoring.views._shared import (
    REFUSED,
    claim_subject,
    create_with_files,
    refused,
    user_names,
    visible_appraisees,
)

# ---------------------------------------------------------------------------
# Vetoes
# ---------------------------------------------------------------------------


@bp.route("/appraisees/<int:appraisee_id>/vetoes/new", methods=["GET", "POST"])
@requires("vetoes.record", load=Appraisee, subject=claim_subject)
def veto_new(appraisee):
    population = db.session.get(Population, appraisee.population_id)
    form = VetoForm()
    form.rule.choices = options((v.key, v.name_zh) for v in services.vetoes_of(population).values())
    if form.validate_on_submit() and create_with_files(
        form,
        "veto",
        lambda: adjustments.record_veto(appraisee, rule_key=form.rule.data, description=form.description.data),
    ):
        flash(_("已记录一票否决。"), "success")
        return redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))
    return render_template(
        "scoring/adjustment_form.html", form=form, appraisee=appraisee, title=_("记录一票否决"), submit=_("记录")
    ), form_status()


@bp.route("/vetoes/<int:veto_id>/revoke", methods=["POST"])
@requires("vetoes.record", load=Veto)
def veto_revoke(veto):
    appraisee = veto.appraisee
    form = ReasonForm()
    if not form.validate_on_submit():
        return refused(_("撤销必须填写原因"), appraisee)
    try:
        adjustments.revoke_veto(veto, reason=form.reason.data)
    except services.ScoringError as exc:
        return refused(exc, appraisee)
    flash(_("已撤销该否决。"), "success")
    return redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))


def _vetoes_query():
    cycle = cycles.selected_cycle()
    stmt = visible_appraisees(select(Veto, Appraisee).join(Appraisee, Veto.appraisee_id == Appraisee.id), "vetoes.view")
    if cycle is not None:
        stmt = stmt.where(Veto.cycle_id == cycle.id)
    return cycle, stmt.order_by(Veto.id.desc())


@bp.route("/vetoes.xlsx")
@requires("vetoes.view")
def vetoes_export():
    cycle, stmt = _vetoes_query()
    populations = {p.id: p for p in services.populations_of(cycle)}
    rows = []
    for veto, appraisee in db.session.execute(stmt):
        rule = (
            services.vetoes_of(populations[appraisee.population_id]).get(veto.rule_key)
            if appraisee.population_id in populations
            else None
        )
        rows.append(
            [
                appraisee.name,
                rule.name_zh if rule else veto.rule_key,
                veto.description,
                _("已撤销") if veto.revoked else _("有效"),
                veto.revoke_reason,
                veto.recorded_at.strftime("%Y-%m-%d"),
            ]
        )
    headers = [_("考核对象"), _("否决事项"), _("事由"), _("状态"), _("撤销原因"), _("日期")]
    return xlsx_response(_("一票否决.xlsx"), {_("一票否决"): (headers, rows)})


@bp.route("/vetoes")
@requires("vetoes.view")
def vetoes():
    cycle, stmt = _vetoes_query()
    page = paginate(stmt, scalars=False)
    populations = {p.id: p for p in services.populations_of(cycle)}
    return render_template(
        "scoring/vetoes.html",
        cycle=cycle,
        cycles=cycles.all_cycles(),
        page=page,
        veto_rules={pid: services.vetoes_of(p) for pid, p in populations.items()},
    )


# ---------------------------------------------------------------------------
# Self-reports
# ---------------------------------------------------------------------------


@bp.route("/appraisees/<int:appraisee_id>/self-report", methods=["GET", "POST"])
@requires("self_report.edit", load=Appraisee)
def self_report(appraisee):
    report = reports.self_report_of(appraisee)
    form = SelfReportForm(obj=report)
    cycle = db.session.get(Cycle, appraisee.cycle_id)
    if form.validate_on_submit():
        files = [f for f in request.files.getlist(form.files.name) if f.filename]
        try:
            report = reports.save_self_report(
                appraisee,
                body=form.body.data or "",
                submit=request.form.get("action") == "submit",
                has_files=bool(files),
            )
            evidence.attach_files("self_report", report.id, files)
        except REFUSED as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("述职已提交。") if report.submitted_at else _("述职草稿已保存。"), "success")
            return redirect(url_for("scoring.self_report", appraisee_id=appraisee.id))
    files = evidence.evidence_of("self_report", [report.id]).get(report.id, []) if report else []
    return render_template(
        "scoring/self_report.html",
        form=form,
        appraisee=appraisee,
        report=report,
        files=files,
        editable=cycles.phase_allows(cycle, "self_report.edit"),
    ), form_status()


# ---------------------------------------------------------------------------
# Quarterly deduction notices
# ---------------------------------------------------------------------------


@bp.route("/notices")
@requires("cycles.view")
def notices():
    cycle = cycles.selected_cycle()
    stmt = select(DeductionNotice)
    if cycle is not None:
        stmt = stmt.where(DeductionNotice.cycle_id == cycle.id)
    page = paginate(stmt.order_by(DeductionNotice.quarter.desc()))
    return render_template("scoring/notices.html", cycle=cycle, cycles=cycles.all_cycles(), page=page)


@bp.route("/notices/new", methods=["GET", "POST"])
@requires("tenant.admin")
def notice_new():
    cycle = cycles.selected_cycle()
    if cycle is None:
        flash(_("还没有考核年度。"), "info")
        return redirect(url_for("scoring.notices"))
    form = NoticeForm()
    quarter = request.args.get("quarter", type=int) or form.quarter.data or 1
    if request.method == "GET":
        form.quarter.data = quarter if quarter in (1, 2, 3, 4) else 1
        form.title.data = _("%(year)s年第%(q)s季度扣分情况通报", year=cycle.year, q=form.quarter.data)
        form.body.data = reports.notice_body(cycle, form.quarter.data)
    if form.validate_on_submit():
        try:
            notice = reports.publish_notice(
                cycle, quarter=form.quarter.data, title=form.title.data, body=form.body.data or ""
            )
        except services.ScoringError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("已发布扣分通报。"), "success")
            return redirect(url_for("scoring.notice", notice_id=notice.id))
    return render_template(
        "scoring/notice_form.html",
        form=form,
        cycle=cycle,
        lines=reports.quarter_deductions(cycle, form.quarter.data or 1),
    ), form_status()


@bp.route("/notices/<int:notice_id>")
@requires("cycles.view", load=DeductionNotice, into="notice")
def notice(notice):
    return render_template(
        "scoring/notice.html",
        notice=notice,
        cycle=db.session.get(Cycle, notice.cycle_id),
        users=user_names([notice.published_by_id]),
    )
