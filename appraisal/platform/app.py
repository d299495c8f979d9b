"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from appraisal.platform import audit, cli, i18n, inputs, security_headers, tenancy, web
from appraisal.platform.auth import sessions, throttle
from appraisal.platform.config import load_config
from appraisal.platform.db import db

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent

csrf = CSRFProtect()
migrate = Migrate()


def create_app(config: Mapping[str, Any] | None = None, *, env: Mapping[str, str] | None = None) -> Flask:
    """Build the app. Settings come from the environment (or ``env``), then ``config``."""
    app = Flask(
        "appraisal",
        instance_path=str(PROJECT_DIR / "instance"),
        template_folder=str(PACKAGE_DIR / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    app.config.update(load_config(Path(app.instance_path), env))
    if config:
        app.config.update(config)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PACKAGE_DIR / "translations"))

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # The client address and scheme come from the last ``proxies`` hops of
        # X-Forwarded-For / -Proto; with 0 those headers are ignored (anyone can send them).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    sessions.login_manager.init_app(app)
    sessions.login_manager.login_view = "auth.login"
    throttle.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    security_headers.init_app(app)
    tenancy.install_safety_net()
    audit.install_guards()
    cli.init_app(app)
    # --- notifications: dispatch after the request commits, the header's unread count
    from appraisal.platform import notifications

    notifications.init_app(app)
    # --- end notifications
    inputs.install(app)  # before the routes: bounded <int:…> ids
    _register_blueprints(app)
    _template_helpers(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # The factory is the one place where the platform knows the features.
    from appraisal import demo, tenants
    from appraisal.platform.audit_views import NAV as audit_nav
    from appraisal.platform.audit_views import bp as audit_bp
    from appraisal.platform.auth.views import bp as auth_bp
    from appraisal.platform.auth.views import root as root_bp
    from appraisal.platform.operator.views import bp as operator_bp
    from appraisal.platform.web import register_nav

    for blueprint in (root_bp, auth_bp, operator_bp, audit_bp):
        app.register_blueprint(blueprint)
    register_nav(app, *audit_nav)
    # --- notifications: the inbox, preferences, the office's settings and delivery log
    from appraisal.platform.notifications.views import NAV as notifications_nav
    from appraisal.platform.notifications.views import bp as notifications_bp

    app.register_blueprint(notifications_bp)
    register_nav(app, *notifications_nav)
    # --- end notifications
    tenants.register(app)
    demo.init_app(app)  # `flask demo load`: the demo sits above the features, outside tenants


def _template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from appraisal.platform.labels import role_label
    from appraisal.platform.permissions import can

    @app.context_processor
    def helpers():
        from flask import g
        from flask_login import current_user

        return {
            "can": lambda action, obj=None: can(current_user, action, obj),
            "nav_items": web.nav_items,
            "active_nav": web.active_nav,
            "current_tenant": g.get("tenant"),
            "current_locale": str(get_locale()),
            "role_label": role_label,
        }
