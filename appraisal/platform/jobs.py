"""Background jobs: RQ on Redis when REDIS_URL is set, in-process otherwise.

Both paths run the same job function. A job function takes ids, opens its own
context with :func:`job_app_context` and reports progress with
:func:`report_progress`.

Redis can be down: asking about a job then raises :class:`JobsUnavailable`
(the caller says so instead of failing with a 500), progress reports are
dropped, and :func:`run_worker` waits for Redis to come back instead of
exiting. See docs/dev/jobs.md.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError

QUEUE_NAME = "appraisal"
log = logging.getLogger(__name__)

#: Redis errors that mean "the queue is unreachable right now"
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

_inline: ContextVar[bool] = ContextVar("jobs_inline", default=False)


class JobsUnavailable(RuntimeError):
    """The job queue (Redis) cannot be reached."""


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
        timeout = app.config.get("REDIS_SOCKET_TIMEOUT", 5)
        app.extensions["redis_connection"] = Redis.from_url(
            url, socket_connect_timeout=timeout, health_check_interval=30
        )
    return app.extensions["redis_connection"]


@contextmanager
def inline():
    """Run the jobs enqueued inside this block in-process, even with REDIS_URL
    set (the demo loader: its computations belong to its one transaction)."""
    token = _inline.set(True)
    try:
        yield
    finally:
        _inline.reset(token)


def queue(app=None) -> Queue | None:
    if _inline.get():
        return None
    connection = redis_connection(app)
    return Queue(QUEUE_NAME, connection=connection) if connection is not None else None


def enqueue(func: Callable, *args, job_id: str | None = None, timeout: int = 600, **kwargs):
    """Queue ``func(*args, **kwargs)``; with no Redis, run it now.

    A ``job_id`` deduplicates: while a job with that id is queued or running,
    asking again returns that job instead of starting another. Raises
    :class:`JobsUnavailable` when Redis cannot be reached.
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
    try:
        existing = _alive(q, job_id)
        if existing is not None:
            return existing
        # the worker entry point (appraisal/worker.py) creates the app the job runs in
        target = f"{func.__module__}.{func.__qualname__}"
        return q.enqueue(WORKER_ENTRY, target, *args, job_id=job_id, job_timeout=timeout, **kwargs)
    except RedisError as exc:
        raise JobsUnavailable(str(exc)) from exc


def _alive(q, job_id: str | None):
    """The job ``job_id`` if it is still waiting or running (once-only); a finished
    or failed one of that id is forgotten so the id can be used again."""
    if job_id is None:
        return None
    existing = q.fetch_job(job_id)
    if existing is not None and _status(existing) in {"queued", "started", "deferred", "scheduled"}:
        return existing
    if existing is not None:
        _forget(existing)
    return None


def enqueue_in(delay: timedelta, func: Callable, *args, timeout: int = 600):
    """Queue ``func(*args)`` to run after ``delay`` (RQ's scheduler, which the
    worker runs); with no Redis, run it now. Raises :class:`JobsUnavailable`."""
    return enqueue_at(datetime.now(UTC) + delay, func, *args, timeout=timeout)


def enqueue_at(when: datetime, func: Callable, *args, job_id: str | None = None, timeout: int = 600):
    """Queue ``func(*args)`` to run at ``when`` (RQ's scheduler); with no Redis, run it now.
    A ``job_id`` makes it once-only while that job is scheduled or queued."""
    q = queue()
    if q is None:
        return enqueue(func, *args, job_id=job_id, timeout=timeout)
    try:
        existing = _alive(q, job_id)
        if existing is not None:
            return existing
        target = f"{func.__module__}.{func.__qualname__}"
        return q.enqueue_at(when, WORKER_ENTRY, target, *args, job_id=job_id, job_timeout=timeout)
    except RedisError as exc:
        raise JobsUnavailable(str(exc)) from exc


def _status(job) -> str | None:
    try:
        return job.get_status(refresh=True)
    except NoSuchJobError:
        return None


def _forget(job) -> None:
    """Delete an old job's record; one RQ only half remembers (a worker killed
    mid-job leaves executions missing) is left to expire."""
    try:
        job.delete()
    except RedisError:
        raise
    except Exception as exc:  # e.g. "Execution … not found in Redis"
        log.warning("could not delete old job %s: %s", job.id, exc)


@dataclass(frozen=True)
class JobState:
    """What Redis knows of a job: ``status`` None when it has no such job."""

    status: str | None
    heartbeat: datetime | None = None


def job_state(job_id: str) -> JobState | None:
    """RQ's view of ``job_id``; None when jobs run in-process (nothing to ask).
    Raises :class:`JobsUnavailable` when Redis cannot be reached."""
    q = queue()
    if q is None:
        return None
    try:
        job = q.fetch_job(job_id)
        if job is None:
            return JobState(None)
        status = _status(job)
        beat = job.last_heartbeat or job.started_at
    except RedisError as exc:  # unreachable, or answering with errors: cannot tell
        raise JobsUnavailable(str(exc)) from exc
    except Exception as exc:  # a job record RQ cannot read back is a job that is gone
        log.warning("unreadable job %s: %s", job_id, exc)
        return JobState(None)
    if beat is not None and beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return JobState(status, beat)


def report_progress(fraction: float, message: str = "") -> None:
    """Record progress (0..1) on the running RQ job; a no-op in-process, and
    dropped when Redis is unreachable (the run row has the progress too)."""
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = round(float(fraction), 3)
        job.meta["message"] = message
        try:
            job.save_meta()
        except UNREACHABLE as exc:
            log.warning("progress of job %s not saved: %s", job.id, exc)


def redis_ok(app=None) -> bool:
    connection = redis_connection(app)
    if connection is None:
        return True
    try:
        return bool(connection.ping())
    except RedisError:
        return False


def run_worker(
    app, *, burst: bool = False, monitoring_interval: int = 10, max_wait: float = 10.0, sleep=time.sleep
) -> None:
    """Run an RQ worker for the app's queue; while Redis is unreachable, wait
    and try again (1 s, 2 s, 4 s … at most ``max_wait``, 10 s) instead of exiting."""
    from rq import Worker

    q = queue(app)
    if q is None:
        raise RuntimeError("REDIS_URL is not set: jobs run in-process, no worker needed")
    wait = 1.0
    while True:
        try:
            q.connection.ping()
            wait = 1.0
            worker = Worker([q], connection=q.connection, job_monitoring_interval=monitoring_interval)
            worker.work(burst=burst, with_scheduler=True)  # runs enqueue_at / enqueue_in jobs when due
            return
        except UNREACHABLE as exc:
            log.warning("Redis unreachable (%s); trying again in %.0f s", exc, wait)
            sleep(wait)
            wait = min(wait * 2, max_wait)


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
