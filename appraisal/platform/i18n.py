"""Languages: Chinese (zh_Hans) first, English available.

Message ids are the Chinese texts themselves, so the primary language never
depends on a catalogue being complete; ``translations/en`` holds English.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import Babel
from flask_login import current_user

babel = Babel()


def select_locale() -> str:
    """The request's language; outside a request (CLI, jobs) the default, Chinese."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked is not None and asked in languages:
        return asked
    if request.path.startswith("/api/"):  # the REST API: the client's Accept-Language, else Chinese
        best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"], default="zh")
        return "en" if best.startswith("en") else "zh_Hans"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    tenant = g.get("tenant")
    if tenant is not None and tenant.locale in languages:
        return tenant.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.time_zone if tenant is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
