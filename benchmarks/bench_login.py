"""Sign-in time must not tell a known e-mail from an unknown one (issue 9 item 12).

Each bench posts the login form through the test client, on a fresh SQLite
database with one tenant and one user, throttling limits raised out of the way:
``login_unknown_email`` (no such account: hashed against a dummy) and
``login_wrong_password`` (the account exists). The two medians should agree
within noise; before the dummy hash they were ~13 ms and ~100 ms.
"""

from __future__ import annotations

import os
import tempfile

from benchmarks.run import Benchmark

PASSWORD = "Passw0rd-for-bench"
NO_LIMIT = "1000000 per minute"


def _setup():
    from flask_migrate import upgrade

    from appraisal.platform import accounts, tenant_admin
    from appraisal.platform.app import create_app
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope, unscoped

    path = os.path.join(tempfile.mkdtemp(prefix="bench-login-"), "login.sqlite")
    env = {
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "bench",
        "DATABASE_URL": f"sqlite:///{path}",
        "LOGIN_LIMIT_ACCOUNT_ADDRESS": NO_LIMIT,
        "LOGIN_LIMIT_ACCOUNT": NO_LIMIT,
        "LOGIN_LIMIT_ADDRESS": NO_LIMIT,
    }
    app = create_app({"WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False}, env=env)
    with app.app_context():
        upgrade()
        with unscoped():
            tenant = tenant_admin.create_tenant(slug="bench", name="基准")
            db.session.commit()
        with tenant_scope(tenant):
            accounts.create_user(email="known@example.cn", display_name="known", password=PASSWORD)
            db.session.commit()
    return app.test_client()


def _post(email: str):
    def run(client):
        response = client.post("/t/bench/login", data={"email": email, "password": "wrong-password-1"})
        assert response.status_code == 401, response.status_code

    return run


def benchmarks() -> list[Benchmark]:
    return [
        Benchmark("login_unknown_email", _setup, _post("nobody@example.cn"), runs=20, warmup=2),
        Benchmark("login_wrong_password", _setup, _post("known@example.cn"), runs=20, warmup=2),
    ]
