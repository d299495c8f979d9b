"""The office admin manages accounts: create, roles, reset password, deactivate."""

import pytest
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.models import Role, User
from appraisal.platform.tenancy import tenant_scope
from tests.helpers import login


@pytest.fixture
def office(make_tenant, make_user, make_unit):
    tenant = make_tenant("city")
    admin = make_user(tenant, "office_admin", email="admin@city.cn")
    dept = make_unit(tenant, "D1", name="市财政局")
    return tenant, admin, dept


def _user(tenant, email):
    db.session.expire_all()  # see what the requests committed
    with tenant_scope(tenant):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            _ = user.grants  # loaded inside the tenant
        return user


def test_create_user_with_roles(client, office):
    tenant, admin, dept = office
    login(client, tenant, admin)
    response = client.post(
        "/t/city/users/new",
        data={
            "email": "Wang@City.cn",
            "display_name": "王五",
            "password": "Welcome2026a",
            "unit_admin_unit": str(dept.id),
            "staff": "y",
        },
    )
    assert response.status_code == 302
    user = _user(tenant, "wang@city.cn")
    assert user is not None and user.display_name == "王五"
    assert {(g.role, g.org_unit_id) for g in user.grants} == {(Role.UNIT_ADMIN, dept.id), (Role.STAFF, None)}
    page = client.get("/t/city/users/?q=王").get_data(as_text=True)
    assert "王五" in page and "单位管理员·市财政局" in page


def test_bad_input_is_shown_and_changes_nothing(client, office):
    tenant, admin, _ = office
    login(client, tenant, admin)
    weak = client.post("/t/city/users/new", data={"email": "x@city.cn", "display_name": "X", "password": "onlyletters"})
    assert weak.status_code == 422 and "密码需同时包含字母和数字" in weak.get_data(as_text=True)
    dup = client.post(
        "/t/city/users/new", data={"email": "admin@city.cn", "display_name": "Y", "password": "Welcome2026a"}
    )
    assert dup.status_code == 422 and "已存在" in dup.get_data(as_text=True)
    bad_unit = client.post(
        "/t/city/users/new",
        data={"email": "z@city.cn", "display_name": "Z", "password": "Welcome2026a", "unit_admin_unit": "999999"},
    )
    assert bad_unit.status_code == 422
    assert _user(tenant, "x@city.cn") is None and _user(tenant, "z@city.cn") is None


def test_change_roles_is_audited(client, office):
    tenant, admin, dept = office
    login(client, tenant, admin)
    client.post(
        "/t/city/users/new",
        data={"email": "li@city.cn", "display_name": "李", "password": "Welcome2026a", "staff": "y"},
    )
    user = _user(tenant, "li@city.cn")
    response = client.post(f"/t/city/users/{user.id}", data={"display_name": "李明", "assessor_unit": str(dept.id)})
    assert response.status_code == 302
    user = _user(tenant, "li@city.cn")
    assert user.display_name == "李明" and user.roles() == {Role.ASSESSOR}
    with tenant_scope(tenant):
        actions = [
            e.action
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.object_id == str(user.id)).order_by(AuditEntry.id)
            )
        ]
    assert actions == ["user.create", "user.update", "user.roles"]


def test_reset_password_and_deactivate(app, client, office, make_user):
    tenant, admin, _ = office
    staff = make_user(tenant, "staff", email="s@city.cn")
    other = app.test_client()
    assert login(other, tenant, staff).status_code == 302
    login(client, tenant, admin)
    assert client.post(f"/t/city/users/{staff.id}/password", data={"password": "Reset2026abc"}).status_code == 302
    assert other.get("/t/city/").status_code == 302, "a reset ends the user's sessions"
    assert login(other, tenant, staff).status_code == 401
    assert login(other, tenant, staff, password="Reset2026abc").status_code == 302
    client.post(f"/t/city/users/{staff.id}/active", data={"active": "0"})
    assert other.get("/t/city/").status_code == 302
    assert login(app.test_client(), tenant, staff, password="Reset2026abc").status_code == 401


def test_last_office_admin_cannot_be_deactivated(client, office):
    tenant, admin, _ = office
    login(client, tenant, admin)
    response = client.post(f"/t/city/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "不能停用最后一位考核办管理员" in response.get_data(as_text=True)
    assert _user(tenant, "admin@city.cn").active


def test_export_lists_users(client, office):
    from io import BytesIO

    from openpyxl import load_workbook

    tenant, admin, _ = office
    login(client, tenant, admin)
    response = client.get("/t/city/users/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "登录邮箱", "角色", "状态")
    assert ("admin", "admin@city.cn", "考核办管理员", "正常") in rows


def test_export_keeps_the_lists_status_filter(client, office, make_user):
    from io import BytesIO

    from openpyxl import load_workbook

    tenant, admin, _ = office
    gone = make_user(tenant, "staff", email="gone@city.cn")
    login(client, tenant, admin)
    assert client.post(f"/t/city/users/{gone.id}/active", data={"active": "0"}).status_code == 302
    assert not _user(tenant, "gone@city.cn").active
    for status, expected in (("active", {"admin@city.cn"}), ("inactive", {"gone@city.cn"})):
        listed = client.get(f"/t/city/users/?status={status}").get_data(as_text=True)
        assert all(email in listed for email in expected)
        response = client.get(f"/t/city/users/export.xlsx?status={status}")
        rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))[1:]
        assert {row[1] for row in rows} == expected, status


def test_unit_admin_cannot_manage_users(client, office, make_user):
    tenant, _, dept = office
    unit_admin = make_user(tenant, "unit_admin", unit=dept)
    login(client, tenant, unit_admin)
    assert client.get("/t/city/users/").status_code == 403
    assert client.post("/t/city/users/new", data={}).status_code == 403
    assert client.get(f"/t/city/users/{unit_admin.id}").status_code == 403


def test_search_treats_percent_and_underscore_as_plain_characters(client, office, make_user):
    tenant, admin, _ = office
    make_user(tenant, "staff", email="plain@city.cn", name="王五")
    make_user(tenant, "staff", email="odd@city.cn", name="百分之100%")
    login(client, tenant, admin)
    for q, shown, hidden in (("%", "odd@city.cn", "plain@city.cn"), ("_", None, "plain@city.cn")):
        page = client.get("/t/city/users/", query_string={"q": q}).get_data(as_text=True)
        assert hidden not in page and "admin@city.cn" not in page, q
        if shown:
            assert shown in page, q
