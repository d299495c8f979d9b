"""Reading the organisation: the unit tree and the people (scope ``read:org``)."""

from __future__ import annotations

import math

from flask import request
from flask_login import current_user
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.permissions import requires, scope_clause
from appraisal.platform.token_scopes import requires_scope
from appraisal.tenants.api import schemas
from appraisal.tenants.api.views._shared import api, responses, spec
from appraisal.tenants.org import services as org
from appraisal.tenants.org.models import OrgUnit, Person

TAG = "org"


def _page() -> schemas.PageQuery:
    return request.context.query  # type: ignore[attr-defined]  # set by spectree


@api.get("/units")
@requires("org.view")
@requires_scope("read:org")
@spec.validate(query=schemas.PageQuery, resp=responses(schemas.UnitPage), tags=[TAG])
def units():
    """The org tree: units depth-first in display order, with their depth (a page at a time)."""
    query = _page()
    rows = list(db.session.scalars(select(OrgUnit).where(scope_clause(current_user, "org.view", OrgUnit.path))))
    ordered = org.in_tree_order(rows)
    codes = {u.id: u.code for u in rows}
    start = (query.page - 1) * query.per_page
    items = [
        schemas.UnitOut(
            id=u.id,
            code=u.code,
            name=u.name,
            kind=u.kind.value,
            parent_id=u.parent_id,
            parent_code=codes.get(u.parent_id) if u.parent_id is not None else None,
            depth=depth,
            sort_order=u.sort_order,
            active=u.active,
        )
        for u, depth in ordered[start : start + query.per_page]
    ]
    return schemas.UnitPage(
        items=items,
        page=query.page,
        per_page=query.per_page,
        total=len(ordered),
        pages=max(1, math.ceil(len(ordered) / query.per_page)),
    )


@api.get("/people")
@requires("people.view")
@requires_scope("read:org")
@spec.validate(query=schemas.PageQuery, resp=responses(schemas.PersonPage), tags=[TAG])
def people():
    """The people of the units the token's user may see, by unit and order (a page at a time)."""
    query = _page()
    stmt = (
        select(Person, OrgUnit.code)
        .join(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(scope_clause(current_user, "people.view", OrgUnit.path))
    )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.execute(
        stmt.order_by(OrgUnit.path, Person.sort_order, Person.staff_no, Person.id)
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    ).all()
    items = [
        schemas.PersonOut(
            id=p.id,
            staff_no=p.staff_no,
            name=p.name,
            unit_id=p.unit_id,
            unit_code=code,
            category=p.category.value,
            position=p.position,
            leader_role=p.leader_role.value,
            sort_order=p.sort_order,
            active=p.active,
        )
        for p, code in rows
    ]
    return schemas.PersonPage(
        items=items,
        page=query.page,
        per_page=query.per_page,
        total=total,
        pages=max(1, math.ceil(total / query.per_page)),
    )
