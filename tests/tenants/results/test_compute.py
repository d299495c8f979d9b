"""Computation runs: a new run becomes current in one transaction; a failure
leaves the previous results current."""

import pytest
from flask import current_app
from sqlalchemy import select, update

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Phase, Population
from appraisal.tenants.results import services
from appraisal.tenants.results.models import ResultExplanation, ResultRow, ResultRun, RunStatus
from appraisal.tenants.schemes.models import SchemeVersion


def _to_computing(year):
    cycle = db.session.get(Cycle, year.ids["cycle"])
    for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
        cycles.move_phase(cycle, phase)
    db.session.commit()


def test_compute_writes_a_current_run_and_a_second_replaces_it(year):
    with tenant_scope(year.tenant):
        _to_computing(year)
        population = db.session.get(Population, year.ids["dept_pop"])
        first = services.request_compute(population)
        assert first.status == RunStatus.SUCCEEDED and first.is_current and first.row_count == 5
        rows = db.session.scalars(select(ResultRow).where(ResultRow.run_id == first.id)).all()
        assert {r.group for r in rows} == {"综合经济组", "社会事业组"}
        assert db.session.scalar(select(ResultExplanation).where(ResultExplanation.run_id == first.id)) is not None
        second = services.request_compute(population)
        db.session.expire_all()
        assert second.id != first.id
        assert services.current_run(population).id == second.id
        assert not db.session.get(ResultRun, first.id).is_current
        assert len(second.scheme_hash) == 64


def test_a_failed_computation_leaves_the_previous_results_current(year):
    with tenant_scope(year.tenant):
        _to_computing(year)
        population = db.session.get(Population, year.ids["dept_pop"])
        good = services.request_compute(population)
        # the scheme version becomes unreadable: the next computation fails
        db.session.execute(
            update(SchemeVersion)
            .where(SchemeVersion.id == population.scheme_version_id)
            .values(content={"broken": True})
        )
        db.session.commit()
        bad = services.request_compute(population)
        db.session.expire_all()
        bad = db.session.get(ResultRun, bad.id)
        assert bad.status == RunStatus.FAILED and bad.error and not bad.is_current
        assert services.current_run(population).id == good.id


def test_a_run_left_running_by_a_dead_worker_is_marked_failed(year):
    from datetime import timedelta

    from appraisal.platform.db import utcnow

    with tenant_scope(year.tenant):
        _to_computing(year)
        population = db.session.get(Population, year.ids["dept_pop"])
        good = services.request_compute(population)
        orphan = ResultRun(
            cycle_id=population.cycle_id,
            population_id=population.id,
            scheme_version_id=population.scheme_version_id,
            status=RunStatus.RUNNING,
            heartbeat_at=utcnow() - timedelta(seconds=current_app.config["STALE_RUN_SECONDS"] + 1),
        )
        db.session.add(orphan)
        db.session.commit()
        assert services.fail_stale_runs(population) == 1
        db.session.expire_all()
        assert db.session.get(ResultRun, orphan.id).status == RunStatus.FAILED
        assert services.current_run(population).id == good.id


def test_compute_only_in_its_phases(year):
    with tenant_scope(year.tenant):
        population = db.session.get(Population, year.ids["dept_pop"])
        with pytest.raises(cycles.PhaseError):
            services.request_compute(population)


@pytest.mark.services
def test_compute_on_rq_deduplicates_and_reports_progress(app_factory, redis_url, make_tenant, make_user):
    from rq import SimpleWorker

    from appraisal.platform import jobs
    from tests.helpers import build_year

    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        year = build_year(make_tenant("rq"), make_user)
        with tenant_scope(year.tenant):
            _to_computing(year)
            population = db.session.get(Population, year.ids["dept_pop"])
            first = services.request_compute(population)
            again = services.request_compute(population)  # a second click joins the queued job
            assert again.id == first.id and first.status == RunStatus.QUEUED
            run_id = first.id
            queue = jobs.queue()
            assert queue.count == 1
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        with tenant_scope(year.tenant):
            db.session.expire_all()
            run = db.session.get(ResultRun, run_id)
            assert run.status == RunStatus.SUCCEEDED and run.is_current and run.progress == 1.0
            job = queue.fetch_job(run.job_id)
            assert job.meta["progress"] == 1.0


@pytest.mark.services
def test_killing_a_worker_mid_job_keeps_the_previous_results(app_factory, redis_url, make_tenant, make_user, tmp_path):
    """A real worker process is killed while it computes: the run is marked failed
    and the previous results stay current."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from rq import SimpleWorker

    from appraisal.platform import jobs
    from tests.helpers import build_year

    app = app_factory(REDIS_URL=redis_url, STALE_RUN_SECONDS=3, WORKER_STALE_SECONDS=3)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("RQ workers run against PostgreSQL; the embedded SQLite default computes in-process")
    with app.app_context():
        year = build_year(make_tenant("kill"), make_user)
        with tenant_scope(year.tenant):
            _to_computing(year)
            population = db.session.get(Population, year.ids["dept_pop"])
            previous_id = services.request_compute(population).id
            queue = jobs.queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)  # the previous results
        with tenant_scope(year.tenant):
            doomed = services.request_compute(db.session.get(Population, year.ids["dept_pop"]))
            doomed_id = doomed.id
    # a worker process of its own, which pauses mid-computation long enough to be killed
    env = {
        **os.environ,
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "REDIS_URL": redis_url,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": str(tmp_path),
        "COMPUTE_PAUSE_SECONDS": "60",
    }
    code = (
        "from redis import Redis; from rq import Worker, Queue; import os;"
        "c = Redis.from_url(os.environ['REDIS_URL']);"
        "Worker([Queue('appraisal', connection=c)], connection=c, job_monitoring_interval=1).work(burst=True)"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        cwd=str(Path(__file__).resolve().parents[3]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        with app.app_context(), tenant_scope(year.tenant):
            while time.monotonic() < deadline:  # wait until the worker is inside the computation
                db.session.expire_all()
                if db.session.get(ResultRun, doomed_id).status == RunStatus.RUNNING:
                    break
                time.sleep(0.2)
            assert db.session.get(ResultRun, doomed_id).status == RunStatus.RUNNING
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    time.sleep(4)  # longer than STALE_RUN_SECONDS: the dead worker's heartbeat has stopped
    with app.app_context(), tenant_scope(year.tenant):
        population = db.session.get(Population, year.ids["dept_pop"])
        assert services.fail_stale_runs(population) == 1
        db.session.expire_all()
        assert db.session.get(ResultRun, doomed_id).status == RunStatus.FAILED
        assert services.current_run(population).id == previous_id
        # the rows it had written in its unfinished transaction are gone
        assert db.session.scalar(select(ResultRow).where(ResultRow.run_id == doomed_id)) is None
