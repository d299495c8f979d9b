"""Roster import (with its template) and export."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.permissions import requires, scope_clause
from appraisal.platform.refusals import INVALID
from appraisal.tenants.org import services
from appraisal.tenants.org.forms import ImportForm
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.org.views import bp
from appraisal.tenants.org.views._shared import xlsx_response


@bp.route("/import", methods=["GET", "POST"])
@requires("roster.import")
def roster_import():
    form = ImportForm()
    issues, result, filename = None, None, None
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or ""
        try:
            result = services.import_roster(filename, upload.read(), current_user)
        except services.RosterInvalid as exc:
            issues = exc.issues
    status = INVALID if request.method == "POST" and result is None else 200
    return render_template("org/import.html", form=form, issues=issues, result=result, filename=filename), status


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
