"""A small city with every role, and a second tenant to be kept out of it.

KHB 考核办 (office)
├── G1 综合经济组 (sector group)      sector lead
│   ├── D1 市财政局 (department)       unit admin
│   │   ├── S1 预算科 (section)        staff (P2, linked)
│   │   └── S2 国库科 (section)
│   └── D2 市统计局 (department)
├── G2 党群综合组 (sector group)
│   └── D3 市委组织部 (department)     assessor
└── Q1 市中区 (district)
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.org import services
from appraisal.tenants.org.models import OrgUnit, Person
from tests.helpers import login

ROLES = ("office_admin", "sector_lead", "assessor", "unit_admin", "staff")

UNITS = [  # code, name, kind, parent code
    ("KHB", "考核办", "office", None),
    ("G1", "综合经济组", "sector_group", "KHB"),
    ("D1", "市财政局", "department", "G1"),
    ("S1", "预算科", "section", "D1"),
    ("S2", "国库科", "section", "D1"),
    ("D2", "市统计局", "department", "G1"),
    ("G2", "党群综合组", "sector_group", "KHB"),
    ("D3", "市委组织部", "department", "G2"),
    ("Q1", "市中区", "district", "KHB"),
]
PEOPLE = [  # staff no, name, unit code, category, leader role
    ("P1", "张局长", "D1", "city_cadre", "principal"),
    ("P2", "李科员", "S1", "section_level", "none"),
    ("P3", "王统计", "D2", "section_level", "none"),
    ("P4", "赵组织", "D3", "county_level", "deputy"),
    ("P5", "钱区长", "Q1", "city_cadre", "principal"),
]


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """scrypt costs ~0.1 s a hash and these tests make many users: hash cheaply here
    (the platform's own tests cover the real method)."""
    monkeypatch.setattr("appraisal.platform.models.PASSWORD_METHOD", "pbkdf2:sha256:1000")


def build_org(tenant) -> dict[str, int]:
    """Create UNITS and PEOPLE in ``tenant``; returns ids by code / staff no."""
    ids: dict[str, int] = {}
    with tenant_scope(tenant):
        units: dict[str, OrgUnit] = {}
        for code, name, kind, parent in UNITS:
            units[code] = services.create_unit(
                code=code, name=name, kind=kind, parent=units[parent] if parent else None
            )
        for staff_no, name, unit, category, leader in PEOPLE:
            person = services.create_person(
                staff_no=staff_no, name=name, unit=units[unit], category=category, leader_role=leader
            )
            ids[staff_no] = person.id
        ids.update({code: unit.id for code, unit in units.items()})
        db.session.commit()
    return ids


@pytest.fixture
def city(make_tenant, make_user):
    """The tenant above, with one user per role (``city.users[role]``)."""
    tenant = make_tenant("city", "演示市考核办")
    ids = build_org(tenant)

    class _Unit:  # make_user only needs .id
        def __init__(self, unit_id):
            self.id = unit_id

    users = {
        "office_admin": make_user(tenant, "office_admin", email="office@city.cn"),
        "sector_lead": make_user(tenant, "sector_lead", unit=_Unit(ids["G1"]), email="lead@city.cn"),
        "assessor": make_user(tenant, "assessor", unit=_Unit(ids["D3"]), email="assessor@city.cn"),
        "unit_admin": make_user(tenant, "unit_admin", unit=_Unit(ids["D1"]), email="unitadmin@city.cn"),
        "staff": make_user(tenant, "staff", email="staff@city.cn"),
    }
    with tenant_scope(tenant):
        services.link_user(db.session.get(Person, ids["P2"]), users["staff"])
        db.session.commit()
    return SimpleNamespace(tenant=tenant, ids=ids, users=users, slug=tenant.slug)


@pytest.fixture
def other(make_tenant, make_user):
    """A second tenant with a unit and a person (ids ``other.ids``)."""
    tenant = make_tenant("other", "另一个考核办")
    with tenant_scope(tenant):
        unit = services.create_unit(code="X1", name="外单位", kind="department")
        person = services.create_person(staff_no="XP1", name="外人", unit=unit, category="general_staff")
        db.session.commit()
        ids = {"unit": unit.id, "person": person.id}
    make_user(tenant, "office_admin", email="office@other.cn")
    return SimpleNamespace(tenant=tenant, ids=ids)


@pytest.fixture
def as_role(app, city):
    """``as_role("unit_admin")``: a test client signed in as that user of ``city``."""

    def make(role: str):
        client = app.test_client()
        response = login(client, city.tenant, city.users[role])
        assert response.status_code == 302, f"login as {role} failed"
        return client

    return make


def audit_count(tenant) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def unit_row(tenant, code: str) -> OrgUnit | None:
    with tenant_scope(tenant):
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is not None:
            db.session.refresh(unit)
        return unit


def org_state(tenant) -> tuple:
    """Everything the roster import could touch, as plain values."""
    with tenant_scope(tenant):
        db.session.expire_all()
        units = db.session.execute(
            select(
                OrgUnit.code,
                OrgUnit.name,
                OrgUnit.kind,
                OrgUnit.parent_id,
                OrgUnit.path,
                OrgUnit.sort_order,
                OrgUnit.active,
            ).order_by(OrgUnit.code)
        ).all()
        people = db.session.execute(
            select(
                Person.staff_no,
                Person.name,
                Person.unit_id,
                Person.category,
                Person.position,
                Person.leader_role,
                Person.sort_order,
                Person.active,
            ).order_by(Person.staff_no)
        ).all()
        return tuple(map(tuple, units)), tuple(map(tuple, people)), audit_count(tenant)
