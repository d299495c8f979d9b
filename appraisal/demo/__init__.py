"""The demo tenant loaded by ``make demo`` (``flask --app wsgi demo load``)."""

from __future__ import annotations


def init_app(app) -> None:
    from appraisal.demo.cli import demo_cli

    app.cli.add_command(demo_cli)
