"""The worker entry point (appraisal/worker.py) creates the app a queued job runs in; the
platform's job module names it and never imports the app factory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.platform import jobs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.services
def test_a_worker_with_no_app_runs_a_job_through_the_entry_point(app_factory, redis_url, tmp_path):
    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        job = jobs.enqueue(jobs.ping, "z", job_id="entry-ping")
        assert job.func_name == jobs.WORKER_ENTRY == "appraisal.worker.run"
        assert job.args[0] == "appraisal.platform.jobs.ping"
    # a bare RQ worker in a process of its own: nothing but rq and the environment
    env = {
        **os.environ,
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "REDIS_URL": redis_url,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": str(tmp_path),
    }
    code = (
        "from redis import Redis; from rq import SimpleWorker, Queue; import os;"
        "c = Redis.from_url(os.environ['REDIS_URL']);"
        "SimpleWorker([Queue('appraisal', connection=c)], connection=c).work(burst=True)"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=str(ROOT), check=True, timeout=120, capture_output=True)
    with app.app_context():
        job.refresh()
        assert job.get_status() == "finished" and job.return_value() == "pong:z"
        assert job.meta["progress"] == 1.0


def test_a_job_function_outside_an_app_says_how_to_run_it():
    with pytest.raises(RuntimeError, match=r"appraisal\.worker\.run"):
        jobs.ping("x")


def test_the_platform_job_module_does_not_import_the_app_factory():
    source = (ROOT / "appraisal" / "platform" / "jobs.py").read_text(encoding="utf-8")
    assert "platform.app" not in source and "create_app" not in source


def _the_app():
    """A job target: the app the job runs in."""
    from flask import current_app

    return current_app._get_current_object()


def test_a_worker_with_no_app_makes_its_app_once(monkeypatch, tmp_path):
    """A worker that runs its jobs in its own process (RQ's SimpleWorker) makes the app
    for its first job and reuses it: not a new app, engine and pool per job."""
    from appraisal import worker

    for name, value in {
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
        "UPLOAD_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    target = f"{__name__}._the_app"
    try:
        first, second = worker.run(target), worker.run(target)
        assert first is second
    finally:
        worker._app.cache_clear()  # the next test's environment gets its own app
