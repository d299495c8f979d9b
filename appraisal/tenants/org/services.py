"""Org tree and people operations: the only place that writes them."""

from __future__ import annotations

from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person, PersonCategory, UnitKind


class OrgError(ValueError):
    """A clear, user-facing reason why an org change was refused."""


def unit_names(unit_ids) -> dict[int, str]:
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())


def unit_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _path_for(unit: OrgUnit) -> str:
    parent_path = unit.parent.path if unit.parent is not None else "/"
    return f"{parent_path}{unit.id}/"


def create_unit(*, code: str, name: str, kind: UnitKind | str, parent: OrgUnit | None = None,
                sort_order: int = 0) -> OrgUnit:
    code = code.strip()
    if unit_by_code(code) is not None:
        raise OrgError(f"单位编码 {code} 已存在")
    unit = OrgUnit(code=code, name=name.strip(), kind=UnitKind(kind), parent=parent,
                   sort_order=sort_order)
    db.session.add(unit)
    db.session.flush()
    unit.path = _path_for(unit)
    audit.record("org.unit.create", unit, after=audit.snapshot(unit), label=unit.name)
    return unit


def create_person(*, staff_no: str, name: str, unit: OrgUnit, category: PersonCategory | str,
                  position: str = "", leader_role: LeaderRole | str = LeaderRole.NONE,
                  user_id: int | None = None, sort_order: int = 0) -> Person:
    staff_no = staff_no.strip()
    if db.session.scalar(select(Person).where(Person.staff_no == staff_no)) is not None:
        raise OrgError(f"工号 {staff_no} 已存在")
    person = Person(staff_no=staff_no, name=name.strip(), unit=unit, category=PersonCategory(category),
                    position=position, leader_role=LeaderRole(leader_role), user_id=user_id,
                    sort_order=sort_order)
    db.session.add(person)
    db.session.flush()
    audit.record("org.person.create", person, after=audit.snapshot(person), label=person.name)
    return person
