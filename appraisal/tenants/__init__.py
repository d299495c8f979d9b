"""What a tenant does, one sub-package per feature."""

from __future__ import annotations


MODEL_MODULES = ("org", "schemes", "cycles", "letters", "scoring", "ballots")


def register(app) -> None:
    """Register every feature's blueprint and navigation (called by the app factory)."""
    import importlib

    for feature in MODEL_MODULES:  # every table is known to the metadata (and to Alembic)
        importlib.import_module(f"appraisal.tenants.{feature}.models")
    from appraisal.tenants import demo
    from appraisal.tenants.home import views as home
    from appraisal.tenants.org import views as org
    from appraisal.tenants.users import views as users

    for feature in (home, org, users):
        app.register_blueprint(feature.bp)
        if hasattr(feature, "NAV"):
            from appraisal.platform.web import register_nav

            register_nav(app, *feature.NAV)
    demo.init_app(app)
