"""People operations: creating, changing, (de)activating people and linking
them to user accounts; the only place that writes them (see :mod:`.core`)."""

from __future__ import annotations

from flask_babel import gettext as _

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.org.models import (
    LeaderRole,
    OrgUnit,
    Person,
    PersonCategory,
)
from appraisal.tenants.org.services.core import (
    MAX_PERSON_NAME,
    MAX_POSITION,
    MAX_STAFF_NO,
    OrgError,
    person_by_staff_no,
    person_of_user,
    record_active,
)

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


def _check_person_fields(staff_no: str, name: str, position: str) -> None:
    if not staff_no:
        raise OrgError(_("工号不能为空"))
    if len(staff_no) > MAX_STAFF_NO:
        raise OrgError(_("工号不能超过 %(n)s 个字符", n=MAX_STAFF_NO))
    if not name:
        raise OrgError(_("姓名不能为空"))
    if len(name) > MAX_PERSON_NAME:
        raise OrgError(_("姓名不能超过 %(n)s 个字符", n=MAX_PERSON_NAME))
    if len(position) > MAX_POSITION:
        raise OrgError(_("职务不能超过 %(n)s 个字符", n=MAX_POSITION))


def create_person(
    *,
    staff_no: str,
    name: str,
    unit: OrgUnit,
    category: PersonCategory | str,
    position: str = "",
    leader_role: LeaderRole | str = LeaderRole.NONE,
    user_id: int | None = None,
    sort_order: int = 0,
) -> Person:
    staff_no, name, position = staff_no.strip(), name.strip(), (position or "").strip()
    _check_person_fields(staff_no, name, position)
    if person_by_staff_no(staff_no) is not None:
        raise OrgError(_("工号 %(no)s 已存在", no=staff_no))
    if not unit.active:
        raise OrgError(_("单位“%(name)s”已停用", name=unit.name))
    person = Person(
        staff_no=staff_no,
        name=name,
        unit=unit,
        category=PersonCategory(category),
        position=position,
        leader_role=LeaderRole(leader_role),
        user_id=user_id,
        sort_order=sort_order or 0,
    )
    db.session.add(person)
    db.session.flush()
    audit.record("org.person.create", person, after=audit.snapshot(person), label=person.name)
    return person


def update_person(
    person: Person,
    *,
    staff_no: str | None = None,
    name: str | None = None,
    unit: OrgUnit | None = None,
    category: PersonCategory | str | None = None,
    position: str | None = None,
    leader_role: LeaderRole | str | None = None,
    sort_order: int | None = None,
) -> bool:
    """Change a person's details; returns whether anything changed."""
    new_staff_no = person.staff_no if staff_no is None else staff_no.strip()
    new_name = person.name if name is None else name.strip()
    new_position = person.position if position is None else position.strip()
    _check_person_fields(new_staff_no, new_name, new_position)
    if new_staff_no != person.staff_no:
        other = person_by_staff_no(new_staff_no)
        if other is not None and other.id != person.id:
            raise OrgError(_("工号 %(no)s 已被其他人员使用", no=new_staff_no))
    if unit is not None and unit.id != person.unit_id and not unit.active:
        raise OrgError(_("单位“%(name)s”已停用", name=unit.name))

    before = audit.snapshot(person)
    person.staff_no, person.name, person.position = new_staff_no, new_name, new_position
    if unit is not None:
        person.unit = unit
        person.unit_id = unit.id
    if category is not None:
        person.category = PersonCategory(category)
    if leader_role is not None:
        person.leader_role = LeaderRole(leader_role)
    if sort_order is not None:
        person.sort_order = sort_order
    db.session.flush()
    changed_before, changed_after = audit.diff(before, audit.snapshot(person))
    if not changed_after:
        return False
    audit.record("org.person.update", person, before=changed_before, after=changed_after, label=person.name)
    return True


def set_person_active(person: Person, active: bool) -> bool:
    """Deactivate (never delete) a person — left, retired — or activate again."""
    if person.active == active:
        return False
    if active and not person.unit.active:
        raise OrgError(_("单位“%(name)s”已停用，请先把此人调到在用的单位", name=person.unit.name))
    record_active(person, active, ("org.person.activate", "org.person.deactivate"), person.name)
    return True


def link_user(person: Person, user) -> bool:
    """Link the person to a login account (or unlink with ``None``)."""
    new_id = user.id if user is not None else None
    if person.user_id == new_id:
        return False
    if user is not None:
        other = person_of_user(user.id)
        if other is not None and other.id != person.id:
            raise OrgError(
                _("账号 %(email)s 已关联人员 %(name)s（%(no)s）", email=user.email, name=other.name, no=other.staff_no)
            )
    before = {"user_id": person.user_id}
    person.user_id = new_id
    db.session.flush()
    audit.record(
        "org.person.link_user" if user is not None else "org.person.unlink_user",
        person,
        before=before,
        after={"user_id": new_id},
        label=person.name,
    )
    return True
