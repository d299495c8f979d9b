"""API tokens: issuing, authenticating, revoking (:mod:`.tokens`)."""

from __future__ import annotations

from appraisal.tenants.api.services.tokens import (
    MAX_DAYS,
    SCOPES,
    Authenticated,
    Refused,
    TokenError,
    authenticate,
    create_token,
    hash_secret,
    record_use,
    revoke,
    status_of,
    tokens,
)

__all__ = [
    "MAX_DAYS",
    "SCOPES",
    "Authenticated",
    "Refused",
    "TokenError",
    "authenticate",
    "create_token",
    "hash_secret",
    "record_use",
    "revoke",
    "status_of",
    "tokens",
]
