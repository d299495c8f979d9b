"""A worker and its work-horse killed with SIGKILL mid-computation: the next
"计算" starts a new run that succeeds, the dead run is failed, and nothing is
left in the queue (PostgreSQL and a real Redis, real `flask worker` processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Population
from appraisal.tenants.results import services
from appraisal.tenants.results.models import ResultRun, RunStatus
from tests.tenants.results.test_compute import _to_computing

ROOT = Path(__file__).resolve().parents[3]


def start_worker(app, redis_url: str, tmp_path: Path, **env) -> subprocess.Popen:
    """``flask --app wsgi worker`` in a process group of its own (worker + work-horse)."""
    environment = {
        **os.environ,
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "REDIS_URL": redis_url,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "JOB_MONITORING_SECONDS": "1",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        env=environment,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def wait_for(predicate, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


@pytest.mark.services
def test_sigkill_of_worker_and_work_horse_then_compute_again(app_factory, redis_url, make_tenant, make_user, tmp_path):
    from tests.helpers import build_year

    app = app_factory(REDIS_URL=redis_url, WORKER_STALE_SECONDS=3)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("RQ workers run against PostgreSQL; the embedded SQLite default computes in-process")
    with app.app_context():
        year = build_year(make_tenant("crash"), make_user)
        with tenant_scope(year.tenant):
            _to_computing(year)
            doomed_id = services.request_compute(db.session.get(Population, year.ids["dept_pop"])).id

    def status_of(run_id):
        with app.app_context(), tenant_scope(year.tenant):
            return db.session.get(ResultRun, run_id).status

    worker = start_worker(app, redis_url, tmp_path, COMPUTE_PAUSE_SECONDS="120")
    try:
        assert wait_for(lambda: status_of(doomed_id) == RunStatus.RUNNING), "the worker never started the run"
        time.sleep(1.5)  # the work-horse is inside the computation (paused with rows half-written)
    finally:
        stop(worker)  # SIGKILL to the group: the worker and its work-horse
    restarted = start_worker(app, redis_url, tmp_path)
    try:
        time.sleep(4)  # longer than WORKER_STALE_SECONDS: the dead job's heartbeat has stopped
        with app.app_context(), tenant_scope(year.tenant):
            population = db.session.get(Population, year.ids["dept_pop"])
            new = services.request_compute(population)  # the user clicks "计算" again
            new_id = new.id
            assert new_id != doomed_id, "joined the dead run"
            assert new.job_id and new.job_id != db.session.get(ResultRun, doomed_id).job_id
        assert wait_for(lambda: status_of(new_id) in (RunStatus.SUCCEEDED, RunStatus.FAILED))
        assert status_of(new_id) == RunStatus.SUCCEEDED
        assert status_of(doomed_id) == RunStatus.FAILED
        with app.app_context(), tenant_scope(year.tenant):
            population = db.session.get(Population, year.ids["dept_pop"])
            assert services.current_run(population).id == new_id
            assert services.active_run(population) is None
            from appraisal.platform import jobs

            assert jobs.queue().count == 0  # nothing else queued
            # and a third click still works (no 500, no joining anything dead)
            third = services.request_compute(population)
            assert third.id not in (doomed_id, new_id)
        assert wait_for(lambda: status_of(third.id) == RunStatus.SUCCEEDED)
    finally:
        stop(restarted, signal.SIGTERM)


@pytest.mark.services
def test_a_run_whose_job_redis_lost_is_failed_and_not_joined(app_factory, redis_url, make_tenant, make_user):
    """Redis restarted without its data: the queued run's job is gone. The next
    request fails that run (after the enqueue grace) and starts a new one."""
    from redis import Redis

    from appraisal.platform import jobs
    from tests.helpers import build_year

    app = app_factory(REDIS_URL=redis_url, ENQUEUE_GRACE_SECONDS=0)
    with app.app_context():
        year = build_year(make_tenant("lost"), make_user)
        with tenant_scope(year.tenant):
            _to_computing(year)
            population = db.session.get(Population, year.ids["dept_pop"])
            lost = services.request_compute(population)
            assert lost.status == RunStatus.QUEUED
            assert services.request_compute(population).id == lost.id  # a live queued run is joined
            Redis.from_url(redis_url).flushdb()  # Redis comes back empty
            time.sleep(0.01)
            again = services.request_compute(population)
            assert again.id != lost.id and again.status == RunStatus.QUEUED
            db.session.expire_all()
            assert db.session.get(ResultRun, lost.id).status == RunStatus.FAILED
            assert jobs.queue().job_ids == [again.job_id]
