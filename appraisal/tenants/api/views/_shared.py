"""What every API route shares: the OpenAPI document (spectree), token
authentication, the per-token rate limit, problem details, ETags, pages and
idempotent writes.

A request to ``/api/v1/t/<slug>/…`` is authenticated by its bearer token only:
the session cookie is never read (the token's user is put where Flask-Login
looks first, ``g._login_user``), and CSRF does not apply (the blueprint is
exempt: a cross-site page cannot send the Authorization header).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, g, request
from flask_babel import gettext as _
from limits import parse
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel
from spectree import Response as Responses
from spectree import SecurityScheme, SpecTree
from sqlalchemy import select

from appraisal.platform.auth.throttle import throttle
from appraisal.platform.db import db
from appraisal.platform.problems import problem
from appraisal.tenants.api import services
from appraisal.tenants.api.models import IdempotentAnswer
from appraisal.tenants.api.schemas import Problem

API_PREFIX = "/api/v1"

api = Blueprint("api", __name__, url_prefix=API_PREFIX + "/t/<tenant_slug>")
api.api_blueprint = True  # type: ignore[attr-defined]  # CSRF-exempt (tenants.register)


def _validation_problem(req, resp, error, instance) -> None:
    """spectree's hook after it validated the request: an invalid body or query is
    a 422 problem listing each field (a JSON pointer) and why, in the reader's language."""
    if error is None:
        return
    errors = [
        {"pointer": "/" + "/".join(str(part) for part in e.get("loc", ())), "detail": _error_text(e)}
        for e in error.errors()
    ]
    abort(problem(422, _("请求内容有 %(n)s 处不符合要求，详见 errors。", n=len(errors)), errors=errors))


_PYDANTIC_MESSAGES = {
    "missing": lambda e: _("必填"),
    "string_too_long": lambda e: _("不能超过 %(n)s 个字符", n=e.get("ctx", {}).get("max_length", "")),
    "string_too_short": lambda e: _("不能为空"),
    "too_long": lambda e: _("最多 %(n)s 项", n=e.get("ctx", {}).get("max_length", "")),
    "int_parsing": lambda e: _("须为整数"),
    "int_type": lambda e: _("须为整数"),
    "string_type": lambda e: _("须为文字"),
    "decimal_parsing": lambda e: _("须为数字"),
    "decimal_type": lambda e: _("须为数字"),
    "list_type": lambda e: _("须为数组"),
    "model_type": lambda e: _("须为对象"),
    "dict_type": lambda e: _("须为对象"),
    "extra_forbidden": lambda e: _("不认识的字段"),
    "greater_than_equal": lambda e: _("不能小于 %(n)s", n=e.get("ctx", {}).get("ge", "")),
    "less_than_equal": lambda e: _("不能大于 %(n)s", n=e.get("ctx", {}).get("le", "")),
    "literal_error": lambda e: _("取值应为：%(values)s", values=e.get("ctx", {}).get("expected", "")),
    "enum": lambda e: _("取值应为：%(values)s", values=e.get("ctx", {}).get("expected", "")),
    "string_pattern_mismatch": lambda e: _("格式不对"),
}


def _error_text(error: dict[str, Any]) -> str:
    make = _PYDANTIC_MESSAGES.get(error.get("type", ""))
    return make(error) if make else str(error.get("msg", ""))


spec = SpecTree(
    "flask",
    mode="strict",
    annotations=False,
    title="目标管理考核平台 API / Appraisal API",
    version="1.0.0",
    description=(
        "按租户的 REST 接口：`/api/v1/t/{tenant_slug}/…`，以 Bearer 令牌认证（考核办在“接口令牌”页创建）。"
        "错误为 RFC 9457 problem details（application/problem+json），语言按 Accept-Language。\n\n"
        "Per-tenant REST API authenticated by bearer tokens that an office admin issues; "
        "errors are RFC 9457 problem details in Chinese or English (Accept-Language)."
    ),
    path="_spec",  # spectree skips the routes under its own path: its doc routes are not registered
    page_templates={},
    before=_validation_problem,
    validation_error_model=Problem,
    security_schemes=[SecurityScheme(name="token", data={"type": "http", "scheme": "bearer"})],
    security={"token": []},
)

#: the problems every authenticated operation may answer
ERRORS = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_404": Problem, "HTTP_429": Problem}


def responses(ok: type[BaseModel] | None = None, *, status: int = 200, **more) -> Responses:
    codes: dict[str, Any] = {f"HTTP_{status}": ok, **ERRORS, **more}
    return Responses(**codes)


# ---------------------------------------------------------------------------
# Authentication and the rate limit
# ---------------------------------------------------------------------------

_REFUSALS = {
    services.Refused.MISSING: lambda: _("缺少有效的接口令牌：请在请求头中提供 Authorization: Bearer <令牌>。"),
    services.Refused.REVOKED: lambda: _("此接口令牌已被撤销。"),
    services.Refused.EXPIRED: lambda: _("此接口令牌已过期，请考核办重新创建。"),
    services.Refused.INACTIVE: lambda: _("创建此令牌的账号已停用，令牌随之失效。"),
}


def _bearer() -> str | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


@api.before_request
def authenticate():
    found = services.authenticate(_bearer(), g.tenant.id)
    if found.refused is services.Refused.OTHER_TENANT:
        return problem(404)  # another tenant's token: as if this tenant did not exist for it
    if found.refused is not None or found.user is None or found.token is None:
        return problem(
            401,
            _REFUSALS[found.refused or services.Refused.MISSING](),
            headers={"WWW-Authenticate": 'Bearer realm="appraisal"'},
        )
    retry = _over_the_limit(found.token.id)
    if retry is not None:
        return problem(429, _("请求过于频繁，请 %(s)s 秒后再试。", s=retry), headers={"Retry-After": str(retry)})
    g._login_user = found.user  # Flask-Login's current_user: never the session cookie
    g.api_token = found.token
    g.audit_via = f"接口令牌“{found.token.name}”"  # the audit log names the token beside its creator
    services.record_use(found.token)
    return None


def _over_the_limit(token_id: int) -> int | None:
    """Seconds to wait, or None: ``API_RATE_LIMIT`` per token, counted where the
    sign-in throttle counts (Redis when configured, else this process)."""
    limit = parse(current_app.config.get("API_RATE_LIMIT", "600 per minute"))
    limiter = current_app.extensions.get("api_rate_limiter")
    if limiter is None:
        limiter = current_app.extensions["api_rate_limiter"] = MovingWindowRateLimiter(throttle().storage)
    if limiter.hit(limit, "api-token", str(token_id)):
        return None
    return max(1, int(limit.get_expiry()))


# ---------------------------------------------------------------------------
# ETags on reads: the same body, the same tag; If-None-Match answers 304
# ---------------------------------------------------------------------------


@api.after_request
def conditional(response):
    if request.method == "GET" and response.status_code == 200 and response.is_json:
        response.add_etag()  # a hash of the body: it changes exactly when the result does
        response.make_conditional(request)
    return response


# ---------------------------------------------------------------------------
# Idempotent writes
# ---------------------------------------------------------------------------


def idempotent(view: Callable) -> Callable:
    """``Idempotency-Key``: the same key with the same body answers what the first
    request answered, without writing again; with another body, 422. Answers are
    kept only for writes that succeeded (a refused one may be sent again)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 200:
            return problem(400, _("Idempotency-Key 不能超过 200 个字符。"))
        body_hash = hashlib.sha256(request.get_data()).hexdigest()
        token = g.api_token
        kept = db.session.scalar(
            select(IdempotentAnswer).where(IdempotentAnswer.token_id == token.id, IdempotentAnswer.key == key)
        )
        if kept is not None:
            if kept.body_hash != body_hash or kept.endpoint != request.endpoint:
                return problem(
                    422,
                    _("此 Idempotency-Key 已用于另一个请求内容；请为新的请求换一个键。"),
                    kind="idempotency-key-reused",
                )
            response = current_app.response_class(kept.answer, status=kept.status, mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            db.session.add(
                IdempotentAnswer(
                    token_id=token.id,
                    key=key,
                    endpoint=request.endpoint or "",
                    body_hash=body_hash,
                    status=response.status_code,
                    answer=response.get_data(as_text=True),
                )
            )
        return response

    return wrapped


def body_json() -> Any:
    return json.loads(request.get_data() or b"null")
