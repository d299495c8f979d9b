"""What the org route modules share: the people lists (scoped, filtered, in the
tree's order), form checks, select labels, downloads."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request
from flask_login import current_user
from sqlalchemy import case, or_, select
from sqlalchemy.orm import contains_eager

from appraisal.platform.db import db
from appraisal.platform.permissions import scope_clause
from appraisal.tenants.org import services
from appraisal.tenants.org.forms import PeopleFilterForm
from appraisal.tenants.org.models import OrgUnit, Person, PersonCategory


def xlsx_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=services.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def choice_label(unit: OrgUnit, depth: int) -> str:
    """A unit in a select, indented by its depth."""
    return f"{'　' * depth}{unit.name}（{unit.code}）"


def valid(form, unique_check) -> bool:
    """Validate the form and, in the same round, whether its code is free, so
    that every problem is shown at once (the check adds its error after the
    form's own validation, which resets the fields' errors)."""
    valid = form.validate_on_submit()
    if getattr(form, "hostile", None):
        return False  # a NUL byte must not reach the uniqueness query
    return unique_check(form) and valid


def people_query(form: PeopleFilterForm, *, within: OrgUnit | None = None, subtree: bool = False):
    stmt = (
        select(Person)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .options(contains_eager(Person.unit))
        .where(or_(scope_clause(current_user, "people.view", OrgUnit.path), Person.user_id == current_user.id))
    )
    if within is not None:
        if subtree:
            stmt = stmt.where(OrgUnit.path.startswith(within.path, autoescape=True))
        else:
            stmt = stmt.where(Person.unit_id == within.id)
    q = (form.q.data or "").strip()
    if q:
        stmt = stmt.where(or_(Person.name.contains(q, autoescape=True), Person.staff_no.contains(q, autoescape=True)))
    if form.category.data in {c.value for c in PersonCategory}:
        stmt = stmt.where(Person.category == PersonCategory(form.category.data))
    status = form.status.data or "active"
    if status == "active":
        stmt = stmt.where(Person.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Person.active.is_(False))
    return stmt.order_by(tree_order(within), Person.sort_order, Person.staff_no)


#: Above this many units a list falls back to ordering by path (ids compare as text).
MAX_RANKED_UNITS = 1000


def tree_order(within: OrgUnit | None):
    """People grouped by unit in the tree's display order (a path sorts ids as
    text: /10/ before /9/), as a CASE over the units concerned."""
    stmt = select(OrgUnit).where(scope_clause(current_user, "people.view", OrgUnit.path))
    if within is not None:
        stmt = stmt.where(OrgUnit.path.startswith(within.path, autoescape=True))
    units = list(db.session.scalars(stmt.limit(MAX_RANKED_UNITS + 1)))
    if not units or len(units) > MAX_RANKED_UNITS:
        return OrgUnit.path
    ranks = {unit.id: rank for rank, (unit, _depth) in enumerate(services.in_tree_order(units))}
    return case(ranks, value=Person.unit_id, else_=len(ranks))


def include_subtree(unit: OrgUnit) -> bool:
    """``?sub=1`` / ``?sub=0`` (the last one wins: the form sends a hidden 0
    before the checkbox); by default yes when the unit has units below it."""
    values = request.args.getlist("sub")
    if values:
        return values[-1] == "1"
    return any(child.active for child in unit.children)


def subtree_of(unit: OrgUnit) -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(unit.path, autoescape=True))))


def unit_labels_for(people) -> dict[int, str]:
    return services.unit_labels(p.unit_id for p in people)
