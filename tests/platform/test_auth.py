"""Logins: sessions renewed at login and ended at logout, idle timeout,
tenant-bound sessions, throttling, CSRF, cookie flags, password changes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from appraisal.platform import tenant_admin
from appraisal.platform.db import db, utcnow
from appraisal.platform.models import LoginSession, TenantStatus
from appraisal.platform.tenancy import unscoped
from tests.helpers import PASSWORD, csrf_token_from, login


@pytest.fixture
def tenant(make_tenant):
    return make_tenant("city")


@pytest.fixture
def staff(tenant, make_user):
    return make_user(tenant, "staff", email="staff@example.cn", name="张三")


def _live_sessions():
    with unscoped():
        return list(db.session.scalars(select(LoginSession).where(LoginSession.ended_at.is_(None))))


def test_login_then_home(client, tenant, staff):
    response = login(client, tenant, staff)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/t/{tenant.slug}/")
    page = client.get(f"/t/{tenant.slug}/")
    assert page.status_code == 200
    assert "张三" in page.get_data(as_text=True)


def test_wrong_password_is_refused(client, tenant, staff):
    response = login(client, tenant, staff, password="wrong-password-1")
    assert response.status_code == 401
    assert "账号或密码不正确" in response.get_data(as_text=True)
    assert client.get(f"/t/{tenant.slug}/").status_code == 302


def test_anonymous_is_sent_to_the_tenant_login(client, tenant):
    response = client.get(f"/t/{tenant.slug}/")
    assert response.status_code == 302
    assert f"/t/{tenant.slug}/login" in response.headers["Location"]


def test_session_is_renewed_at_login(app_factory, make_tenant, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        tenant = make_tenant("renew")
        user = make_user(tenant, "staff")
    client = app.test_client()

    def sign_in():
        token = csrf_token_from(client.get(f"/t/{tenant.slug}/login").get_data(as_text=True))
        return client.post(
            f"/t/{tenant.slug}/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )

    client.get(f"/t/{tenant.slug}/login")
    anonymous_cookie = client.get_cookie("session").value  # e.g. planted by an attacker
    assert sign_in().status_code == 302
    first_cookie = client.get_cookie("session").value
    assert first_cookie != anonymous_cookie
    with app.app_context(), unscoped():
        first_rows = {s.token_hash for s in _live_sessions()}
    assert len(first_rows) == 1
    token = csrf_token_from(client.get(f"/t/{tenant.slug}/account").get_data(as_text=True))
    client.post(f"/t/{tenant.slug}/logout", data={"csrf_token": token})
    assert sign_in().status_code == 302
    with app.app_context(), unscoped():
        second_rows = {s.token_hash for s in _live_sessions()}
    assert len(second_rows) == 1 and second_rows.isdisjoint(first_rows)
    assert client.get_cookie("session").value != first_cookie
    # the anonymous cookie from before the login is not a login
    other = app.test_client()
    other.set_cookie("session", anonymous_cookie)
    assert other.get(f"/t/{tenant.slug}/").status_code == 302


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, tenant, staff):
    login(client, tenant, staff)
    stolen = client.get_cookie("session").value
    client.post(f"/t/{tenant.slug}/logout")
    assert client.get(f"/t/{tenant.slug}/").status_code == 302
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get(f"/t/{tenant.slug}/").status_code == 302


def test_idle_session_expires(app, client, tenant, staff):
    login(client, tenant, staff)
    with unscoped():
        for row in db.session.scalars(select(LoginSession)):
            row.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
        db.session.commit()
    assert client.get(f"/t/{tenant.slug}/").status_code == 302
    assert not _live_sessions()


def test_a_login_on_tenant_a_is_not_a_login_on_tenant_b(client, make_tenant, make_user):
    a, b = make_tenant("aaa"), make_tenant("bbb")
    user = make_user(a, "office_admin", email="same@example.cn")
    make_user(b, "office_admin", email="same@example.cn")
    login(client, a, user)
    assert client.get("/t/aaa/").status_code == 200
    response = client.get("/t/bbb/")
    assert response.status_code == 302 and "/t/bbb/login" in response.headers["Location"]
    assert client.get("/t/bbb/audit/").status_code == 302


def test_user_of_tenant_a_cannot_sign_in_on_tenant_b(client, make_tenant, make_user):
    a, b = make_tenant("aaa"), make_tenant("bbb")
    user = make_user(a, "office_admin")
    assert login(client, b, user).status_code == 401


def test_suspended_tenant_cannot_be_used(client, tenant, staff):
    login(client, tenant, staff)
    with unscoped():
        tenant_admin.set_status(db.session.merge(tenant), TenantStatus.SUSPENDED)
        db.session.commit()
    assert client.get(f"/t/{tenant.slug}/").status_code == 403
    assert client.get(f"/t/{tenant.slug}/login").status_code == 403
    assert "暂停" in client.get(f"/t/{tenant.slug}/login").get_data(as_text=True)


def test_unknown_tenant_is_404(client):
    assert client.get("/t/nobody/login").status_code == 404


def test_a_tenant_code_no_tenant_can_have_is_an_unknown_code(client):
    """A NUL in the code is no input error of the reader's (PostgreSQL refuses it: a 400
    "cannot be saved"); like any code that names no tenant it is a 404 leading back."""
    response = client.get("/t/no%00body/login")
    assert response.status_code == 404
    assert "重新输入单位代码" in response.get_data(as_text=True)


def test_an_unknown_code_on_the_landing_page_is_explained_there(client, tenant):
    """The code is checked on the landing page: a Chinese error beside the field, the code kept."""
    response = client.post("/", data={"slug": "NoSuchUnit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "找不到单位代码“nosuchunit”" in page and 'value="NoSuchUnit"' in page
    assert (
        client.post("/", data={"slug": f" {tenant.slug.upper()} "})
        .headers["Location"]
        .endswith(f"/t/{tenant.slug}/login")
    )


def test_an_unknown_tenant_page_offers_the_way_back(client):
    """Someone following an old link to /t/<code>/… learns the code is unknown and gets back to the start."""
    response = client.get("/t/nobody/login")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "找不到单位代码“nobody”" in page
    assert 'href="/"' in page and "重新输入单位代码" in page


def test_deactivated_user_loses_access(client, tenant, staff, make_user):
    from appraisal.platform import accounts
    from appraisal.platform.tenancy import tenant_scope

    make_user(tenant, "office_admin")
    login(client, tenant, staff)
    with tenant_scope(tenant):
        accounts.set_active(db.session.merge(staff), False)
        db.session.commit()
    assert client.get(f"/t/{tenant.slug}/").status_code == 302
    assert login(client, tenant, staff).status_code == 401


def test_login_is_throttled_per_account(client, tenant, staff):
    for _ in range(5):
        assert login(client, tenant, staff, password="wrong-password-1").status_code == 401
    # even the right password is refused while throttled
    response = login(client, tenant, staff)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_login_is_throttled_per_address(app_factory, make_tenant, make_user):
    app = app_factory(LOGIN_LIMIT_ADDRESS="3 per 15 minutes")
    with app.app_context():
        tenant = make_tenant("addr")
        users = [make_user(tenant, "staff") for _ in range(4)]
    client = app.test_client()
    for user in users[:3]:
        assert login(client, tenant, user, password="wrong-password-1").status_code == 401
    assert login(client, tenant, users[3]).status_code == 429


@pytest.mark.services
def test_throttle_holds_across_processes_with_redis(app_factory, redis_url, make_tenant, make_user):
    """Two app instances (two gunicorn workers) share the failure count in Redis."""
    first = app_factory(REDIS_URL=redis_url)
    second = app_factory(REDIS_URL=redis_url)
    with first.app_context():
        tenant = make_tenant("shared")
        user = make_user(tenant, "staff")
    for _ in range(3):
        assert login(first.test_client(), tenant, user, password="wrong-password-1").status_code == 401
    for _ in range(2):
        assert login(second.test_client(), tenant, user, password="wrong-password-1").status_code == 401
    assert login(first.test_client(), tenant, user).status_code == 429


def test_post_without_csrf_token_is_refused(app_factory, make_tenant, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        tenant = make_tenant("csrf")
        user = make_user(tenant, "staff")
    client = app.test_client()
    assert login(client, tenant, user).status_code == 400
    page = client.get(f"/t/{tenant.slug}/login").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(
        f"/t/{tenant.slug}/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.post(f"/t/{tenant.slug}/logout").status_code == 400


def test_cookie_flags(app_factory, make_tenant, make_user):
    app = app_factory(env={"APPRAISAL_ENV": "production"}, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        tenant = make_tenant("cookie")
        user = make_user(tenant, "staff")
    response = login(app.test_client(), tenant, user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_password_change(client, tenant, staff):
    login(client, tenant, staff)
    url = f"/t/{tenant.slug}/account"
    bad = client.post(url, data={"pw-current": "nope-nope-1", "pw-new": "NewPassw0rd!", "pw-confirm": "NewPassw0rd!"})
    assert bad.status_code == 422 and "当前密码不正确" in bad.get_data(as_text=True)
    weak = client.post(url, data={"pw-current": PASSWORD, "pw-new": "aaaaaaaaaaaa", "pw-confirm": "aaaaaaaaaaaa"})
    assert weak.status_code == 422
    ok = client.post(url, data={"pw-current": PASSWORD, "pw-new": "NewPassw0rd!", "pw-confirm": "NewPassw0rd!"})
    assert ok.status_code == 302
    client.post(f"/t/{tenant.slug}/logout")
    assert login(client, tenant, staff).status_code == 401
    assert login(client, tenant, staff, password="NewPassw0rd!").status_code == 302


def test_language_is_chosen_per_user(client, tenant, staff):
    login(client, tenant, staff)
    assert "退出" in client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    client.post(f"/t/{tenant.slug}/account/locale", data={"lang-locale": "en"})
    assert "Sign out" in client.get(f"/t/{tenant.slug}/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/", "\\\\evil.example"]
)
def test_after_sign_in_next_never_leaves_the_site(client, tenant, staff, target):
    """Browsers read a backslash as a slash and drop tabs and line breaks: "/\\evil"
    and "/<tab>/evil" lead to another site as "//evil" does."""
    response = client.post(
        f"/t/{tenant.slug}/login", query_string={"next": target}, data={"email": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{tenant.slug}/"), response.headers["Location"]


def test_after_sign_in_next_keeps_a_page_of_the_site(client, tenant, staff):
    response = client.post(
        f"/t/{tenant.slug}/login",
        query_string={"next": f"/t/{tenant.slug}/account?tab=1"},
        data={"email": staff.email, "password": PASSWORD},
    )
    assert response.headers["Location"].endswith(f"/t/{tenant.slug}/account?tab=1")
