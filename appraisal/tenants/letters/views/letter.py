"""One appraisee's letter: read, print, edit its items, submit, decide, reopen."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.platform.db import db
from appraisal.platform.permissions import can, requires
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Appraisee, Phase
from appraisal.tenants.cycles.services import CycleError
from appraisal.tenants.letters import services
from appraisal.tenants.letters.forms import DecisionForm, ItemForm, ReopenForm
from appraisal.tenants.letters.models import LetterItem, LetterStatus
from appraisal.tenants.letters.views import bp


@bp.route("/<int:appraisee_id>")
@requires("letters.view", load=Appraisee)
def detail(appraisee: Appraisee):
    letter = services.letter_for(appraisee, create=False)
    cycle = appraisee.cycle
    share, public = _parts(appraisee)
    edit_id = request.args.get("edit", type=int)
    edit_item = next((i for i in letter.items if i.id == edit_id), None) if letter and edit_id else None
    form = ItemForm(obj=edit_item) if edit_item else ItemForm()
    editable = (
        can(current_user, "letters.edit", appraisee)
        and cycle.phase == Phase.TARGET_SETTING
        and (letter is None or letter.status in services.EDITABLE)
    )
    reviewable = (
        letter is not None
        and letter.status == LetterStatus.SUBMITTED
        and can(current_user, "letters.review", appraisee)
        and cycle.phase in (Phase.TARGET_SETTING, Phase.TRACKING)
    )
    decision = DecisionForm(version=letter.version if letter else None)
    return render_template(
        "letters/detail.html",
        appraisee=appraisee,
        cycle=cycle,
        letter=letter,
        share=share,
        public=public,
        form=form,
        edit_item=edit_item,
        editable=editable,
        reviewable=reviewable,
        decision=decision,
        reopen=ReopenForm(),
        total=services.total_points(letter) if letter else 0,
    )


def _parts(appraisee: Appraisee):

    return services.scheme_parts(appraisee.population.scheme_version)


@bp.route("/<int:appraisee_id>/print")
@requires("letters.view", load=Appraisee)
def printable(appraisee: Appraisee):
    letter = services.letter_for(appraisee, create=False)
    cycle = appraisee.cycle
    share, public = _parts(appraisee)
    return render_template(
        "letters/print.html", appraisee=appraisee, cycle=cycle, letter=letter, share=share, public=public
    )


def _back(appraisee: Appraisee):
    return redirect(url_for("letters.detail", appraisee_id=appraisee.id))


def _attempt(appraisee: Appraisee, action, success: str):
    """Run a letter action and go back to the letter: a refusal is rolled back
    and shown, success is announced with ``success``."""
    try:
        action()
    except (services.LetterError, CycleError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(success, "success")
    return _back(appraisee)


@bp.route("/<int:appraisee_id>/items", methods=["POST"])
@requires("letters.edit", load=Appraisee)
def save_item(appraisee: Appraisee):
    letter = services.letter_for(appraisee, create=False)
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
    return _attempt(
        appraisee,
        lambda: services.save_item(
            letter,
            title=form.title.data,
            points=form.points.data,
            measure=form.measure.data or "",
            evidence_required=form.evidence_required.data or "",
            item=item,
        ),
        _("已保存目标。"),
    )


@bp.route("/<int:appraisee_id>/items/<int:item_id>/remove", methods=["POST"])
@requires("letters.edit", load=Appraisee, arg="appraisee_id")
def remove_item(appraisee: Appraisee, item_id: int):
    letter = services.letter_for(appraisee, create=False)
    item = get_or_404(LetterItem, item_id)
    if letter is None or item.letter_id != letter.id:
        abort(404)
    return _attempt(appraisee, lambda: services.remove_item(letter, item), _("已删除该目标。"))


@bp.route("/<int:appraisee_id>/submit", methods=["POST"])
@requires("letters.edit", load=Appraisee)
def submit(appraisee: Appraisee):
    letter = services.letter_for(appraisee, create=False)
    if letter is None or not DecisionForm().validate_on_submit():
        abort(400)
    return _attempt(appraisee, lambda: services.submit(letter), _("已提交分口考核组审核。"))


@bp.route("/<int:appraisee_id>/decide", methods=["POST"])
@requires("letters.review", load=Appraisee)
def decide(appraisee: Appraisee):
    letter = services.letter_for(appraisee, create=False)
    form = DecisionForm()
    if letter is None or not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    return _attempt(
        appraisee,
        lambda: services.decide(
            letter,
            approve=approve,
            reason=form.reason.data or "",
            seen_version=form.version.data,
        ),
        _("已审定，责任书已冻结。") if approve else _("已退回，并告知退回原因。"),
    )


@bp.route("/<int:appraisee_id>/reopen", methods=["POST"])
@requires("cycles.manage", load=Appraisee)
def reopen(appraisee: Appraisee):
    letter = services.letter_for(appraisee, create=False)
    form = ReopenForm()
    if letter is None:
        abort(404)
    if not form.validate_on_submit():
        flash(_("重新打开时必须填写原因"), "error")
        return _back(appraisee)
    return _attempt(
        appraisee, lambda: services.reopen(letter, reason=form.reason.data), _("已重新打开，单位可修改后再次提交。")
    )
