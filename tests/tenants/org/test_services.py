"""Org services: moves rewrite the subtree, cycles are refused, every write is audited."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.org import services
from appraisal.tenants.org.models import OrgUnit, Person
from tests.tenants.org.conftest import UNITS, audit_count


def _units(tenant):
    return {u.code: u for u in db.session.scalars(select(OrgUnit))}


def test_move_rewrites_the_path_of_the_whole_subtree(city):
    with tenant_scope(city.tenant):
        u = _units(city.tenant)
        deep = services.create_unit(code="S1-a", name="预算一组", kind="section", parent=u["S1"])
        assert services.update_unit(u["D1"], parent=u["Q1"]) is True
        db.session.commit()
        db.session.expire_all()
        u = _units(city.tenant)
        base = f"/{u['KHB'].id}/{u['Q1'].id}/{u['D1'].id}/"
        assert u["D1"].path == base
        assert u["S1"].path == f"{base}{u['S1'].id}/"
        assert u["S2"].path == f"{base}{u['S2'].id}/"
        assert db.session.get(OrgUnit, deep.id).path == f"{base}{u['S1'].id}/{deep.id}/"
        # untouched branches keep their paths
        assert u["D2"].path == f"/{u['KHB'].id}/{u['G1'].id}/{u['D2'].id}/"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "org.unit.move")).one()
        assert entry.before["parent_id"] == u["G1"].id and entry.after["parent_id"] == u["Q1"].id
        assert entry.after["subtree_paths_rewritten"] == 3


@pytest.mark.parametrize("target", ["D1", "S1"])
def test_moving_a_unit_into_itself_or_below_is_refused(city, target):
    with tenant_scope(city.tenant):
        u = _units(city.tenant)
        before = audit_count(city.tenant)
        with pytest.raises(services.OrgError, match="下级单位之下"):
            services.update_unit(u["D1"], parent=u[target])
        assert u["D1"].parent_id == u["G1"].id
        assert audit_count(city.tenant) == before


def test_an_unchanged_save_records_nothing(city):
    with tenant_scope(city.tenant):
        u = _units(city.tenant)
        before = audit_count(city.tenant)
        assert services.update_unit(u["D1"], name="市财政局", parent=u["G1"]) is False
        person = db.session.scalar(select(Person).where(Person.staff_no == "P1"))
        assert services.update_person(person, name="张局长") is False
        assert audit_count(city.tenant) == before


def test_deactivate_rather_than_delete(city):
    with tenant_scope(city.tenant):
        u = _units(city.tenant)
        with pytest.raises(services.OrgError, match="请先停用或调出"):
            services.set_unit_active(u["D1"], False)
        assert services.set_unit_active(u["S2"], False) is True
        with pytest.raises(services.OrgError, match="已停用"):
            services.create_person(staff_no="N1", name="新人", unit=u["S2"], category="trainee")
        person = db.session.scalar(select(Person).where(Person.staff_no == "P2"))
        services.set_person_active(person, False)
        assert db.session.get(Person, person.id) is not None and not person.active
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"org.unit.deactivate", "org.person.deactivate"} <= actions


def test_a_user_is_linked_to_one_person_at_most(city):
    with tenant_scope(city.tenant):
        p1 = db.session.scalar(select(Person).where(Person.staff_no == "P1"))
        staff = db.session.merge(city.users["staff"])
        with pytest.raises(services.OrgError, match="已关联人员 李科员"):
            services.link_user(p1, staff)


def test_random_moves_keep_every_path_equal_to_the_parent_chain(city):
    """Whatever sequence of moves (cycles refused), each path is the chain of parent ids."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    codes = [code for code, *_ in UNITS]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.sampled_from(codes), st.sampled_from(codes + [None])), max_size=8))
    def run(moves):
        with tenant_scope(city.tenant):
            try:
                for code, parent in moves:
                    u = _units(city.tenant)
                    with contextlib.suppress(services.OrgError):
                        services.update_unit(u[code], parent=u[parent] if parent else None)
                db.session.flush()
                units = {u.id: u for u in db.session.scalars(select(OrgUnit))}
                for unit in units.values():
                    chain, cursor = [], unit
                    while cursor is not None:
                        chain.append(cursor.id)
                        cursor = units.get(cursor.parent_id)
                    assert unit.path == "/" + "/".join(map(str, reversed(chain))) + "/"
            finally:
                db.session.rollback()

    run()
