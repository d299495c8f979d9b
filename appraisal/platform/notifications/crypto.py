"""The channels' credentials, sealed: AES-GCM under a key derived with
HKDF-SHA256 from ``SECRET_KEY`` and the tenant id (the style of the ballots'
sealing). A database dump alone gives no webhook secret or gateway token."""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

NONCE = 12
_SALT = b"appraisal.notifications.credentials.v1"


def _context(tenant_id: int) -> bytes:
    return f"appraisal-notifications:{tenant_id}".encode()


def _key(tenant_id: int) -> bytes:
    secret = current_app.config.get("SECRET_KEY") or ""
    if isinstance(secret, str):
        secret = secret.encode()
    if not secret:
        raise RuntimeError("SECRET_KEY is not set: channel credentials cannot be sealed")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_context(tenant_id)).derive(secret)


def seal(tenant_id: int, values: dict[str, str]) -> bytes:
    nonce = os.urandom(NONCE)
    plaintext = json.dumps(values, ensure_ascii=False, sort_keys=True).encode()
    return nonce + AESGCM(_key(tenant_id)).encrypt(nonce, plaintext, _context(tenant_id))


def unseal(tenant_id: int, blob: bytes | None) -> dict[str, str]:
    """The credentials, or {} when none are stored or they cannot be opened
    (SECRET_KEY changed: the office enters them again)."""
    if not blob:
        return {}
    blob = bytes(blob)
    try:
        plaintext = AESGCM(_key(tenant_id)).decrypt(blob[:NONCE], blob[NONCE:], _context(tenant_id))
    except (InvalidTag, ValueError):
        return {}
    return json.loads(plaintext)
