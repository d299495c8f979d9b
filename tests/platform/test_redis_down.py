"""Redis down: signed-in pages keep working, sign-in and code votes keep working
(the throttle counts in memory meanwhile), computing says plainly that it
cannot start, /healthz reports each service, the worker waits for Redis — and
everything recovers by itself when Redis returns. A private redis-server is
stopped and started by the test (never the shared one)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from tests.helpers import free_port, login, wait_for

ROOT = Path(__file__).resolve().parents[2]


class PrivateRedis:
    """A throwaway redis-server on its own port, stopped and started at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis(port=self.port).ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(int(os.environ.get("TEST_PRIVATE_REDIS_PORT", "0")) or free_port())
    server.start()
    yield server
    server.stop()


@pytest.mark.services
def test_redis_down_pages_work_and_everything_recovers(app_factory, private_redis, make_tenant, make_user):
    from appraisal.tenants.cycles.models import Population
    from appraisal.tenants.results import services as results
    from appraisal.tenants.results.models import ResultRun, RunStatus
    from tests.helpers import build_year
    from tests.tenants.results.test_compute import _to_computing

    app = app_factory(REDIS_URL=private_redis.url)
    with app.app_context():
        year = build_year(make_tenant("rdown"), make_user)
        with tenant_scope(year.tenant):
            _to_computing(year)
            queued = results.request_compute(db.session.get(Population, year.ids["dept_pop"]))
            assert queued.status == RunStatus.QUEUED  # its job waits in Redis (no worker here)
    admin = year.users["office_admin"]
    signed_in = app.test_client()
    assert login(signed_in, year.tenant, admin).status_code == 302

    private_redis.stop()  # ---- Redis goes down ----
    base = f"/t/{year.tenant.slug}"
    # signed-in pages: the results and the status checks
    page = signed_in.get(f"{base}/results/?cycle_id={year.ids['cycle']}")
    assert page.status_code == 200
    status = signed_in.get(f"{base}/results/populations/{year.ids['dept_pop']}/status")
    assert status.status_code == 200 and status.json["status"] == "queued"  # not decided while Redis is away
    # sign-in works, wrong passwords are still refused and still throttled (in memory)
    fresh = app.test_client()
    assert login(fresh, year.tenant, admin).status_code == 302
    wrong = [login(app.test_client(), year.tenant, year.users["staff"], password="wrong").status_code for _ in range(6)]
    assert wrong == [401] * 5 + [429]
    # code votes: a wrong code is an ordinary refusal, not a 500
    vote = app.test_client().post(f"{base}/vote", data={"code": "NOSUCHCODE"})
    assert vote.status_code == 422 and "投票码无效或已使用" in vote.get_data(as_text=True)
    # computing cannot start: said plainly; no run is left "queued" without a job
    answer = signed_in.post(f"{base}/results/populations/{year.ids['staff_pop']}/compute", follow_redirects=True)
    assert answer.status_code == 200 and "后台任务服务暂时无法连接" in answer.get_data(as_text=True)
    with app.app_context(), tenant_scope(year.tenant):
        runs = db.session.query(ResultRun).filter_by(population_id=year.ids["staff_pop"]).all()
        assert [r.status for r in runs] == [RunStatus.FAILED]
    # health: the database is fine, Redis is not; the web tier is still up (200, degraded)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "degraded", "database": "ok", "redis": "unavailable"}

    private_redis.start()  # ---- Redis is back: no restart of the app ----
    came_back = time.monotonic()
    assert wait_for(lambda: app.test_client().get("/healthz").json["redis"] == "ok")
    # the throttle counts in Redis again (it retries Redis every few seconds)
    shared = Redis.from_url(private_redis.url)

    def throttle_in_redis() -> bool:
        login(app.test_client(), year.tenant, "nobody@example.cn", password="wrong")
        return bool(shared.keys("LIMITS*"))

    assert wait_for(throttle_in_redis, seconds=30, step=0.5)
    recovered = time.monotonic() - came_back
    # computing starts again: a new run, queued with its job in Redis
    with app.app_context(), tenant_scope(year.tenant):
        run = results.request_compute(db.session.get(Population, year.ids["staff_pop"]))
        assert run.status == RunStatus.QUEUED and shared.exists(f"rq:job:{run.job_id}")
    print(f"\nrecovery after Redis returned: {recovered:.1f} s")
    assert recovered < 10


def test_healthz_fails_when_the_database_is_down(app_factory):
    app_factory()  # the test's own database (cleaned up as usual)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    broken = app_factory(
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{closed}/nothing",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    answer = broken.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json == {"status": "error", "database": "unavailable", "redis": "not configured"}


@pytest.mark.services
def test_worker_waits_for_redis_instead_of_exiting(app_factory, private_redis, tmp_path):
    from appraisal.platform import jobs

    private_redis.stop()
    env = {
        **os.environ,
        "APPRAISAL_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "REDIS_URL": private_redis.url,
        "UPLOAD_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(4)
        assert worker.poll() is None, "the worker exited while Redis was down"
        private_redis.start()
        back = time.monotonic()
        app = app_factory(REDIS_URL=private_redis.url)
        with app.app_context():
            job = jobs.enqueue(jobs.ping, "back", job_id="ping-after-outage")
            assert wait_for(lambda: job.get_status(refresh=True) == "finished", seconds=60)
            assert job.return_value() == "pong:back"
        print(f"\nworker picked up a job {time.monotonic() - back:.1f} s after Redis returned")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
