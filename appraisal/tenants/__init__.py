"""What a tenant does, one sub-package per feature."""

from __future__ import annotations

MODEL_MODULES = ("org", "schemes", "cycles", "letters", "evidence", "scoring", "ballots", "results", "api")
VIEW_MODULES = (
    "home",
    "overview",
    "api",
    "org",
    "users",
    "schemes",
    "cycles",
    "letters",
    "scoring",
    "ballots",
    "results",
)


def register(app) -> None:
    """Register every feature's blueprint and navigation (called by the app factory)."""
    import importlib

    for feature in MODEL_MODULES:  # every table is known to the metadata (and to Alembic)
        importlib.import_module(f"appraisal.tenants.{feature}.models")
    from appraisal.platform.web import register_nav

    for feature in VIEW_MODULES:
        views = importlib.import_module(f"appraisal.tenants.{feature}.views")
        app.register_blueprint(views.bp)
        register_nav(app, *getattr(views, "NAV", ()))
        for blueprint in getattr(views, "BLUEPRINTS", ()):  # the REST API's (api feature)
            app.register_blueprint(blueprint)
            if getattr(blueprint, "api_blueprint", False):  # token-authenticated: no CSRF, no cookies
                app.extensions["csrf"].exempt(blueprint)
