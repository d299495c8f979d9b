"""The demo org on its own: the same people every time, in any tenant.

The full demo (years, results, logins) is loaded once per module in
``test_demo_city.py``.
"""

from __future__ import annotations

from collections import Counter

from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.org.models import PersonCategory, UnitKind


def test_demo_org_is_the_same_every_time(app):
    """Deterministic names: two loads into fresh tenants give the same people."""
    from appraisal.demo.org import load_org
    from appraisal.platform import tenant_admin
    from appraisal.platform.tenancy import unscoped

    rosters = []
    for slug in ("demo-a", "demo-b"):
        with unscoped():
            tenant = tenant_admin.create_tenant(slug=slug, name=slug)
        with tenant_scope(tenant):
            org = load_org(tenant)
            rosters.append([(p.staff_no, p.name, p.category) for p in org.people])
    assert rosters[0] == rosters[1]
    # about fifteen hundred people, every category present, 40 departments in 5 groups
    assert 1400 <= len(org.people) <= 1600
    assert set(Counter(p.category for p in org.people)) == set(PersonCategory)
    assert len(org.groups) == 5 and len(org.departments) == 40 and len(org.districts) == 6
    assert {u.kind for u in org.departments.values()} == {UnitKind.DEPARTMENT}
    assert len({p.name for p in org.people}) == len(org.people)  # names are unique
    db.session.rollback()


def test_demo_users_are_linked_to_people(app):
    from appraisal.demo.loader import LOGINS, load_users
    from appraisal.demo.org import load_org
    from appraisal.platform import tenant_admin
    from appraisal.platform.tenancy import unscoped

    with unscoped():
        tenant = tenant_admin.create_tenant(slug="demo-users", name="demo-users")
    with tenant_scope(tenant):
        org = load_org(tenant)
        users = load_users(org)
        assert set(users) == {login.role for login in LOGINS} == set(Role)  # one login per role
        linked = {p.user_id for p in org.people if p.user_id}
        assert {u.id for u in users.values()} <= linked
    db.session.rollback()
