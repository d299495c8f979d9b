"""Platform operators create and suspend tenants, and see no tenant data."""

import pytest
from sqlalchemy import select

from appraisal.platform import accounts
from appraisal.platform.db import db
from appraisal.platform.models import Tenant, TenantStatus
from appraisal.platform.tenancy import unscoped
from tests.helpers import PASSWORD, login


@pytest.fixture
def operator(app):
    op = accounts.create_operator(email="ops@platform.cn", display_name="运营", password=PASSWORD)
    db.session.commit()
    return op


def _operator_login(client):
    return client.post("/platform/login", data={"email": "ops@platform.cn", "password": PASSWORD})


def test_operator_creates_a_tenant_and_its_first_admin(client, operator):
    assert _operator_login(client).status_code == 302
    response = client.post(
        "/platform/tenants/new",
        data={"slug": "zaozhuang", "name": "枣庄市考核办", "locale": "zh_Hans", "time_zone": "Asia/Shanghai"},
    )
    assert response.status_code == 302
    with unscoped():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "zaozhuang"))
    assert tenant.name == "枣庄市考核办"
    response = client.post(
        f"/platform/tenants/{tenant.id}/admin",
        data={"email": "admin@zz.cn", "display_name": "考核办", "password": "Welcome2026a"},
    )
    assert response.status_code == 302
    assert "枣庄市考核办" in client.get("/platform/").get_data(as_text=True)
    tenant_client = client.application.test_client()
    assert login(tenant_client, tenant, "admin@zz.cn", password="Welcome2026a").status_code == 302


def test_bad_tenant_input_is_refused(client, operator, make_tenant):
    make_tenant("taken")
    _operator_login(client)
    for slug in ("Bad Slug", "taken", "platform", "x"):
        response = client.post(
            "/platform/tenants/new", data={"slug": slug, "name": "N", "locale": "zh_Hans", "time_zone": "Asia/Shanghai"}
        )
        assert response.status_code == 422, slug
    with unscoped():
        assert db.session.scalar(select(Tenant).where(Tenant.slug == "x")) is None


def test_operator_suspends_and_reactivates(client, operator, make_tenant):
    tenant = make_tenant("susp")
    _operator_login(client)
    client.post(f"/platform/tenants/{tenant.id}/status", data={"status": "suspended"})
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).status == TenantStatus.SUSPENDED
    assert client.get("/t/susp/login").status_code == 403
    client.post(f"/platform/tenants/{tenant.id}/status", data={"status": "active"})
    assert client.get("/t/susp/login").status_code == 200


def test_operator_pages_need_an_operator(client, make_tenant, make_user):
    tenant = make_tenant("plain")
    admin = make_user(tenant, "office_admin")
    assert client.get("/platform/").status_code == 302
    login(client, tenant, admin)
    assert client.get("/platform/").status_code == 302, "a tenant admin is not an operator"
    assert client.post(f"/platform/tenants/{tenant.id}/status", data={"status": "suspended"}).status_code == 302


def test_operator_session_is_not_a_tenant_login(client, operator, make_tenant):
    make_tenant("city")
    _operator_login(client)
    response = client.get("/t/city/")
    assert response.status_code == 302 and "/t/city/login" in response.headers["Location"]
