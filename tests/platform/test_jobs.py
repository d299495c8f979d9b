"""Background jobs: in-process without Redis, RQ with it — the same function."""

import pytest
from rq import SimpleWorker

from appraisal.platform import jobs


def test_inline_jobs_run_now(app):
    job = jobs.enqueue(jobs.ping, "x", job_id="ping-1")
    assert job.get_status() == "finished" and job.result == "pong:x"


def test_inline_job_failure_is_reported(app):
    def boom():
        raise ValueError("bad input")

    job = jobs.enqueue(boom)
    assert job.get_status() == "failed" and "bad input" in job.exc_info


@pytest.mark.services
def test_rq_jobs_run_in_a_worker_and_deduplicate(app_factory, redis_url):
    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        first = jobs.enqueue(jobs.ping, "y", job_id="ping-dedup")
        second = jobs.enqueue(jobs.ping, "y", job_id="ping-dedup")
        assert first.id == second.id and first.get_status() == "queued"
        queue = jobs.queue()
        assert queue.count == 1
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        first.refresh()
        assert first.get_status() == "finished" and first.return_value() == "pong:y"
        assert first.meta["progress"] == 1.0
