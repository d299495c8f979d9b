"""Asking for a computation, finding the current results, noticing dead workers."""

from __future__ import annotations

from datetime import timedelta, UTC

from flask import current_app
from flask_login import current_user
from sqlalchemy import select, update

from appraisal.platform import jobs
from appraisal.platform.db import db, utcnow
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.results.jobs import compute_population
from appraisal.tenants.results.models import ResultRun, RunStatus

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def job_id(population: Population) -> str:
    return f"compute-{population.tenant_id}-{population.id}"


def _actor_id() -> int | None:
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    return None if user is None or getattr(user, "is_operator", False) else user.id


def active_run(population: Population) -> ResultRun | None:
    return db.session.scalar(select(ResultRun).where(ResultRun.population_id == population.id,
                                                     ResultRun.status.in_(ACTIVE))
                             .order_by(ResultRun.id.desc()).limit(1))


def current_run(population: Population) -> ResultRun | None:
    return db.session.scalar(select(ResultRun).where(ResultRun.population_id == population.id,
                                                     ResultRun.is_current.is_(True)))


def last_run(population: Population) -> ResultRun | None:
    return db.session.scalar(select(ResultRun).where(ResultRun.population_id == population.id)
                             .order_by(ResultRun.id.desc()).limit(1))


def request_compute(population: Population) -> ResultRun:
    """Start a computation, or join the one already under way (same job id)."""
    cycle = db.session.get(Cycle, population.cycle_id)
    cycles.require_phase(cycle, "results.compute")
    fail_stale_runs(population)
    running = active_run(population)
    if running is not None:
        return running
    run = ResultRun(cycle_id=population.cycle_id, population_id=population.id,
                    scheme_version_id=population.scheme_version_id, job_id=job_id(population),
                    created_by_id=_actor_id(), status=RunStatus.QUEUED)
    db.session.add(run)
    db.session.commit()  # the worker must see the run
    jobs.enqueue(compute_population, population.tenant_id, run.id, job_id=run.job_id,
                 timeout=current_app.config.get("COMPUTE_TIMEOUT", 900))
    return db.session.get(ResultRun, run.id, populate_existing=True)


def fail_stale_runs(population: Population) -> int:
    """Mark runs whose worker died as failed; the previous current run stays current.

    A run is dead when RQ says its job is gone, failed or stopped, or when it is
    started but the worker's heartbeat on it is older than STALE_RUN_SECONDS (a
    killed worker stops beating); in-process, when the run itself has not
    reported for that long."""
    now = utcnow()
    stale_after = timedelta(seconds=current_app.config["STALE_RUN_SECONDS"])
    dead = []
    for run in db.session.scalars(select(ResultRun).where(ResultRun.population_id == population.id,
                                                          ResultRun.status.in_(ACTIVE))):
        alive = _job_alive(run.job_id, now, stale_after)
        if alive is False or (alive is None and now - run.heartbeat_at > stale_after):
            dead.append(run.id)
    if dead:
        db.session.execute(update(ResultRun).where(ResultRun.id.in_(dead))
                           .values(status=RunStatus.FAILED, finished_at=now,
                                   error="计算进程意外中止（未完成），已保留上一次的结果"))
        db.session.commit()
    return len(dead)


def _job_alive(job_id_: str, now, stale_after: timedelta) -> bool | None:
    """RQ's view of a job: None when jobs run in-process (nothing to ask)."""
    q = jobs.queue()
    if q is None or not job_id_:
        return None
    job = q.fetch_job(job_id_)
    if job is None:
        return False
    status = job.get_status(refresh=True)
    if status in ("failed", "stopped", "canceled"):
        return False
    if status == "started":
        beat = job.last_heartbeat or job.started_at
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        return beat is not None and now - beat <= stale_after
    return True  # queued, deferred, scheduled: waiting for a worker
