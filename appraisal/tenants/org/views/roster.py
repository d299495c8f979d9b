"""Roster import (with its template) and export.

An import is two requests: the upload is read and checked and its preview shown
(rows to add, to change with before and after, left as they are); the file is
staged (:mod:`appraisal.platform.staged`) and only "确认导入" writes it, after
checking it again against the database as it is then."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform import staged
from appraisal.platform.db import db
from appraisal.platform.permissions import requires, scope_clause
from appraisal.platform.refusals import INVALID
from appraisal.tenants.org import services
from appraisal.tenants.org.forms import ConfirmImportForm, ImportForm
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.org.views import bp
from appraisal.tenants.org.views._shared import xlsx_response


def _page(status: int = 200, **context):
    context.setdefault("form", ImportForm())
    for key in ("issues", "result", "preview", "confirm", "filename", "notes"):
        context.setdefault(key, None)
    return render_template("org/import.html", **context), status


def _previewed(filename: str, data: bytes, plan) -> tuple:
    """The preview page, with its "确认导入" form when the file changes anything."""
    preview = services.preview_plan(plan)
    confirm = None
    if preview.changed:
        confirm = ConfirmImportForm(
            formdata=None,
            digest=staged.stage(current_user.id, data),
            fingerprint=preview.fingerprint,
            filename=filename,
        )
    return preview, confirm


@bp.route("/import", methods=["GET", "POST"])
@requires("roster.import")
def roster_import():
    if request.method == "POST" and "digest" in request.form:
        return _confirm()
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(INVALID if request.method == "POST" else 200, form=form)
    upload = form.file.data
    filename = upload.filename or ""
    data = upload.read()
    try:
        plan = services.check_roster(filename, data, current_user)
    except services.RosterInvalid as exc:
        return _page(INVALID, form=form, issues=exc.issues, filename=filename)
    preview, confirm = _previewed(filename, data, plan)
    return _page(form=form, preview=preview, confirm=confirm, filename=filename)


def _confirm():
    confirm = ConfirmImportForm()
    filename = confirm.filename.data or ""
    data = staged.load(current_user.id, confirm.digest.data or "") if confirm.validate_on_submit() else None
    if data is None:
        flash(_("预览已过期或找不到预览的文件，未导入任何数据；请重新上传。"), "error")
        return _page(INVALID)
    try:
        plan = services.check_roster(filename, data, current_user)
    except services.RosterInvalid as exc:
        flash(_("预览之后系统中的数据有变化，文件现在有问题，未导入任何数据。"), "error")
        return _page(INVALID, issues=exc.issues, filename=filename)
    preview = services.preview_plan(plan)
    if preview.fingerprint != confirm.fingerprint.data:
        flash(_("预览之后系统中的数据有变化，下面是按现在的数据重新生成的预览，请核对后再确认。"), "error")
        preview, again = _previewed(filename, data, plan)
        return _page(INVALID, preview=preview, confirm=again, filename=filename)
    result = services.apply_plan(plan, filename=filename)
    staged.discard(current_user.id, confirm.digest.data)
    return _page(result=result, filename=filename, notes=plan.notes)


@bp.route("/import/template.xlsx")
@requires("roster.import")
def roster_template():
    return xlsx_response(services.template_workbook(), "名册导入模板.xlsx")


@bp.route("/export.xlsx")
@requires("roster.import")
def roster_export():
    units = list(
        db.session.scalars(
            select(OrgUnit).where(scope_clause(current_user, "org.edit", OrgUnit.path), OrgUnit.active.is_(True))
        )
    )
    units = [u for u, _depth in services.in_tree_order(units)]
    people = db.session.scalars(
        select(Person)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(scope_clause(current_user, "people.edit", OrgUnit.path), Person.active.is_(True))
        .order_by(OrgUnit.path, Person.sort_order, Person.staff_no)
    )
    code_of = dict(db.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    return xlsx_response(services.roster_workbook(units, people, code_of), "名册.xlsx")
