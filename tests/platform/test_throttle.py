"""Sign-in throttling slows guessing without locking out the wrong people:
counts are per tenant, the client address honours TRUSTED_PROXIES, and an
attacker elsewhere does not lock the owner out. Each test runs on real Redis
and on the in-memory store (no REDIS_URL)."""

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.models import LoginSession
from appraisal.platform.tenancy import unscoped
from tests.helpers import PASSWORD

ATTACKER, OWNER, OFFICE, LB = "203.0.113.66", "198.51.100.7", "192.0.2.10", "10.0.0.2"
WRONG = "wrong-password-1"


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return None
    return request.getfixturevalue("redis_url")


@pytest.fixture
def make_app(app_factory, store):
    def make(**config):
        return app_factory(REDIS_URL=store, **config)

    return make


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _login(client, tenant, user, password=PASSWORD, address=OFFICE, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        f"/t/{tenant.slug}/login", data={"email": user.email, "password": password}, headers=headers, **_from(address)
    )


def test_two_tenants_behind_one_address_do_not_lock_each_other(make_app, make_tenant, make_user):
    app = make_app(LOGIN_LIMIT_ADDRESS="3 per 15 minutes")
    with app.app_context():
        a, b = make_tenant("ta"), make_tenant("tb")
        users_a = [make_user(a, "staff") for _ in range(3)]
        user_b = make_user(b, "staff")
        late_a = make_user(a, "staff")
    client = app.test_client()
    for user in users_a:  # spraying tenant A from the shared address
        assert _login(client, a, user, WRONG).status_code == 401
    assert _login(client, a, late_a).status_code == 429  # tenant A's address ceiling is reached
    assert _login(client, b, user_b).status_code == 302  # tenant B, same address: unaffected


def test_attacker_elsewhere_does_not_lock_out_the_owner(make_app, make_tenant, make_user):
    app = make_app()
    with app.app_context():
        tenant = make_tenant("own")
        owner = make_user(tenant, "staff")
    attacker = app.test_client()
    for _ in range(5):
        assert _login(attacker, tenant, owner, WRONG, address=ATTACKER).status_code == 401
    # the attacker's address is slowed down, even with the right password...
    assert _login(attacker, tenant, owner, address=ATTACKER).status_code == 429
    # ...the owner from another address is not
    assert _login(app.test_client(), tenant, owner, address=OWNER).status_code == 302


def test_many_addresses_reach_the_account_ceiling_but_not_the_owner_at_home(make_app, make_tenant, make_user):
    app = make_app(LOGIN_LIMIT_ACCOUNT="6 per 2 hours")
    with app.app_context():
        tenant = make_tenant("ceil")
        owner = make_user(tenant, "staff")
    assert _login(app.test_client(), tenant, owner, address=OWNER).status_code == 302  # a usual address
    for i in range(6):  # 2 guesses each from 3 addresses: under the per-address limit, at the ceiling
        assert _login(app.test_client(), tenant, owner, WRONG, address=f"203.0.113.{i // 2}").status_code == 401
    # a new address is now refused even with the right password: the account ceiling
    assert _login(app.test_client(), tenant, owner, address="203.0.113.99").status_code == 429
    # the owner's usual address still signs in
    assert _login(app.test_client(), tenant, owner, address=OWNER).status_code == 302


def _recorded_address(app) -> str:
    with app.app_context(), unscoped():
        row = db.session.scalars(select(LoginSession).order_by(LoginSession.id.desc())).first()
        return row.remote_addr


def test_with_one_trusted_proxy_the_forwarded_address_counts(make_app, make_tenant, make_user):
    app = make_app(TRUSTED_PROXIES=1)
    with app.app_context():
        tenant = make_tenant("lb1")
        owner = make_user(tenant, "staff")
    for _ in range(5):  # everyone arrives from the load balancer's address
        assert _login(app.test_client(), tenant, owner, WRONG, address=LB, forwarded=ATTACKER).status_code == 401
    assert _login(app.test_client(), tenant, owner, address=LB, forwarded=ATTACKER).status_code == 429
    assert _login(app.test_client(), tenant, owner, address=LB, forwarded=OWNER).status_code == 302
    assert _recorded_address(app) == OWNER
    # only the last hop is trusted: a client cannot choose its address by prepending one
    spoofed = _login(app.test_client(), tenant, owner, WRONG, address=LB, forwarded=f"{OWNER}, {ATTACKER}")
    assert spoofed.status_code == 429


def test_without_trusted_proxies_the_forwarded_header_is_ignored(make_app, make_tenant, make_user):
    app = make_app()  # TRUSTED_PROXIES defaults to 0
    assert app.config["TRUSTED_PROXIES"] == 0
    with app.app_context():
        tenant = make_tenant("lb0")
        owner = make_user(tenant, "staff")
    for i in range(5):  # an attacker sending a new X-Forwarded-For each time gains nothing
        assert (
            _login(app.test_client(), tenant, owner, WRONG, address=ATTACKER, forwarded=f"198.51.100.{i}").status_code
            == 401
        )
    assert _login(app.test_client(), tenant, owner, address=ATTACKER, forwarded=OWNER).status_code == 429
    assert _login(app.test_client(), tenant, owner, address=OWNER).status_code == 302
    assert _recorded_address(app) == OWNER


def test_success_clears_the_address_count_of_the_account(make_app, make_tenant, make_user):
    app = make_app()
    with app.app_context():
        tenant = make_tenant("typo")
        owner = make_user(tenant, "staff")
    client = app.test_client()
    for _ in range(4):  # four typos, then the right password
        assert _login(client, tenant, owner, WRONG).status_code == 401
    assert _login(client, tenant, owner).status_code == 302
    client.post(f"/t/{tenant.slug}/logout", **_from(OFFICE))
    for _ in range(4):
        assert _login(client, tenant, owner, WRONG).status_code == 401
    assert _login(client, tenant, owner).status_code == 302  # a fresh allowance after the success
