"""User accounts inside the tenant: lists, and roles as the form shows them."""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from appraisal.platform.db import db
from appraisal.platform.models import Role, RoleGrant, User
from appraisal.tenants.org.models import OrgUnit, UnitKind

FORM_ROLE_FIELDS = {
    Role.SECTOR_LEAD: "sector_lead_unit",
    Role.ASSESSOR: "assessor_unit",
    Role.UNIT_ADMIN: "unit_admin_unit",
}


def user_query(*, q: str = "", role: str = "", status: str = "") -> Select:
    stmt = select(User).order_by(User.display_name, User.id)
    if q := q.strip():  # % and _ are searched for, not wildcards
        stmt = stmt.where(or_(User.display_name.contains(q, autoescape=True), User.email.contains(q, autoescape=True)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role(role)))
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.active.is_(False))
    return stmt


def unit_choices() -> tuple[list[OrgUnit], list[OrgUnit], list[OrgUnit]]:
    units = list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.active.is_(True)).order_by(OrgUnit.path, OrgUnit.sort_order, OrgUnit.code)
        )
    )
    sector_groups = [u for u in units if u.kind == UnitKind.SECTOR_GROUP]
    departments = [u for u in units if u.kind in (UnitKind.DEPARTMENT, UnitKind.OFFICE)]
    return sector_groups, departments, units


def roles_from_form(form) -> list[tuple[Role, int | None]]:
    roles: list[tuple[Role, int | None]] = []
    if form.office_admin.data:
        roles.append((Role.OFFICE_ADMIN, None))
    for role, field in FORM_ROLE_FIELDS.items():
        value = getattr(form, field).data
        if value:
            roles.append((role, int(value)))
    if form.staff.data:
        roles.append((Role.STAFF, None))
    return roles


def fill_form_roles(form, user: User) -> None:
    form.office_admin.data = Role.OFFICE_ADMIN in user.roles()
    form.staff.data = Role.STAFF in user.roles()
    for role, field in FORM_ROLE_FIELDS.items():
        unit_ids = [g.org_unit_id for g in user.grants if g.role == role]
        getattr(form, field).data = str(unit_ids[0]) if unit_ids else ""


def grants_by_user(users: list[User]) -> dict[int, list[RoleGrant]]:
    """All grants of a page of users in one query (no N+1)."""
    ids = [u.id for u in users]
    grouped: dict[int, list[RoleGrant]] = {i: [] for i in ids}
    if ids:
        for grant in db.session.scalars(select(RoleGrant).where(RoleGrant.user_id.in_(ids)).order_by(RoleGrant.id)):
            grouped[grant.user_id].append(grant)
    return grouped
