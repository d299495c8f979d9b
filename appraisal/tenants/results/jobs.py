"""The computation job: load a population's inputs, run the engine, write a run.

``compute_population`` is the one job function; it runs in an RQ worker when
REDIS_URL is set and in-process otherwise. It takes ids, opens its own
context, reports progress on the run row (and in RQ's job meta), and switches
the population's current run in the same transaction that writes the rows —
a worker that dies mid-way leaves the previous results current, and the run
it left "running" is marked failed by :func:`services.fail_stale_runs`.
"""

from __future__ import annotations

import math
import time
import traceback

import pandas as pd
from flask import current_app
from psycopg.types.json import Jsonb
from rq import get_current_job
from sqlalchemy import JSON, insert, select, update

from appraisal import engine
from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.jobs import job_app_context, report_progress
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.results.models import ResultExplanation, ResultRow, ResultRun, RunStatus
from appraisal.tenants.results.services import engine_errors
from appraisal.tenants.results.services import inputs as result_inputs
from appraisal.tenants.results.services import ties as tie_services
from appraisal.tenants.schemes.services import engine_scheme


def compute_population(tenant_id: int, run_id: int) -> dict:
    """Compute the run ``run_id`` (created queued by ``services.request_compute``)."""
    with job_app_context(), tenant_scope(tenant_id):
        audit.set_actor("计算任务")
        run = db.session.get(ResultRun, run_id)
        if run is None or run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            return {"run_id": run_id, "skipped": True}  # safe to run twice
        try:
            return _compute(run)
        except Exception as exc:
            db.session.rollback()
            raw = f"{type(exc).__name__}: {exc}"
            # the engine's own words are for the log (and the operator); the page gets one Chinese sentence
            current_app.logger.error("compute run %s failed: %s", run_id, raw)
            _fail(run_id, engine_errors.describe(exc), f"{raw[:2000]}\n\n{traceback.format_exc(limit=5)}")
            raise


def _progress(run_id: int, fraction: float, message: str) -> None:
    db.session.execute(
        update(ResultRun)
        .where(ResultRun.id == run_id)
        .values(progress=fraction, message=message, heartbeat_at=utcnow())
    )
    db.session.commit()
    report_progress(fraction, message)


def _fail(run_id: int, error: str, detail: str = "") -> None:
    db.session.execute(
        update(ResultRun)
        .where(ResultRun.id == run_id)
        .values(status=RunStatus.FAILED, error=error[:2000], message=detail[-4000:], finished_at=utcnow())
    )
    db.session.commit()


def _compute(run: ResultRun) -> dict:
    run_id, population_id = run.id, run.population_id
    run.status, run.started_at, run.heartbeat_at = RunStatus.RUNNING, utcnow(), utcnow()
    db.session.commit()
    population = db.session.get(Population, population_id)
    version = population.scheme_version
    scheme = with_office_rater_groups(engine_scheme(version), population)
    _progress(run_id, 0.1, "读取考核数据")
    inputs = result_inputs.load(population)
    notes = result_inputs.drop_unusable_ballots(scheme, inputs)
    decisions = tie_services.engine_decisions(population)
    year = db.session.scalar(select(Cycle.year).where(Cycle.id == population.cycle_id))
    db.session.commit()
    if get_current_job() is not None:
        db.session.close()  # in a worker: no connection held during the engine's work

    results = engine.compute(scheme, engine.Inputs(**inputs), cycle=str(year), decisions=decisions)
    _progress(run_id, 0.6, "写入结果")
    rows = _rows(results, run_id)
    explanations = _explanations(results, run_id)
    run = db.session.get(ResultRun, run_id)
    tenant_id = run.tenant_id
    _insert(ResultRow.__table__, rows, tenant_id)
    _insert(ResultExplanation.__table__, explanations, tenant_id)
    pause = current_app.config.get("COMPUTE_PAUSE_SECONDS") or 0
    if pause:  # tests only: a window in which to kill the worker with the rows half-written
        time.sleep(pause)
    # a run given up for dead meanwhile (its worker stopped beating) stays failed:
    # the row lock orders this against services.fail_stale_runs
    status = db.session.scalar(select(ResultRun.status).where(ResultRun.id == run_id).with_for_update())
    if status != RunStatus.RUNNING:
        db.session.rollback()
        return {"run_id": run_id, "abandoned": True}
    # the switch: in the same transaction as the rows
    db.session.execute(
        update(ResultRun)
        .where(ResultRun.population_id == population_id, ResultRun.is_current.is_(True))
        .values(is_current=False)
    )
    run.is_current = True
    run.status = RunStatus.SUCCEEDED
    run.scheme_hash = results.scheme_hash
    run.row_count = len(rows)
    run.ties = [{k: _clean(v) for k, v in tie.items()} for tie in results.ties.to_dict(orient="records")]
    run.progress, run.message, run.finished_at = 1.0, " ".join(notes) or "完成", utcnow()
    audit.record(
        "results.compute",
        run,
        after={
            "population": population_id,
            "rows": len(rows),
            "scheme_hash": results.scheme_hash,
            **({"ties_pending": int((results.ties["status"] == "pending").sum())} if len(results.ties) else {}),
            **({"notes": notes} if notes else {}),
        },
        label=f"run {run_id}",
    )
    db.session.commit()
    report_progress(1.0, "完成")
    return {"run_id": run_id, "rows": len(rows)}


def _insert(table, records: list[dict], tenant_id: int) -> None:
    """Bulk-write rows in the session's transaction, the tenant set explicitly:
    PostgreSQL's COPY where available, executemany otherwise."""
    if not records:
        return
    columns = ["tenant_id", *records[0].keys()]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        raw = connection.connection.driver_connection
        quoted = ", ".join(f'"{c}"' for c in columns)  # "group" is a keyword
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([tenant_id] + [Jsonb(v) if k in json_columns else v for k, v in record.items()])
        return
    for start in range(0, len(records), 5000):
        db.session.execute(insert(table), [dict(r, tenant_id=tenant_id) for r in records[start : start + 5000]])


def with_office_rater_groups(scheme: engine.Scheme, population: Population) -> engine.Scheme:
    """Where the scheme names no rater groups (C, D, F…), the office chose them and
    their weights when it set up the democratic evaluation: compute with those.
    The run's scheme hash is that of the scheme actually used."""
    from appraisal.tenants.ballots import services as ballots
    from appraisal.tenants.ballots.models import Evaluation, EvaluationStatus

    evaluation = db.session.scalar(
        select(Evaluation)
        .where(Evaluation.population_id == population.id, Evaluation.status == EvaluationStatus.CLOSED)
        .order_by(Evaluation.id.desc())
        .limit(1)
    )
    groups = ballots.engine_rater_groups(evaluation) if evaluation is not None else []
    if not groups:
        return scheme

    def patch(nodes) -> dict:
        out = {}
        for node in nodes:
            if node.children:
                children = patch(node.children)
                if children:
                    out[node.key] = {"children": children}
            elif getattr(node.method, "kind", None) == "ballot" and not node.method.rater_groups:
                out[node.key] = {"method": {"rater_groups": groups}}
        return out

    overrides = patch(scheme.indicators)
    if not overrides:
        return scheme
    return engine.merge(scheme, {"indicators": overrides}, source=f"{population.name}：民主测评群体权重")


def _clean(value):
    """JSON-safe cell values (NaN/NA → None, numpy scalars → Python)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _rows(results, run_id: int) -> list[dict]:
    frame = results.appraisees
    records = frame.to_dict(orient="records")
    adjustments = results.adjustments
    by_appraisee: dict[str, list[dict]] = {}
    if len(adjustments):
        for record in adjustments.to_dict(orient="records"):
            by_appraisee.setdefault(str(record["appraisee_id"]), []).append({k: _clean(v) for k, v in record.items()})
    quota_keys = [
        c[len("quota_") :] for c in frame.columns if c.startswith("quota_") and not c.endswith(("_places", "_line"))
    ]
    out = []
    for record in records:
        data = {k: _clean(v) for k, v in record.items()}
        appraisee_id = str(data["appraisee_id"])
        if not appraisee_id.isdigit():
            continue  # roll-up rows of people outside the population
        out.append(
            {
                "run_id": run_id,
                "appraisee_id": int(appraisee_id),
                "group": data.get("group") or "",
                "rank": data.get("rank"),
                "position": data.get("position") or 0,
                "composite": data.get("composite"),
                "grade": data.get("grade") or "",
                "award": data.get("award") or "",
                "award_paid": data.get("award_paid"),
                "vetoed": bool(data.get("vetoed")),
                "quotas": {k: bool(data.get(f"quota_{k}")) for k in quota_keys},
                "flags": data.get("flags") or "",
                "data": data,
                "adjustments": by_appraisee.get(appraisee_id, []),
            }
        )
    return out


def _explanations(results, run_id: int) -> list[dict]:
    """Explanation rows, built column-wise (tens of thousands for a big population)."""
    frame = results.explanations
    if not len(frame):
        return []
    ids = frame["appraisee_id"].astype(str).to_numpy()
    keep = [i for i, value in enumerate(ids) if value.isdigit()]
    columns = {name: frame[name].to_numpy() for name in ("seq", "kind", "ref", "zh", "en") if name in frame}
    out = []
    for i in keep:
        out.append(
            {
                "run_id": run_id,
                "appraisee_id": int(ids[i]),
                "seq": int(columns["seq"][i]),
                "kind": str(columns["kind"][i]),
                "ref": _text(columns.get("ref"), i),
                "zh": _text(columns.get("zh"), i),
                "en": _text(columns.get("en"), i),
            }
        )
    return out


def _text(column, i: int) -> str:
    if column is None:
        return ""
    value = column[i]
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)
