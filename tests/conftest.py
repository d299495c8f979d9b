"""Test fixtures: a real database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), real Redis for the tests marked ``services``.

* SQLite: the schema is built once by the migrations into a template file,
  which each test copies (milliseconds).
* PostgreSQL: the schema is built once by the migrations into a fresh schema;
  each test ends by truncating every table.

REQUIRE_SERVICES=1 turns a missing Redis (or PostgreSQL) into a failure.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PASSWORD = "Passw0rd-for-tests"


def _normalise(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _test_env(**extra: str) -> dict[str, str]:
    env = {"APPRAISAL_ENV": "testing", "SECRET_KEY": "test-secret"}
    env.update(extra)
    return env


def _config(url: str, tmp_path: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SESSION_COOKIE_SECURE": False,
        "REDIS_URL": None,
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production.

    Flask reuses an application context that is already pushed (the ``app``
    fixture pushes one for the test's own database work); without this the
    request would share the test's ``g`` and database session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _upgrade(url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    from appraisal.platform.app import create_app

    app = create_app(_config(url, tmp_path), env=_test_env())
    with app.app_context():
        upgrade()
        from appraisal.platform.db import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> dict:
    """Build the schema once, with the migrations."""
    tmp = tmp_path_factory.mktemp("db")
    if TEST_DATABASE_URL:
        url = _normalise(TEST_DATABASE_URL)
        try:
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        except Exception as exc:  # pragma: no cover - environment problem
            pytest.exit(f"cannot use TEST_DATABASE_URL={TEST_DATABASE_URL}: {exc}", returncode=2)
        _upgrade(url, tmp)
        return {"kind": "postgresql", "url": url}
    template = tmp / "template.sqlite"
    _upgrade(f"sqlite:///{template}", tmp)
    return {"kind": "sqlite", "template": template}


def _truncate_all(app) -> None:
    """Empty every table between tests. audit_entries refuses TRUNCATE (a
    BEFORE TRUNCATE trigger): the test user is a superuser and, for this one
    transaction, takes the replica role, in which ordinary triggers do not fire.
    The application's role can do neither (README, "Database roles")."""
    from appraisal.platform.db import db

    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_factory(database, tmp_path):
    """Build apps on this test's database; ``app_factory(REDIS_URL=...)``."""
    from appraisal.platform.app import create_app
    from appraisal.platform.db import db

    if database["kind"] == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copyfile(database["template"], path)
        url = f"sqlite:///{path}"
    else:
        url = database["url"]
    made = []

    def make(env: dict | None = None, **config):
        app = create_app(_config(url, tmp_path, **config), env=_test_env(**(env or {})))
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            if database["kind"] == "postgresql" and app is made[0]:
                _truncate_all(app)
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    from appraisal.platform.db import db as database

    return database


@pytest.fixture
def redis_url():
    """A real Redis (database 15, flushed), or a skip — a failure with REQUIRE_SERVICES=1."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    connection = Redis.from_url(TEST_REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis required but not reachable at {TEST_REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}")
    connection.flushdb()
    yield TEST_REDIS_URL
    connection.flushdb()
    connection.close()


# ---------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------


@pytest.fixture
def make_tenant(app):
    from appraisal.platform import tenant_admin
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import unscoped

    def make(slug: str | None = None, name: str | None = None):
        slug = slug or f"t{uuid.uuid4().hex[:8]}"
        with unscoped():
            tenant = tenant_admin.create_tenant(slug=slug, name=name or f"测试单位 {slug}")
            db.session.commit()
            db.session.refresh(tenant)
            db.session.expunge(tenant)
        return tenant

    return make


@pytest.fixture
def make_unit(app):
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.org import services

    def make(tenant, code: str | None = None, kind: str = "department", parent=None, name=None):
        code = code or f"U{uuid.uuid4().hex[:6]}"
        with tenant_scope(tenant):
            unit = services.create_unit(code=code, name=name or f"单位{code}", kind=kind, parent=parent)
            db.session.commit()
            db.session.refresh(unit)
            db.session.expunge(unit)  # detached with its values: later commits don't expire it
        return unit

    return make


@pytest.fixture
def make_user(app):
    """``make_user(tenant, "unit_admin", unit=u)``; the password is ``PASSWORD``."""
    from appraisal.platform import accounts
    from appraisal.platform.db import db
    from appraisal.platform.models import Role
    from appraisal.platform.tenancy import tenant_scope

    def make(tenant, *roles: str, unit=None, email: str | None = None, name: str | None = None):
        email = email or f"{'-'.join(roles) or 'staff'}-{uuid.uuid4().hex[:6]}@example.cn"
        with tenant_scope(tenant):
            user = accounts.create_user(
                email=email, display_name=name or email.split("@")[0], password=PASSWORD,
                roles=[(Role(r), unit.id if unit is not None else None) for r in roles],
            )
            db.session.commit()
            db.session.refresh(user)
            _ = user.grants  # loaded while the tenant is in scope
            db.session.expunge(user)
        return user

    return make


def login(client, tenant, user_or_email, password: str = PASSWORD, follow: bool = False):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post(
        f"/t/{tenant.slug}/login", data={"email": email, "password": password},
        follow_redirects=follow,
    )


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
