"""Background jobs: RQ on Redis when REDIS_URL is set, in-process otherwise.

Both paths run the same job function. A job function takes ids, opens its own
context with :func:`job_app_context` and reports progress with
:func:`report_progress`.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, get_current_job

QUEUE_NAME = "appraisal"
# What RQ runs for every job, named (not imported): the entry point creates the app.
WORKER_ENTRY = "appraisal.worker.run"


@dataclass
class InlineJob:
    """What :func:`enqueue` returns when jobs run in-process."""

    id: str
    result: Any = None
    meta: dict = field(default_factory=dict)
    status: str = "finished"
    exc_info: str | None = None

    def get_status(self) -> str:
        return self.status


def redis_connection(app=None) -> Redis | None:
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    if "redis_connection" not in app.extensions:
        app.extensions["redis_connection"] = Redis.from_url(url)
    return app.extensions["redis_connection"]


def queue(app=None) -> Queue | None:
    connection = redis_connection(app)
    return Queue(QUEUE_NAME, connection=connection) if connection is not None else None


def enqueue(func: Callable, *args, job_id: str | None = None, timeout: int = 600, **kwargs):
    """Queue ``func(*args, **kwargs)``; with no Redis, run it now.

    A ``job_id`` deduplicates: while a job with that id is queued or running,
    asking again returns that job instead of starting another.
    """
    q = queue()
    if q is None:
        job = InlineJob(id=job_id or uuid.uuid4().hex)
        try:
            job.result = func(*args, **kwargs)
        except Exception as exc:  # the caller shows the failure; state is the job's
            job.status = "failed"
            job.exc_info = f"{type(exc).__name__}: {exc}"
        return job
    if job_id is not None:
        existing = q.fetch_job(job_id)
        if existing is not None and existing.get_status(refresh=True) in {"queued", "started", "deferred", "scheduled"}:
            return existing
        if existing is not None:
            existing.delete()
    # the worker entry point (appraisal/worker.py) creates the app the job runs in
    target = f"{func.__module__}.{func.__qualname__}"
    return q.enqueue(WORKER_ENTRY, target, *args, job_id=job_id, job_timeout=timeout, **kwargs)


def report_progress(fraction: float, message: str = "") -> None:
    """Record progress (0..1) on the running RQ job; a no-op in-process."""
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = round(float(fraction), 3)
        job.meta["message"] = message
        job.save_meta()


@contextmanager
def job_app_context():
    """The app context a job runs in: the caller's in-process, the worker entry point's in a worker."""
    if not has_app_context():
        raise RuntimeError(f"a job runs inside an app: queue it with enqueue(), which runs it via {WORKER_ENTRY}")
    yield current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy


def ping(value: str) -> str:
    """A trivial job, used to check that workers run."""
    with job_app_context():
        report_progress(1.0, "pong")
        return f"pong:{value}"
