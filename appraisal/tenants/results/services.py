"""Asking for a computation, finding the current results, noticing dead workers."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_login import current_user
from sqlalchemy import select, update

from appraisal.platform import jobs
from appraisal.platform.db import db, utcnow
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.results.jobs import compute_population
from appraisal.tenants.results.models import ResultRun, RunStatus

#: A running computation that has not reported for this long is taken for dead
#: (jobs report at every step; the engine itself takes seconds).
STALE_AFTER = timedelta(minutes=10)
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
    """Mark runs whose worker died (no heartbeat for STALE_AFTER, or RQ says the job
    is gone or failed) as failed. The previous current run stays current."""
    now = utcnow()
    stale = []
    for run in db.session.scalars(select(ResultRun).where(ResultRun.population_id == population.id,
                                                          ResultRun.status.in_(ACTIVE))):
        job_state = _job_state(run.job_id)
        if now - run.heartbeat_at > STALE_AFTER or job_state in ("failed", "stopped", "canceled", "missing"):
            stale.append(run.id)
    if stale:
        db.session.execute(update(ResultRun).where(ResultRun.id.in_(stale))
                           .values(status=RunStatus.FAILED, finished_at=now,
                                   error="计算进程意外中止（未完成），已保留上一次的结果"))
        db.session.commit()
    return len(stale)


def _job_state(job_id_: str) -> str | None:
    """RQ's view of a job: None when jobs run in-process (nothing to ask)."""
    q = jobs.queue()
    if q is None or not job_id_:
        return None
    job = q.fetch_job(job_id_)
    if job is None:
        return "missing"
    return job.get_status(refresh=True)
