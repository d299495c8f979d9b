"""API tokens' scopes: a token acts for the user who created it, limited by its scopes.

The API authenticates the token and puts it in ``g.api_token`` (with the scope the
endpoint needs in ``g.api_scope``); :func:`appraisal.platform.permissions.can` then
judges the creator as for a page, and asks :func:`token_allows` what the token's scope
adds: a ``write:scores`` token only on its assessor department's cells."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import abort, g, has_app_context


def requires_scope(scope: str):
    """Declare (and check) the token scope an API endpoint needs: 403 without it.
    Put it under ``@requires(...)``, which has judged the token's user by then."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = g.get("api_token")
            if token is None or scope not in (token.scopes or ()):
                abort(403, description="scope")
            g.api_scope = scope
            return view(*args, **kwargs)

        wrapped.scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorator


def token_allows(action: str, subject: Any = None) -> bool:
    """What the token in use (if any) adds to the rules: a ``write:scores`` token
    enters scores only for the indicators its assessor department scores."""
    if not has_app_context() or g.get("api_scope") != "write:scores" or action != "scores.enter" or subject is None:
        return True
    token = g.get("api_token")
    unit_id = getattr(subject, "assessor_unit_id", None)
    return token is not None and unit_id is not None and unit_id == token.assessor_unit_id
