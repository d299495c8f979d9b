"""The job worker's entry point: what an RQ worker runs, and the app a job runs in.

:func:`appraisal.platform.jobs.enqueue` queues every job as ``appraisal.worker.run(target, ...)``
(by name: the platform does not import this module). In a worker process with no app —
``rq worker``, or a process that only imports rq — :func:`run` creates the app with the
factory, once per process (RQ's SimpleWorker, running its jobs in its own process, reuses
it; a forking worker makes it in each job's child), and runs the job inside its context;
under ``flask --app wsgi worker`` (or a test that works the queue inside an app context)
the current app is used. This module sits on the top
floor (see ``appraisal/architecture.py``): it may import everything, nothing imports it.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from flask import Flask, has_app_context

from appraisal.platform.app import create_app


@cache
def _app() -> Flask:
    return create_app()


def run(target: str, *args: Any, **kwargs: Any) -> Any:
    """Run the job function named ``target`` ("package.module.function") inside an app."""
    module, _, name = target.rpartition(".")
    func = getattr(importlib.import_module(module), name)
    if has_app_context():
        return func(*args, **kwargs)
    with _app().app_context():
        return func(*args, **kwargs)
