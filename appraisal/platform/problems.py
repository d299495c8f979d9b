"""Errors of the REST API as RFC 9457 problem details (``application/problem+json``).

Titles and details are in the reader's language (the API reads Accept-Language:
Chinese first, English on request). ``type`` is ``about:blank`` with the HTTP
status's meaning, or a URI of ours for the kinds a client may act on.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from flask_babel import lazy_gettext as _l

MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"

TITLES = {
    400: _l("请求有误"),
    401: _l("需要有效的接口令牌"),
    403: _l("无权执行此操作"),
    404: _l("找不到请求的对象"),
    405: _l("不支持此请求方法"),
    406: _l("不支持请求的格式"),
    409: _l("与当前数据冲突"),
    413: _l("请求内容过大"),
    415: _l("请求内容须为 JSON"),
    422: _l("请求内容未通过校验"),
    428: _l("缺少必需的请求头"),
    429: _l("请求过于频繁"),
    500: _l("服务器内部错误"),
    503: _l("服务暂时不可用"),
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(
    status: int,
    detail: Any = None,
    *,
    title: Any = None,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem-details response. ``errors``: one entry per invalid field
    (``pointer``: a JSON pointer into the request body, ``detail``: why)."""
    body: dict[str, Any] = {
        "type": f"/api/v1/problems/{kind}" if kind else "about:blank",
        "title": str(title if title is not None else TITLES.get(status, TITLES[400 if status < 500 else 500])),
        "status": status,
    }
    if detail is not None:
        body["detail"] = str(detail)
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers["Content-Language"] = "en" if _english() else "zh-Hans"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _english() -> bool:
    from flask_babel import get_locale

    return str(get_locale()) == "en"
