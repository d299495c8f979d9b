"""``flask demo load`` is all-or-nothing and works with REDIS_URL set (its
computations run in-process: no worker is needed, nothing is left queued)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from appraisal.demo import loader
from appraisal.platform.db import db
from appraisal.platform.models import Tenant, User
from appraisal.platform.tenancy import unscoped
from appraisal.tenants.ballots.models import Ballot
from appraisal.tenants.results.models import ResultRun, RunStatus

ROOT = Path(__file__).resolve().parents[2]


def _count(model) -> int:
    with unscoped():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.slow
@pytest.mark.services
def test_demo_load_with_redis_url_computes_in_process(app_factory, redis_url):
    from appraisal.platform import jobs

    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        assert "已创建演示租户" in result.output
        db.session.remove()
        with unscoped():
            runs = db.session.scalars(select(ResultRun)).all()
        assert runs and {r.status for r in runs} == {RunStatus.SUCCEEDED}
        assert jobs.queue().count == 0  # nothing was sent to a worker
        again = app.test_cli_runner().invoke(args=["demo", "load"])
        assert again.exit_code == 0 and "已存在" in again.output and "未完成" not in again.output


@pytest.mark.slow
def test_a_demo_load_killed_half_way_leaves_nothing_and_loads_again(app_factory, tmp_path):
    app = app_factory()
    uploads = tmp_path / "demo-uploads"
    env = {
        **os.environ,
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": str(uploads),
    }
    env.pop("REDIS_URL", None)
    load = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "load"],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # the 2025 year (its ballots cast and results computed) is behind us once the
        # 2026 claims' files appear: 2025 stores 6 files
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and load.poll() is None:
            if sum(1 for p in uploads.rglob("*") if p.is_file()) >= 7:
                break
            time.sleep(0.2)
        assert load.poll() is None, "the load ended before it could be killed"
        os.killpg(load.pid, signal.SIGKILL)
        load.wait(timeout=30)
    finally:
        if load.poll() is None:
            os.killpg(load.pid, signal.SIGKILL)
            load.wait(timeout=30)
    with app.app_context():
        assert loader.find_demo() is None  # no half-loaded tenant
        assert _count(Tenant) == 0 and _count(User) == 0 and _count(Ballot) == 0 and _count(ResultRun) == 0
        app.config["UPLOAD_DIR"] = str(uploads)
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        assert "已创建演示租户" in result.output
        db.session.remove()
        with unscoped():
            assert db.session.scalar(select(Tenant).where(Tenant.slug == loader.SLUG)) is not None
        assert _count(Ballot) == 80
