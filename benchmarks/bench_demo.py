"""The demo city end to end (issue 5): computing its whole 2026 cycle (load from
the database + engine + write results, all five populations, ~1,400 appraisees)
and rendering the office's departments leaderboard.

The demo is loaded once per benchmark process into a fresh database: a SQLite
file by default, or PostgreSQL with BENCH_DATABASE_URL (its schema is wiped).
"""

from __future__ import annotations

import os
import tempfile

from benchmarks.run import Benchmark

TARGETS = {"demo_compute_cycle": "≤ 3 s", "demo_leaderboard_page": "≤ 0.1 s"}


def _database_url() -> tuple[str, str]:
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if url:
        return url, "postgresql"
    path = os.path.join(tempfile.mkdtemp(prefix="bench-demo-"), "demo.sqlite")
    return f"sqlite:///{path}", "sqlite"


def load_demo():
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select, text

    from appraisal.platform.app import create_app
    from appraisal.platform.db import db
    from appraisal.platform.models import Tenant
    from appraisal.platform.tenancy import unscoped

    url, kind = _database_url()
    if kind == "postgresql":
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    env = {
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="bench-uploads-"),
    }
    app = create_app({"WTF_CSRF_ENABLED": False}, env=env)
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    if result.exit_code:
        raise RuntimeError(result.output)
    with app.app_context(), unscoped():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
    return {"app": app, "tenant_id": tenant_id, "kind": kind}


def compute_setup():
    return load_demo()


def compute_cycle(state) -> None:
    """A new run for every population of the current cycle, as the job does it."""
    from sqlalchemy import select

    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Cycle, Population
    from appraisal.tenants.results.jobs import compute_population
    from appraisal.tenants.results.models import ResultRun, RunStatus

    app = state["app"]
    with app.app_context():
        with tenant_scope(state["tenant_id"]):
            cycle = db.session.scalar(select(Cycle).order_by(Cycle.year.desc()).limit(1))
            runs = []
            for population in db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)):
                run = ResultRun(
                    cycle_id=cycle.id,
                    population_id=population.id,
                    scheme_version_id=population.scheme_version_id,
                    status=RunStatus.QUEUED,
                )
                db.session.add(run)
                db.session.flush()
                runs.append(run.id)
            db.session.commit()
        for run_id in runs:
            result = compute_population(state["tenant_id"], run_id)
            if "rows" not in result:
                raise RuntimeError(f"run {run_id} did not compute: {result}")


def leaderboard_setup():
    from sqlalchemy import select

    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Cycle, Population

    state = load_demo()
    app = state["app"]
    with app.app_context(), tenant_scope(state["tenant_id"]):
        cycle = db.session.scalar(select(Cycle).order_by(Cycle.year.desc()).limit(1))
        population_id = db.session.scalar(
            select(Population.id).where(Population.cycle_id == cycle.id, Population.key == "departments")
        )
    client = app.test_client()
    response = client.post("/t/demo/login", data={"email": "admin@demo.cn", "password": "Kaohe-2026"})
    if response.status_code != 302:
        raise RuntimeError("demo login failed")
    state.update(client=client, url=f"/t/demo/results/populations/{population_id}")
    return state


def render_leaderboard(state) -> None:
    response = state["client"].get(state["url"])
    if response.status_code != 200 or "先进集体" not in response.get_data(as_text=True):
        raise RuntimeError(f"leaderboard: {response.status_code}")


def benchmarks() -> list[Benchmark]:
    db_kind = "postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite"
    return [
        Benchmark(
            "demo_compute_cycle",
            compute_setup,
            compute_cycle,
            runs=5,
            warmup=1,
            extra={"database": db_kind, "target": TARGETS["demo_compute_cycle"]},
        ),
        Benchmark(
            "demo_leaderboard_page",
            leaderboard_setup,
            render_leaderboard,
            runs=30,
            warmup=3,
            extra={"database": db_kind, "target": TARGETS["demo_leaderboard_page"]},
        ),
    ]
