"""Responsibility letters: the unit drafts, the sector group reviews, the office watches."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.db import db
from appraisal.platform.excel import xlsx_response
from appraisal.platform.permissions import authorize, can, requires, scope_clause
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase
from appraisal.tenants.cycles.services import CycleError
from appraisal.tenants.letters import services
from appraisal.tenants.letters.forms import DecisionForm, ItemForm, ReopenForm
from appraisal.tenants.letters.models import LetterItem, LetterStatus

bp = tenant_blueprint("letters", __name__, url_prefix="/letters", template_folder="templates")

NAV = (NavItem("letters.index", _l("目标责任书"), "letters.view", icon="letter", order=25),)

STATUS_LABELS = {
    "missing": _l("未起草"), LetterStatus.DRAFT.value: _l("起草中"), LetterStatus.SUBMITTED.value: _l("待审核"),
    LetterStatus.RETURNED.value: _l("已退回"), LetterStatus.APPROVED.value: _l("已审定"),
}

register_value_labels("Letter", "status", STATUS_LABELS)
STATUS_BADGES = {"missing": "", "draft": "", "submitted": "warn", "returned": "danger", "approved": "ok"}


@bp.app_context_processor
def _labels():
    return {"letter_status_label": lambda s: STATUS_LABELS.get(s, s),
            "letter_status_badge": lambda s: STATUS_BADGES.get(s, "")}


def _current_cycle() -> Cycle | None:
    wanted = request.args.get("cycle_id", type=int)
    stmt = select(Cycle).order_by(Cycle.year.desc(), Cycle.id.desc())
    cycles = list(db.session.scalars(stmt))
    if wanted:
        return next((c for c in cycles if c.id == wanted), None) or abort(404)
    return next((c for c in cycles if c.phase != Phase.FINAL), cycles[0] if cycles else None)


@bp.route("/")
@requires("letters.view")
def index():
    cycle = _current_cycle()
    rows = services.overview(cycle, scope_clause(current_user, "letters.view", Appraisee.unit_path)) if cycle else []
    status = request.args.get("status", "")
    if status:
        rows = [r for r in rows if r.status == status]
    if request.args.get("late"):
        rows = [r for r in rows if r.late]
    if request.args.get("export") and cycle:
        data = [(r.appraisee.ranking_group, r.appraisee.name, str(STATUS_LABELS[r.status]), float(r.total),
                 _("是") if r.late else "") for r in rows]
        return xlsx_response(f"目标责任书-{cycle.year}.xlsx", {
            _("目标责任书"): ([_("分组"), _("单位"), _("状态"), _("业务目标分值"), _("逾期")], data)})
    cycles = list(db.session.scalars(select(Cycle).order_by(Cycle.year.desc())))
    return render_template("letters/index.html", cycle=cycle, cycles=cycles, rows=rows)


def _load(appraisee_id: int, action: str):
    appraisee = get_or_404(Appraisee, appraisee_id)
    authorize(action, appraisee)
    letter = services.letter_for(appraisee, create=False)
    return appraisee, letter


@bp.route("/<int:appraisee_id>")
@requires("letters.view", per_object=True)
def detail(appraisee_id: int):
    appraisee, letter = _load(appraisee_id, "letters.view")
    cycle = db.session.get(Cycle, appraisee.cycle_id)
    share, public = _parts(appraisee)
    edit_item = None
    if letter and request.args.get("edit", type=int):
        edit_item = next((i for i in letter.items if i.id == request.args.get("edit", type=int)), None)
    form = ItemForm(obj=edit_item) if edit_item else ItemForm()
    editable = (can(current_user, "letters.edit", appraisee) and cycle.phase == Phase.TARGET_SETTING
                and (letter is None or letter.status in services.EDITABLE))
    reviewable = (letter is not None and letter.status == LetterStatus.SUBMITTED
                  and can(current_user, "letters.review", appraisee)
                  and cycle.phase in (Phase.TARGET_SETTING, Phase.TRACKING))
    decision = DecisionForm(version=letter.version if letter else "")
    return render_template("letters/detail.html", appraisee=appraisee, cycle=cycle, letter=letter,
                           share=share, public=public, form=form, edit_item=edit_item, editable=editable,
                           reviewable=reviewable, decision=decision, reopen=ReopenForm(),
                           total=services.total_points(letter) if letter else 0)


def _parts(appraisee: Appraisee):
    from appraisal.tenants.schemes.models import SchemeVersion

    return services.scheme_parts(db.session.get(SchemeVersion, appraisee.population.scheme_version_id))


@bp.route("/<int:appraisee_id>/print")
@requires("letters.view", per_object=True)
def printable(appraisee_id: int):
    appraisee, letter = _load(appraisee_id, "letters.view")
    cycle = db.session.get(Cycle, appraisee.cycle_id)
    share, public = _parts(appraisee)
    return render_template("letters/print.html", appraisee=appraisee, cycle=cycle, letter=letter,
                           share=share, public=public)


def _back(appraisee: Appraisee):
    return redirect(url_for("letters.detail", appraisee_id=appraisee.id))


@bp.route("/<int:appraisee_id>/items", methods=["POST"])
@requires("letters.edit", per_object=True)
def save_item(appraisee_id: int):
    appraisee, letter = _load(appraisee_id, "letters.edit")
    form = ItemForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}：{error}", "error")
        return _back(appraisee)
    letter = letter or services.letter_for(appraisee)
    item = None
    if item_id := request.form.get("item_id", type=int):
        item = next((i for i in letter.items if i.id == item_id), None) or abort(404)
    try:
        services.save_item(letter, title=form.title.data, points=form.points.data, measure=form.measure.data or "",
                           evidence_required=form.evidence_required.data or "", item=item)
    except (services.LetterError, CycleError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("已保存目标。"), "success")
    return _back(appraisee)


@bp.route("/<int:appraisee_id>/items/<int:item_id>/remove", methods=["POST"])
@requires("letters.edit", per_object=True)
def remove_item(appraisee_id: int, item_id: int):
    appraisee, letter = _load(appraisee_id, "letters.edit")
    item = get_or_404(LetterItem, item_id)
    if letter is None or item.letter_id != letter.id:
        abort(404)
    try:
        services.remove_item(letter, item)
    except (services.LetterError, CycleError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("已删除该目标。"), "success")
    return _back(appraisee)


@bp.route("/<int:appraisee_id>/submit", methods=["POST"])
@requires("letters.edit", per_object=True)
def submit(appraisee_id: int):
    appraisee, letter = _load(appraisee_id, "letters.edit")
    if letter is None or not DecisionForm().validate_on_submit():
        abort(400)
    try:
        services.submit(letter)
    except (services.LetterError, CycleError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("已提交分口考核组审核。"), "success")
    return _back(appraisee)


@bp.route("/<int:appraisee_id>/decide", methods=["POST"])
@requires("letters.review", per_object=True)
def decide(appraisee_id: int):
    appraisee, letter = _load(appraisee_id, "letters.review")
    form = DecisionForm()
    if letter is None or not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    try:
        services.decide(letter, approve=approve, reason=form.reason.data or "",
                        seen_version=int(form.version.data) if form.version.data else None)
    except (services.LetterError, CycleError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("已审定，责任书已冻结。") if approve else _("已退回，并告知退回原因。"), "success")
    return _back(appraisee)


@bp.route("/<int:appraisee_id>/reopen", methods=["POST"])
@requires("cycles.manage", per_object=True)
def reopen(appraisee_id: int):
    appraisee, letter = _load(appraisee_id, "cycles.manage")
    form = ReopenForm()
    if letter is None:
        abort(404)
    if not form.validate_on_submit():
        flash(_("重新打开时必须填写原因"), "error")
        return _back(appraisee)
    try:
        services.reopen(letter, reason=form.reason.data)
    except (services.LetterError, CycleError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("已重新打开，单位可修改后再次提交。"), "success")
    return _back(appraisee)
