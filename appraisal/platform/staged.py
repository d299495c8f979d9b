"""Uploaded files held between an import's preview and its confirmation.

An import (roster, scores) reads and checks the uploaded file and shows what it
would do; nothing is written until the user presses "确认导入". The file is kept
here meanwhile, under ``UPLOAD_DIR/<tenant>/imports/<user>-<sha256>``, so that
the confirmation applies exactly the file that was previewed (the form carries
only its hash) and re-checks it against the database as it is then.

Files older than :data:`KEEP` are removed whenever another one is staged.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from hashlib import sha256
from pathlib import Path

from flask import current_app

from appraisal.platform.tenancy import current_tenant_id

#: how long a previewed file waits for its confirmation
KEEP = 24 * 3600
DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


def _folder(user_id: int) -> Path:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("staging an import needs a tenant")
    return Path(current_app.config["UPLOAD_DIR"]) / str(int(tenant_id)) / "imports"


def _path(user_id: int, digest: str) -> Path:
    return _folder(user_id) / f"{int(user_id)}-{digest}"


def stage(user_id: int, data: bytes) -> str:
    """Keep ``data`` for ``user_id``'s confirmation; returns its SHA-256 (hex)."""
    digest = sha256(data).hexdigest()
    folder = _folder(user_id)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        try:
            if now - old.stat().st_mtime > KEEP:
                old.unlink()
        except OSError:
            pass
    path = _path(user_id, digest)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return digest


def load(user_id: int, digest: str) -> bytes | None:
    """The staged file with this hash, or None (unknown, expired, or altered)."""
    if not DIGEST_RE.match(digest or ""):
        return None
    path = _path(user_id, digest)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if sha256(data).hexdigest() != digest or time.time() - path.stat().st_mtime > KEEP:
        return None
    return data


def discard(user_id: int, digest: str) -> None:
    if DIGEST_RE.match(digest or ""):
        with contextlib.suppress(OSError):
            _path(user_id, digest).unlink()
