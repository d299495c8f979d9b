"""PostgreSQL down and back: /healthz fails and says which service, pages answer a
plain 503 (no stack trace, no 500), and everything recovers by itself when the
database returns — no restart of the web tier.

A private PostgreSQL cluster is created, stopped and started by the test (never
the shared server); it needs the server's binaries (initdb, pg_ctl) and the
``postgres`` system user, as CI has.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from tests.helpers import PASSWORD, free_port, wait_for

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class PrivatePostgres:
    """A throwaway cluster on its own port and socket folder."""

    def __init__(self) -> None:
        self.bin = BIN[-1]
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="appraisal-pg-")
        user = pwd.getpwnam("postgres")
        os.chown(self.dir, user.pw_uid, user.pw_gid)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(
            f"{self.bin}/initdb",
            "-D",
            f"{self.dir}/data",
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def _as_postgres(self, *command: str) -> None:
        prefix = [] if os.geteuid() == pwd.getpwnam("postgres").pw_uid else ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            f"{self.bin}/pg_ctl",
            "-D",
            f"{self.dir}/data",
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            f"{self.dir}/log",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if not BIN or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL's server binaries are not installed")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres system user")
    server = PrivatePostgres()
    server.start()
    yield server
    server.remove()


@pytest.mark.slow
def test_database_down_answers_503_and_recovers_by_itself(app_factory, private_postgres):
    from flask_migrate import upgrade

    app_factory()  # the suite's own database stays the first app's (cleaned up as usual)
    app = app_factory(
        SQLALCHEMY_DATABASE_URI=private_postgres.url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}},
    )
    with app.app_context():
        upgrade()
    made = app.test_cli_runner().invoke(
        args=[
            "tenants",
            "create",
            "pgdown",
            "--name",
            "停机测试考核办",
            "--admin-email",
            "office@pgdown.cn",
            "--admin-password",
            PASSWORD,
        ]
    )
    assert made.exit_code == 0, made.output
    office = app.test_client()
    assert office.post("/t/pgdown/login", data={"email": "office@pgdown.cn", "password": PASSWORD}).status_code == 302
    assert office.get("/t/pgdown/").status_code == 200
    assert app.test_client().get("/healthz").json["database"] == "ok"

    private_postgres.stop()  # ---- the database goes away (as a crash would: immediate) ----
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and health.json["database"] == "unavailable"
    page = office.get("/t/pgdown/")
    assert page.status_code == 503
    assert "数据库暂时无法连接" in page.get_data(as_text=True)
    login = app.test_client().post("/t/pgdown/login", data={"email": "office@pgdown.cn", "password": PASSWORD})
    assert login.status_code == 503

    private_postgres.start()  # ---- back: no restart of the app ----
    back = time.monotonic()
    assert wait_for(lambda: app.test_client().get("/healthz").status_code == 200)
    healthy = time.monotonic() - back
    assert office.get("/t/pgdown/").status_code == 200  # the same signed-in session goes on
    again = app.test_client()
    assert again.post("/t/pgdown/login", data={"email": "office@pgdown.cn", "password": PASSWORD}).status_code == 302
    recovered = time.monotonic() - back
    print(f"\nhealth ok {healthy:.2f} s and pages {recovered:.2f} s after PostgreSQL returned")
    assert recovered < 10
    with app.app_context():
        from appraisal.platform.db import db

        db.engine.dispose()
