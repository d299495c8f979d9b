"""Sign-in does not tell known e-mails from unknown ones; changing one's
password ends the account's other sessions; sessions have an absolute lifetime."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from appraisal.platform import models
from appraisal.platform.db import db, utcnow
from appraisal.platform.models import LoginSession
from appraisal.platform.tenancy import tenant_scope, unscoped
from tests.helpers import PASSWORD, login

NEW_PASSWORD = "NewPassw0rd!"


@pytest.fixture
def tenant(make_tenant):
    return make_tenant("sess")


@pytest.fixture
def staff(tenant, make_user):
    return make_user(tenant, "staff", email="staff@example.cn")


@pytest.fixture
def hashes(monkeypatch):
    """Counts the password hashes computed (the real function still runs)."""
    calls = []
    real = models.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    return calls


def test_an_unknown_email_costs_one_password_hash_like_a_known_one(client, tenant, staff, make_user, hashes):
    from appraisal.platform import accounts

    assert login(client, tenant, "nobody@example.cn").status_code == 401
    assert len(hashes) == 1  # against the dummy hash
    assert hashes[0].startswith(models.PASSWORD_METHOD)  # the same algorithm and cost as real ones
    hashes.clear()
    assert login(client, tenant, staff, password="wrong-password-1").status_code == 401
    assert len(hashes) == 1
    hashes.clear()
    gone = make_user(tenant, "staff", email="gone@example.cn")
    make_user(tenant, "office_admin")
    with tenant_scope(tenant):
        accounts.set_active(db.session.merge(gone), False)
        db.session.commit()
    hashes.clear()
    assert login(client, tenant, gone).status_code == 401  # inactive: refused, after the same hash
    assert len(hashes) == 1


def test_an_unknown_operator_costs_one_password_hash(client, hashes):
    response = client.post("/platform/login", data={"email": "ghost@example.cn", "password": PASSWORD})
    assert response.status_code == 401
    assert len(hashes) == 1


def _change_password(client, tenant):
    return client.post(
        f"/t/{tenant.slug}/account", data={"pw-current": PASSWORD, "pw-new": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD}
    )


def test_changing_the_password_ends_the_other_sessions(app, tenant, staff):
    laptop, phone = app.test_client(), app.test_client()
    assert login(laptop, tenant, staff).status_code == 302
    assert login(phone, tenant, staff).status_code == 302  # e.g. a stolen cookie elsewhere
    assert phone.get(f"/t/{tenant.slug}/").status_code == 200
    assert _change_password(laptop, tenant).status_code == 302
    assert laptop.get(f"/t/{tenant.slug}/").status_code == 200  # the session that changed it goes on
    response = phone.get(f"/t/{tenant.slug}/")
    assert response.status_code == 302 and f"/t/{tenant.slug}/login" in response.headers["Location"]
    with unscoped():
        live = db.session.scalars(select(LoginSession).where(LoginSession.ended_at.is_(None))).all()
    assert len(live) == 1


def _age_sessions(**delta):
    with unscoped():
        for row in db.session.scalars(select(LoginSession)):
            row.created_at = utcnow() - timedelta(**delta)
            row.last_seen_at = utcnow()  # active a moment ago: not idle
        db.session.commit()


def test_sessions_end_after_the_absolute_lifetime(app, client, tenant, staff):
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(hours=12)
    login(client, tenant, staff)
    _age_sessions(hours=11, minutes=50)
    assert client.get(f"/t/{tenant.slug}/").status_code == 200
    _age_sessions(hours=12, minutes=1)
    response = client.get(f"/t/{tenant.slug}/")
    assert response.status_code == 302 and f"/t/{tenant.slug}/login" in response.headers["Location"]
    with unscoped():
        assert db.session.scalars(select(LoginSession.ended_at)).one() is not None


def test_absolute_lifetime_is_a_setting(app_factory):
    app = app_factory(env={"SESSION_ABSOLUTE_HOURS": "8"})
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(hours=8)
