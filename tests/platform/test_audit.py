"""The audit log is append-only and browsable by the office admin."""

import uuid

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from appraisal.platform.audit import AuditEntry, AuditLogIsAppendOnly
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from tests.helpers import login


@pytest.fixture
def tenant_with_history(make_tenant, make_user, make_unit):
    tenant = make_tenant("city")
    admin = make_user(tenant, "office_admin", email="admin@city.cn", name="管理员")
    make_unit(tenant, "D1", name="市财政局")
    return tenant, admin


def test_writes_through_services_are_recorded(tenant_with_history):
    tenant, _admin = tenant_with_history
    with tenant_scope(tenant):
        entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    actions = [e.action for e in entries]
    assert actions == ["tenant.create", "user.create", "org.unit.create"]
    unit_entry = entries[-1]
    assert unit_entry.after["code"] == "D1" and unit_entry.after["name"] == "市财政局"
    assert unit_entry.before is None and unit_entry.object_type == "OrgUnit"
    assert "password_hash" not in entries[1].after


def test_orm_refuses_to_change_or_delete_audit_rows(tenant_with_history):
    tenant, _ = tenant_with_history
    with tenant_scope(tenant):
        entry = db.session.scalar(select(AuditEntry))
        entry.action = "forged"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEntry)))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(update(AuditEntry).values(action="forged"))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(delete(AuditEntry))


def test_database_refuses_to_change_or_delete_audit_rows(tenant_with_history):
    """Even raw SQL cannot rewrite history: triggers in the migration."""
    for statement in ("UPDATE audit_entries SET action = 'forged'", "DELETE FROM audit_entries"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_database_refuses_to_truncate_audit_rows(tenant_with_history):
    """TRUNCATE fires no row triggers: a statement trigger refuses it, also
    when it would come through another table's CASCADE (PostgreSQL; SQLite has
    no TRUNCATE, and its unqualified DELETE is refused above)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    before = db.session.scalar(text("SELECT count(*) FROM audit_entries"))
    assert before > 0
    for statement in ("TRUNCATE audit_entries", "TRUNCATE users CASCADE", "TRUNCATE tenants CASCADE"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM audit_entries")) == before


#: The application role's grants, as in the README ("Database roles").
APP_ROLE_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
)


def test_the_app_role_cannot_drop_or_disable_the_audit_triggers(tenant_with_history):
    """Running as the README's application role (owner of nothing, table
    privileges only), no statement removes or bypasses the append-only rule.
    The role lives inside a transaction that is rolled back: nothing is left."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles exist on PostgreSQL only")
    role = f"appraisal_app_{uuid.uuid4().hex[:8]}"
    forbidden = (
        "DROP TRIGGER audit_entries_no_update ON audit_entries",
        "DROP TRIGGER audit_entries_no_truncate ON audit_entries",
        "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
        "DROP FUNCTION audit_entries_append_only() CASCADE",
        "DROP TABLE audit_entries",
        "SET session_replication_role = replica",
        "TRUNCATE audit_entries",
        "DELETE FROM audit_entries",
        "UPDATE audit_entries SET action = 'forged'",
        "CREATE TABLE audit_shadow (id int)",
    )
    with db.engine.connect() as conn:
        outer = conn.begin()
        try:
            conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
            for grant in APP_ROLE_GRANTS:
                conn.execute(text(grant.format(role=role)))
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            before = conn.execute(text("SELECT count(*) FROM audit_entries")).scalar()
            conn.execute(
                text(  # it can append (the FK check on tenants needs no extra grant)
                    "INSERT INTO audit_entries (tenant_id, at, actor_label, action, object_type, object_label) "
                    "SELECT tenant_id, now(), 'app role', 'test.append', 'Test', '' FROM audit_entries LIMIT 1"
                )
            )
            assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() == before + 1
            for statement in forbidden:
                savepoint = conn.begin_nested()
                with pytest.raises(DatabaseError, match=r"must be owner|permission denied|append-only"):
                    conn.execute(text(statement))
                savepoint.rollback()
        finally:
            outer.rollback()


def test_office_admin_browses_and_filters(client, tenant_with_history):
    tenant, admin = tenant_with_history
    login(client, tenant, admin)
    page = client.get("/t/city/audit/").get_data(as_text=True)
    assert "org.unit.create" in page and "user.create" in page and "市财政局" in page
    filtered = client.get("/t/city/audit/?object_type=OrgUnit").get_data(as_text=True)
    assert "org.unit.create" in filtered and "user.create" not in filtered
    by_action = client.get("/t/city/audit/?action=user.").get_data(as_text=True)
    assert "user.create" in by_action and "org.unit.create" not in by_action
    future = client.get("/t/city/audit/?from=2999-01-01").get_data(as_text=True)
    assert "没有符合条件的记录" in future
    assert client.get("/t/city/audit/?from=not-a-date").status_code == 200


def test_audit_log_is_office_only(client, tenant_with_history, make_user, make_unit):
    tenant, _ = tenant_with_history
    unit_admin = make_user(tenant, "unit_admin", unit=make_unit(tenant, "D2"))
    login(client, tenant, unit_admin)
    assert client.get("/t/city/audit/").status_code == 403


def test_dates_at_the_calendar_edges_filter_without_error(client, tenant_with_history):
    """The last day a date can name has no "next day" and the first has no UTC
    equivalent before it: the filter still answers (nothing later / everything)."""
    tenant, admin = tenant_with_history
    login(client, tenant, admin)
    for query in ("to=9999-12-31", "from=0001-01-01", "from=9999-12-31", "to=0001-01-01"):
        assert client.get(f"/t/city/audit/?{query}").status_code == 200, query
    assert "org.unit.create" in client.get("/t/city/audit/?from=0001-01-01&to=9999-12-31").get_data(as_text=True)
    assert "没有符合条件的记录" in client.get("/t/city/audit/?to=0001-01-01").get_data(as_text=True)


def test_a_filter_with_a_control_character_is_ignored_and_said_so(client, tenant_with_history):
    """PostgreSQL cannot compare text holding a NUL: the filter is dropped with a notice
    (the log still shows), not a 400 page about content that cannot be saved."""
    tenant, admin = tenant_with_history
    login(client, tenant, admin)
    for name in ("action", "actor", "object_type", "object_id"):
        response = client.get("/t/city/audit/", query_string={name: "user\x00"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "筛选条件不能包含不可见的控制字符" in page and "org.unit.create" in page, name
