"""The command line: tenants create/list/suspend, users create."""

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.models import Operator, Role, Tenant, TenantStatus, User
from appraisal.platform.tenancy import tenant_scope, unscoped


def test_tenants_create_list_suspend(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "tenants",
            "create",
            "zz",
            "--name",
            "枣庄市考核办",
            "--admin-email",
            "admin@zz.cn",
            "--admin-password",
            "Welcome2026a",
        ]
    )
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["tenants", "list"])
    assert "zz\tactive\t枣庄市考核办" in listing.output
    with unscoped():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "zz"))
    with tenant_scope(tenant):
        admin = db.session.scalar(select(User))
        assert admin.email == "admin@zz.cn" and admin.roles() == {Role.OFFICE_ADMIN}
    assert runner.invoke(args=["tenants", "suspend", "zz"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).status == TenantStatus.SUSPENDED


def test_bad_cli_input_fails_clearly_and_writes_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "tenants",
            "create",
            "Bad Slug",
            "--name",
            "X",
            "--admin-email",
            "a@b.cn",
            "--admin-password",
            "Welcome2026a",
        ]
    )
    assert result.exit_code != 0 and "无效" in result.output
    weak = runner.invoke(
        args=["tenants", "create", "okslug", "--name", "X", "--admin-email", "a@b.cn", "--admin-password", "short"]
    )
    assert weak.exit_code != 0 and "密码" in weak.output
    with unscoped():
        assert db.session.scalars(select(Tenant)).all() == []
    assert runner.invoke(args=["tenants", "suspend", "nobody"]).exit_code != 0


def test_users_create(app, make_tenant, make_unit):
    tenant = make_tenant("city")
    make_unit(tenant, "D1")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--tenant",
            "city",
            "--email",
            "u@city.cn",
            "--password",
            "Welcome2026a",
            "--role",
            "unit_admin",
            "--unit",
            "D1",
        ]
    )
    assert result.exit_code == 0, result.output
    with tenant_scope(tenant):
        user = db.session.scalar(select(User).where(User.email == "u@city.cn"))
        assert [g.role for g in user.grants] == [Role.UNIT_ADMIN]
    missing_unit = runner.invoke(
        args=[
            "users",
            "create",
            "--tenant",
            "city",
            "--email",
            "v@city.cn",
            "--password",
            "Welcome2026a",
            "--role",
            "unit_admin",
        ]
    )
    assert missing_unit.exit_code != 0 and "单位" in missing_unit.output
    op = runner.invoke(args=["users", "create", "--operator", "--email", "ops@p.cn", "--password", "Welcome2026a"])
    assert op.exit_code == 0
    assert db.session.scalar(select(Operator)).email == "ops@p.cn"
