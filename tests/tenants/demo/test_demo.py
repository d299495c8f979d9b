"""The demo tenant: loads in seconds, twice without harm, and every printed login works."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.demo import loader
from appraisal.tenants.org.models import OrgUnit, Person, PersonCategory, UnitKind


def test_demo_loads_twice_and_its_logins_work(app):
    runner = app.test_cli_runner()
    started = time.perf_counter()
    first = runner.invoke(args=["demo", "load"])
    elapsed = time.perf_counter() - started
    assert first.exit_code == 0, first.output
    assert "已创建演示租户" in first.output and "admin@demo.cn" in first.output
    assert "http://127.0.0.1:5000/t/demo/" in first.output
    assert elapsed < 20, elapsed

    tenant = loader.find_demo()
    with tenant_scope(tenant):
        kinds = dict(db.session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all())
        assert kinds[UnitKind.OFFICE] == 1 and kinds[UnitKind.SECTOR_GROUP] == 5
        assert kinds[UnitKind.DEPARTMENT] == 40 and kinds[UnitKind.DISTRICT] == 6
        assert kinds[UnitKind.SECTION] >= 10
        people = db.session.scalar(select(func.count()).select_from(Person))
        assert 400 <= people <= 600
        categories = set(db.session.scalars(select(Person.category).distinct()))
        assert categories == set(PersonCategory)
        names = {n for (n,) in db.session.execute(select(OrgUnit.name))}
        assert {"市委组织部", "市纪委监委", "市委宣传部", "市招商局", "市统计局", "滕州市"} <= names
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.actor_label == "demo"))
        assert audited >= people
        staff = db.session.scalar(select(Person).where(Person.user_id.is_not(None))
                                  .join(OrgUnit).where(OrgUnit.name == "预算科"))
        assert staff is not None

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "已存在" in second.output and "staff@demo.cn" in second.output
    with tenant_scope(tenant):
        assert db.session.scalar(select(func.count()).select_from(Person)) == people

    for login in loader.LOGINS:
        client = app.test_client()
        response = client.post("/t/demo/login", data={"email": login.email, "password": login.password})
        assert response.status_code == 302, login.email
        assert client.get("/t/demo/").status_code == 200


def test_demo_org_is_the_same_every_time(app):
    """Deterministic names: two loads into fresh tenants give the same people."""
    from appraisal.platform import tenant_admin
    from appraisal.platform.tenancy import unscoped
    from appraisal.tenants.demo.org import load_org

    rosters = []
    for slug in ("demo-a", "demo-b"):
        with unscoped():
            tenant = tenant_admin.create_tenant(slug=slug, name=slug)
        with tenant_scope(tenant):
            org = load_org(tenant)
            rosters.append([(p.staff_no, p.name, p.category) for p in org.people])
    assert rosters[0] == rosters[1]
    db.session.rollback()
