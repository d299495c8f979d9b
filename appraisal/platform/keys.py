"""Keys derived from the server's ``SECRET_KEY`` (HKDF-SHA256), one per purpose.

The ballots' sealed pool and the notification channels' stored credentials each
derive their own 32-byte key: ``salt`` names the purpose and its version, ``info``
the tenant (and, for ballots, the evaluation), so no two purposes or tenants share
a key and none is ever stored."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class NoSecretKey(RuntimeError):
    """``SECRET_KEY`` is not set: nothing can be sealed or opened."""


def derived_key(salt: bytes, info: bytes) -> bytes:
    """The 32-byte key for ``salt`` (the purpose) and ``info`` (whose), from ``SECRET_KEY``."""
    secret = current_app.config.get("SECRET_KEY") or ""
    if isinstance(secret, str):
        secret = secret.encode()
    if not secret:
        raise NoSecretKey("SECRET_KEY is not set")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)
