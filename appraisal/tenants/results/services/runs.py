"""Asking for a computation, finding the current results, noticing dead workers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import select, update

from appraisal.platform import jobs
from appraisal.platform.db import db, utcnow
from appraisal.platform.permissions import actor_id
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Population
from appraisal.tenants.results.models import ResultRun, RunStatus

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def job_id(population: Population, run_id: int) -> str:
    """Each run its own job: a dead run's job is never joined or reused."""
    return f"compute-{population.tenant_id}-{population.id}-{run_id}"


def active_run(population: Population) -> ResultRun | None:
    return db.session.scalar(
        select(ResultRun)
        .where(ResultRun.population_id == population.id, ResultRun.status.in_(ACTIVE))
        .order_by(ResultRun.id.desc())
        .limit(1)
    )


def current_run(population: Population) -> ResultRun | None:
    return db.session.scalar(
        select(ResultRun).where(ResultRun.population_id == population.id, ResultRun.is_current.is_(True))
    )


def last_run(population: Population) -> ResultRun | None:
    return db.session.scalar(
        select(ResultRun).where(ResultRun.population_id == population.id).order_by(ResultRun.id.desc()).limit(1)
    )


def request_compute(population: Population) -> ResultRun:
    """Start a computation, or join the live one already queued or running.

    The run is written, then its job enqueued; if the queue cannot be reached
    the run is failed at once and :class:`jobs.JobsUnavailable` raised, so no
    run stays "queued" without a job. A run whose job is gone or whose worker
    stopped beating is failed (:func:`fail_stale_runs`) and never joined."""
    cycle = population.cycle
    cycles.require_phase(cycle, "results.compute")
    fail_stale_runs(population)
    # one request at a time per population (PostgreSQL): the second one waits, then joins
    db.session.execute(select(Population.id).where(Population.id == population.id).with_for_update())
    running = active_run(population)
    if running is not None:
        db.session.commit()
        return running
    run = ResultRun(
        cycle_id=population.cycle_id,
        population_id=population.id,
        scheme_version_id=population.scheme_version_id,
        created_by_id=actor_id(),
        status=RunStatus.QUEUED,
    )
    db.session.add(run)
    db.session.flush()
    run.job_id = job_id(population, run.id)
    run_id = run.id
    db.session.commit()  # the worker must see the run
    # the job module imports this package's inputs; it is looked up when a job is queued
    from appraisal.tenants.results.jobs import compute_population

    try:
        jobs.enqueue(
            compute_population,
            population.tenant_id,
            run_id,
            job_id=run.job_id,
            timeout=current_app.config.get("COMPUTE_TIMEOUT", 900),
        )
    except jobs.JobsUnavailable:
        db.session.rollback()
        _mark_failed([run_id], "后台任务服务（Redis）暂时无法连接，计算未开始")
        raise
    return db.session.get(ResultRun, run_id, populate_existing=True)


def fail_stale_runs(populations: Population | Iterable[Population]) -> int:
    """Mark runs whose worker died as failed; the previous current run stays current.

    ``populations``: one, or all those a page shows: their queued and running
    runs are read in one query, and the dead ones failed in one update (which
    the caller commits: a page's request boundary, or :func:`request_compute`),
    however many populations the page has.

    With RQ a run is dead when its job is gone from Redis (after a short grace
    for the moment between writing the run and enqueuing it), failed or
    stopped, or started but not beaten by its worker for WORKER_STALE_SECONDS
    (a killed worker stops beating). In-process, when the run itself has not
    reported for STALE_RUN_SECONDS. While Redis is unreachable nothing is
    decided."""
    ids = [populations.id] if isinstance(populations, Population) else [p.id for p in populations]
    if not ids:
        return 0
    now = utcnow()
    dead = [
        run.id
        for run in db.session.scalars(
            select(ResultRun).where(ResultRun.population_id.in_(ids), ResultRun.status.in_(ACTIVE))
        )
        if _is_dead(run, now)
    ]
    if dead:
        _fail(dead, "计算进程意外中止（未完成），已保留上一次的结果")
    return len(dead)


def _fail(run_ids: list[int], error: str) -> None:
    """Fail these runs in the caller's transaction (a request's boundary commits it)."""
    # only runs still active: a run that finished meanwhile keeps its result
    db.session.execute(
        update(ResultRun)
        .where(ResultRun.id.in_(run_ids), ResultRun.status.in_(ACTIVE))
        .values(status=RunStatus.FAILED, finished_at=utcnow(), error=error)
    )


def _mark_failed(run_ids: list[int], error: str) -> None:
    """Fail these runs now, in a transaction of their own."""
    _fail(run_ids, error)
    db.session.commit()


def _is_dead(run: ResultRun, now) -> bool:
    config = current_app.config
    try:
        state = jobs.job_state(run.job_id) if run.job_id else None
    except jobs.JobsUnavailable:
        return False  # cannot tell; ask again when Redis is back
    if state is None:  # in-process
        return now - _aware(run.heartbeat_at) > timedelta(seconds=config["STALE_RUN_SECONDS"])
    if state.status is None:
        return now - _aware(run.started_at) > timedelta(seconds=config["ENQUEUE_GRACE_SECONDS"])
    if state.status in ("failed", "stopped", "canceled"):
        return True
    if state.status == "started":
        return state.heartbeat is None or now - state.heartbeat > timedelta(seconds=config["WORKER_STALE_SECONDS"])
    # finished: the job ended without finishing the run (it skipped or gave up);
    # queued, deferred, scheduled: waiting for a worker
    return state.status == "finished"


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
