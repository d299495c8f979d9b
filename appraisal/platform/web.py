"""Web plumbing shared by every feature: tenant URLs, the request boundary,
error pages, pagination and the navigation."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine

from appraisal.platform import problems
from appraisal.platform.db import db
from appraisal.platform.models import Tenant
from appraisal.platform.tenancy import enter_request_tenant, unscoped

TENANT_PREFIX = "/t/<tenant_slug>"


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "", **kwargs) -> Blueprint:
    """A blueprint whose routes live under ``/t/<slug>/``."""
    bp = Blueprint(name, import_name, url_prefix=TENANT_PREFIX + url_prefix, **kwargs)
    bp.tenant_scoped = True  # type: ignore[attr-defined]
    return bp


def tenant_exists(slug: str) -> bool:
    with unscoped():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def unknown_code_message(slug: str) -> str:
    return _("找不到单位代码“%(code)s”。请核对考核办提供的平台代码后重新输入。", code=slug)


def _resolve_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or "tenant_slug" not in values:
        return
    slug = values.pop("tenant_slug")
    tenant = None
    if "\x00" not in slug:  # no code holds a NUL (PostgreSQL would refuse the query)
        with unscoped():
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        g.unknown_tenant_code = slug.replace("\x00", "")  # the error page says so and leads back
        abort(404)
    if not tenant.is_active:
        g.suspended_tenant = tenant
        abort(403, description="suspended")
    enter_request_tenant(tenant)


def _add_tenant_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "tenant_slug" in values or "tenant" not in g:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "tenant_slug"):
        values["tenant_slug"] = g.tenant.slug


def _finish_request(response):
    """The request boundary: commit what services flushed, or roll it back."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _error(status: int, *, page: bool = True):
    def handler(error):
        db.session.rollback()
        if problems.is_api_request():  # the REST API answers problem details, never a page
            return problems.problem(status, getattr(error, "description", None) if status in (400, 413) else None)
        if not page:  # statuses only the API uses: Werkzeug's own answer elsewhere
            return error
        return render_template("errors.html", status=status, error=error), status

    return handler


def query_args(**overrides) -> dict[str, Any]:
    """The page's query string as ``url_for`` arguments (a list's export link keeps its
    filters), with ``overrides`` winning. Arguments ``url_for`` would read as its own
    options (``_scheme``, ``_external``…) or as the tenant are left out: typed into the
    URL they would break the page or the link."""
    args = {k: v for k, v in request.args.items() if not k.startswith("_") and k != "tenant_slug"}
    args.update(overrides)
    return args


def _unavailable(error):
    """A service the page needs (Redis) is unreachable: 503, said plainly."""
    current_app.logger.warning("service unavailable: %s", error)
    db.session.rollback()
    return render_template("errors.html", status=503, error=error), 503


#: Shown when the database cannot be reached. Self-contained: rendering the usual
#: layout (the signed-in user, the tenant, the reader's language) would need the
#: database itself. Both languages, since the reader's choice is in the database.
DATABASE_UNAVAILABLE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>503</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em; line-height: 1.6">
<h1>503</h1>
<p>数据库暂时无法连接，请稍后刷新页面。已保存的数据不受影响。</p>
<p lang="en">The database cannot be reached just now; please reload the page shortly. Saved data is not affected.</p>
</body></html>
"""


def _rollback_quietly() -> None:
    with contextlib.suppress(Exception):  # the connection may be gone already
        db.session.rollback()


def _database_unavailable(error):
    """The database is down or restarting: 503 with a page that needs no database
    (the pool checks connections before use, so the first request after the
    database returns works again)."""
    current_app.logger.error("database unavailable: %s", error)
    _rollback_quietly()
    return DATABASE_UNAVAILABLE, 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "30"}


def _failed_connect_is_a_disconnect(context) -> None:
    """SQLAlchemy's ``handle_error`` hook. SQLAlchemy marks an error that broke a
    connection in use as a disconnect (``connection_invalidated``); a refusal to
    open one (the server down or restarting) comes before any connection exists,
    so the dialect cannot judge it: every such error is the database unreachable."""
    if context.connection is None and not context.is_pre_ping:
        context.is_disconnect = True


def _operational_error(error):
    if error.connection_invalidated:  # SQLAlchemy's verdict: the database was lost, not a bad statement
        return _database_unavailable(error)
    raise error


def health():
    """``/healthz``: the database and Redis, each reported; 503 when the database
    is down (the web tier cannot work), 200 "degraded" when only Redis is (pages
    work; jobs wait, the login throttle counts per process)."""
    from appraisal.platform import jobs

    checks = {"database": "ok", "redis": "not configured"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach it
        current_app.logger.error("health: database unavailable: %s", exc)
        checks["database"] = "unavailable"
        _rollback_quietly()
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = "ok" if jobs.redis_ok() else "unavailable"
    if checks["database"] != "ok":
        status, code = "error", 503
    elif checks["redis"] == "unavailable":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return {"status": status, **checks}, code


def init_app(app) -> None:
    from sqlalchemy.exc import OperationalError

    from appraisal.platform.jobs import UNREACHABLE, JobsUnavailable

    app.jinja_env.globals["query_args"] = query_args
    app.url_value_preprocessor(_resolve_tenant)
    app.url_defaults(_add_tenant_slug)
    app.after_request(_finish_request)
    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, _error(status))
    for status in (401, 406, 415):
        app.register_error_handler(status, _error(status, page=False))
    for error in (JobsUnavailable, *UNREACHABLE):
        app.register_error_handler(error, _unavailable)
    app.register_error_handler(OperationalError, _operational_error)
    if not event.contains(Engine, "handle_error", _failed_connect_is_a_disconnect):
        event.listen(Engine, "handle_error", _failed_connect_is_a_disconnect)


# ---------------------------------------------------------------------------
# Pagination for every list
# ---------------------------------------------------------------------------


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt, *, per_page: int | None = None, scalars: bool = True) -> Page:
    """One page of ``stmt`` (a select) according to ``?page=``."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    query = stmt.limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(query) if scalars else db.session.execute(query))
    return Page(items=items, page=page, per_page=per_page, total=total)


# ---------------------------------------------------------------------------
# Navigation: features register entries, the layout shows those the user may use
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    permission: str
    icon: str = ""
    order: int = 100


def register_nav(app, *items: NavItem) -> None:
    app.extensions.setdefault("nav", []).extend(items)


def nav_items() -> list[NavItem]:
    from appraisal.platform.permissions import can

    if "tenant" not in g or not current_user.is_authenticated:
        return []
    items = current_app.extensions.get("nav", [])
    return sorted((i for i in items if can(current_user, i.permission)), key=lambda i: i.order)


def active_nav(items: list[NavItem]) -> str | None:
    """The entry the current page belongs to: the one whose address is the longest
    prefix of this page's (so /results/appeals/3 lights "复核申请", not "考核结果")."""
    from flask import url_for

    best, length = None, -1
    for item in items:
        url = url_for(item.endpoint)
        if (request.path == url or request.path.startswith(url.rstrip("/") + "/")) and len(url) > length:
            best, length = item.endpoint, len(url)
    return best
