"""What a tenant does, one sub-package per feature."""

from __future__ import annotations


def register(app) -> None:
    """Register every feature's blueprint and navigation (called by the app factory)."""
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
