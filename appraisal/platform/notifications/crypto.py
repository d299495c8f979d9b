"""The channels' credentials, sealed: AES-GCM under a key derived with
HKDF-SHA256 from ``SECRET_KEY`` and the tenant id (the style of the ballots'
sealing). A database dump alone gives no webhook secret or gateway token."""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from appraisal.platform.keys import NoSecretKey, derived_key

NONCE = 12
_SALT = b"appraisal.notifications.credentials.v1"


def _context(tenant_id: int) -> bytes:
    return f"appraisal-notifications:{tenant_id}".encode()


def _key(tenant_id: int) -> bytes:
    try:
        return derived_key(_SALT, _context(tenant_id))
    except NoSecretKey as exc:
        raise RuntimeError("SECRET_KEY is not set: channel credentials cannot be sealed") from exc


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
