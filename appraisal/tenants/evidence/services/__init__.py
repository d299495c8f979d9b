"""Evidence files behind scores, claims, penalties, vetoes, self-reports and
appeals — whatever a feature registers as an owner (:func:`register_owner`).

Stored by content under ``UPLOAD_DIR/<tenant_id>/<sha256[:2]>/<sha256>``; only
PDF, JPEG, PNG, Word (.docx) and Excel (.xlsx) files, checked by extension
*and* content, up to ``EVIDENCE_MAX_MB`` (default 10 MB). A file is served
only through the download view, to those who may see its owner (the
permission given to :func:`register_owner`), always as an attachment: one
download view per registered owner kind, made by :func:`download_view`.
Permissions judge a file as its owner (:func:`owner_subject`, registered with
the permissions module below).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import abort, current_app, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.platform.permissions import actor_id, authorize, register_subject, requires
from appraisal.platform.refusals import Refusal
from appraisal.platform.tenancy import current_tenant_id, get_or_404
from appraisal.tenants.evidence.models import Evidence

DEFAULT_MAX_MB = 10

#: extension → (content type, what the first bytes must be)
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}


@dataclass(frozen=True)
class OwnerType:
    """What a file can belong to: the owner's model, the permission that lets a
    user see the owner (and so the file) and the route that serves its files."""

    model: type
    permission: str
    endpoint: str
    arg: str


#: owner type → how its files are judged and served; each feature registers its
#: own (scoring: "score", "claim", "veto", "self_report"; results: "appeal").
OWNERS: dict[str, OwnerType] = {}

#: what permissions judge when a file's owner is gone
NO_OWNER = object()


def register_owner(owner_type: str, model: type, permission: str, endpoint: str, arg: str) -> None:
    """Files may belong to ``model`` (as ``owner_type``); those who may
    ``permission`` the owner may download them, from ``endpoint`` whose URL
    argument ``arg`` is the file's id."""
    OWNERS[owner_type] = OwnerType(model, permission, endpoint, arg)


def file_url(evidence: Evidence) -> str:
    """Where ``evidence`` is downloaded (the route that checks its owner's permission)."""
    owner = OWNERS[evidence.owner_type]
    return url_for(owner.endpoint, **{owner.arg: evidence.id})


class EvidenceError(Refusal):
    """Why a file was refused (type, size, content, storage)."""


def max_mb() -> float:
    return float(current_app.config.get("EVIDENCE_MAX_MB", DEFAULT_MAX_MB))


def max_bytes() -> int:
    return int(max_mb() * 1024 * 1024)


def clean_filename(name: str) -> str:
    """The file's own name without any path, control or reserved characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]', "_", name).strip(" .")
    if not name:
        return "file"
    stem, ext = os.path.splitext(name)
    return stem[: 200 - len(ext)] + ext


def check(filename: str, data: bytes) -> tuple[str, str]:
    """(clean file name, content type), or an EvidenceError saying why not."""
    name = clean_filename(filename)
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED:
        raise EvidenceError(_("只能上传 PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）文件"))
    if not data:
        raise EvidenceError(_("文件是空的"))
    limit = max_bytes()
    if len(data) > limit:
        raise EvidenceError(_("文件不能超过 %(mb)s MB", mb=f"{max_mb():g}"))
    content_type, magics = ALLOWED[ext]
    if not any(data.startswith(m) for m in magics):
        raise EvidenceError(_("文件内容与扩展名不符"))
    return name, content_type


def storage_path(tenant_id: int, sha256: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / str(int(tenant_id)) / sha256[:2] / sha256


#: errors meaning the disk (or the account's quota) is full
NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _store(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file, flushed
    to disk, then renamed; on any failure the temporary file is removed and an
    EvidenceError says why (the caller's rows are rolled back with it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # a full disk shows here, not after the rename
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        current_app.logger.error("evidence not stored at %s: %s", path, exc)
        if exc.errno in NO_SPACE:
            raise EvidenceError(_("服务器存储空间不足，文件未保存，请联系管理员")) from exc
        raise EvidenceError(_("服务器无法保存文件，文件未保存，请联系管理员")) from exc


def attach(owner_type: str, owner_id: int, filename: str, data: bytes, *, label: str = "") -> Evidence:
    """Store a file for an owner and record it (the same content is stored once)."""
    if owner_type not in OWNERS:
        raise ValueError(owner_type)
    name, content_type = check(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    tenant_id = current_tenant_id()
    path = storage_path(tenant_id, digest)
    if not path.exists():
        _store(path, data)
    evidence = Evidence(
        owner_type=owner_type,
        owner_id=owner_id,
        filename=name,
        stored_name=digest,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by_id=actor_id(),
    )
    db.session.add(evidence)
    db.session.flush()
    audit.record(
        "evidence.upload",
        evidence,
        after={"owner": f"{owner_type}:{owner_id}", "filename": name, "size": len(data), "sha256": digest},
        label=label or name,
    )
    return evidence


def attach_files(owner_type: str, owner_id: int, files, *, label: str = "") -> list[Evidence]:
    """Every uploaded file (werkzeug FileStorage) that has a name."""
    out = []
    for f in files or []:
        if f is None or not getattr(f, "filename", ""):
            continue
        out.append(attach(owner_type, owner_id, f.filename, f.read(), label=label))
    return out


def evidence_of(owner_type: str, owner_ids) -> dict[int, list[Evidence]]:
    ids = list(owner_ids)
    out: dict[int, list[Evidence]] = {}
    if not ids:
        return out
    rows = db.session.scalars(
        select(Evidence).where(Evidence.owner_type == owner_type, Evidence.owner_id.in_(ids)).order_by(Evidence.id)
    )
    for e in rows:
        out.setdefault(e.owner_id, []).append(e)
    return out


def owner_subject(evidence: Evidence):
    """The object a file's permission is judged on: its score (a cell), claim,
    veto, self-report or appeal; :data:`NO_OWNER` when the owner is gone."""
    owner_type = OWNERS.get(evidence.owner_type)
    owner = db.session.get(owner_type.model, evidence.owner_id) if owner_type is not None else None
    return owner if owner is not None else NO_OWNER


def download(evidence: Evidence):
    """The file as an attachment (404 when its content is gone). Read into memory
    (files are small, see EVIDENCE_MAX_MB) so no file handle outlives the request."""
    path = storage_path(evidence.tenant_id, evidence.sha256)
    if not path.is_file():
        abort(404)
    data = path.read_bytes()
    response = send_file(
        BytesIO(data), mimetype=evidence.content_type, as_attachment=True, download_name=evidence.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# A file is judged as its owner (whose own subject the permissions module follows).
register_subject(Evidence, owner_subject)


def download_view(owner_type: str):
    """The download view of one owner kind, for its feature's blueprint: it
    declares the owner's view permission, loads the file (404 for another
    tenant's, or for a file of another kind of owner), judges it as its owner
    and sends it as an attachment. The view is named after the owner's
    endpoint, so ``url_for`` and :func:`file_url` find it."""
    owner = OWNERS[owner_type]

    def view(**kwargs):
        item = get_or_404(Evidence, kwargs[owner.arg])
        if item.owner_type != owner_type:
            abort(404)
        authorize(owner.permission, item)
        return download(item)

    view.__name__ = view.__qualname__ = owner.endpoint.rpartition(".")[2]
    return requires(owner.permission, per_object=True)(view)
