"""The tenancy safety net: nothing of tenant B is visible or writable inside tenant A."""

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from appraisal.platform.db import db
from appraisal.platform.models import RoleGrant, User
from appraisal.platform.tenancy import (
    CrossTenantWrite,
    NoTenantContext,
    get_or_404,
    tenant_scope,
    unscoped,
)
from appraisal.tenants.org import services as org
from appraisal.tenants.org.models import OrgUnit, Person


@pytest.fixture
def two_tenants(make_tenant, make_unit, make_user):
    a, b = make_tenant("alpha"), make_tenant("beta")
    ua, ub = make_unit(a, "A1", name="甲单位"), make_unit(b, "B1", name="乙单位")
    make_user(a, "unit_admin", unit=ua, email="a@example.cn")
    make_user(b, "unit_admin", unit=ub, email="b@example.cn")
    for tenant, unit, prefix in ((a, ua, "A"), (b, ub, "B")):
        with tenant_scope(tenant):
            for i in range(3):
                org.create_person(staff_no=f"{prefix}{i}", name=f"{prefix}人{i}", unit=unit, category="general_staff")
            db.session.commit()
    db.session.expunge_all()  # nothing cached: every lookup below goes to the database
    return a, b


def test_select_sees_only_the_current_tenant(two_tenants):
    a, b = two_tenants
    with tenant_scope(a):
        assert [u.code for u in db.session.scalars(select(OrgUnit))] == ["A1"]
        assert db.session.scalar(select(func.count()).select_from(Person)) == 3
    with tenant_scope(b):
        assert sorted(p.staff_no for p in db.session.scalars(select(Person))) == ["B0", "B1", "B2"]


def test_join_is_filtered_on_every_side(two_tenants):
    a, _ = two_tenants
    with tenant_scope(a):
        rows = db.session.execute(select(Person.staff_no, OrgUnit.code).join(OrgUnit)).all()
        assert {code for _, code in rows} == {"A1"}
        # a join that ignores the FK still cannot reach tenant B's rows
        cross = db.session.execute(select(Person.staff_no, OrgUnit.code).join(OrgUnit, OrgUnit.id > 0)).all()
        assert {code for _, code in cross} == {"A1"}


def test_relationship_loads_are_filtered(two_tenants):
    a, _b = two_tenants
    with unscoped():
        b_unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "B1"))
        b_unit_id = b_unit.id
        db.session.expunge(b_unit)
    with tenant_scope(a):
        unit = db.session.scalar(select(OrgUnit).options(selectinload(OrgUnit.people)))
        assert {p.staff_no[0] for p in unit.people} == {"A"}
        user = db.session.scalar(select(User).options(joinedload(User.grants)))
        assert all(g.tenant_id == a.id for g in user.grants)
        # Session.get of tenant B's id finds nothing
        assert db.session.get(OrgUnit, b_unit_id) is None


def test_get_or_404_refuses_another_tenants_object(two_tenants):
    from werkzeug.exceptions import NotFound

    a, b = two_tenants
    with tenant_scope(b):
        b_person_id = db.session.scalar(select(Person.id))
    with tenant_scope(a), pytest.raises(NotFound):
        get_or_404(Person, b_person_id)


def test_bulk_update_and_delete_touch_only_the_current_tenant(two_tenants):
    a, b = two_tenants
    with tenant_scope(a):
        db.session.execute(update(Person).values(position="已改"))
        db.session.execute(delete(RoleGrant))
        db.session.commit()
    with tenant_scope(b):
        assert {p.position for p in db.session.scalars(select(Person))} == {""}
        assert db.session.scalar(select(func.count()).select_from(RoleGrant)) == 1
    with tenant_scope(a):
        assert {p.position for p in db.session.scalars(select(Person))} == {"已改"}
        assert db.session.scalar(select(func.count()).select_from(RoleGrant)) == 0


def test_query_without_tenant_context_raises(two_tenants):
    with pytest.raises(NoTenantContext):
        db.session.scalars(select(Person)).all()
    with pytest.raises(NoTenantContext):
        db.session.execute(update(Person).values(position="x"))


def test_unscoped_is_an_explicit_opt_out(two_tenants):
    with unscoped():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 6


def test_new_rows_are_stamped_and_checked(two_tenants):
    a, b = two_tenants
    with tenant_scope(a):
        unit = org.create_unit(code="A2", name="新单位", kind="department")
        assert unit.tenant_id == a.id
        stray = OrgUnit(code="X", name="串户", kind="department", tenant_id=b.id)
        db.session.add(stray)
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_changing_another_tenants_row_is_refused(two_tenants):
    a, b = two_tenants
    with tenant_scope(b):
        person = db.session.scalar(select(Person))
    with tenant_scope(a):
        person.name = "篡改"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_every_integer_key_fits_the_one_id_bound(app):
    """``inputs.INT_MAX`` bounds every id taken from a URL, a query string or a form
    (``get_or_404``, ``<int:…>``, ``bounded_int``): it holds only while no id column is wider."""
    from sqlalchemy import BigInteger

    from appraisal.platform.inputs import INT_MAX

    assert INT_MAX == 2**31 - 1
    wide = [
        f"{table.name}.{column.name}"
        for table in db.metadata.tables.values()
        for column in table.columns
        if (column.primary_key or column.foreign_keys) and isinstance(column.type, BigInteger)
    ]
    assert wide == [], f"ids wider than inputs.INT_MAX: {wide}; widen the bound with them"
