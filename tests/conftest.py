"""Test fixtures: a real database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), real Redis for the tests marked ``services``.

* SQLite: the schema is built once by the migrations into a template file,
  which each test copies (milliseconds).
* PostgreSQL: the schema is built once by the migrations into a fresh schema;
  each test ends by truncating every table.

REQUIRE_SERVICES=1 turns a missing Redis (or PostgreSQL) into a failure.
"""

from __future__ import annotations

import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text

# Plain helpers live in tests/helpers.py; the names stay importable from here for older imports.
from tests.helpers import (  # noqa: F401
    PASSWORD,
    REQUIRE_SERVICES,
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    IsolatedClient,
    _config,
    _normalise,
    _test_env,
    _truncate_all,
    _upgrade,
    csrf_token_from,
    login,
)


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
                email=email,
                display_name=name or email.split("@")[0],
                password=PASSWORD,
                roles=[(Role(r), unit.id if unit is not None else None) for r in roles],
            )
            db.session.commit()
            db.session.refresh(user)
            _ = user.grants  # loaded while the tenant is in scope
            db.session.expunge(user)
        return user

    return make


# ---------------------------------------------------------------------------
# Notification receivers (tests/receivers.py): real servers on loopback
# ---------------------------------------------------------------------------


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on loopback; the app sends its mail there."""
    from tests.receivers import SMTPServer

    with SMTPServer() as server:
        app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=server.port,
            SMTP_SECURITY="none",
            SMTP_FROM="kaohe@example.cn",
            PUBLIC_URL="https://kaohe.example.cn",
            NOTIFY_RETRY_SECONDS="1,1",
        )
        yield server


@pytest.fixture
def webhooks(app):
    """A real HTTP server on loopback playing the robots and the SMS gateway."""
    from tests.receivers import WebhookReceiver

    app.config.update(NOTIFY_RETRY_SECONDS="1,1")
    with WebhookReceiver() as receiver:
        yield receiver
