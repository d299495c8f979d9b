"""Creating an archive: the database snapshot, then the upload folder, then the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from .archive import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_SUM,
    PG_DUMP,
    SQLITE_COPY,
    UPLOADS,
    BackupError,
    Summary,
    add_member,
    content_addressed_ok,
    database_kind,
    safe_member,
    upload_files,
)
from .postgres import (
    dump_postgresql,
)
from .sqlite import dump_sqlite


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("appraisal")
    except Exception:  # pragma: no cover - not installed as a package
        return "unknown"


def create(output_dir: Path | str, *, allow_missing: bool = False) -> Summary:
    """Write one archive into ``output_dir``; its path and manifest."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    output_dir = Path(output_dir)
    upload_root = Path(current_app.config["UPLOAD_DIR"])
    if output_dir.resolve().is_relative_to(upload_root.resolve()):
        raise BackupError(_("备份目录 %(out)s 不能在上传目录 %(dir)s 之内", out=output_dir, dir=upload_root))
    output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # a new backup folder is private
    stamp = datetime.now(UTC)
    final = output_dir / f"appraisal-backup-{stamp:%Y%m%dT%H%M%SZ}.tar"
    if final.exists():
        raise BackupError(_("备份文件已存在：%(path)s", path=final))
    work = Path(tempfile.mkdtemp(prefix=".appraisal-backup-", dir=output_dir))  # mode 0700
    partial = work / "archive.tar"
    try:
        facts = (dump_postgresql if kind == "postgresql" else dump_sqlite)(url, work)
        members: dict[str, dict] = {}
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            dump_name = PG_DUMP if kind == "postgresql" else SQLITE_COPY
            members[dump_name] = add_member(tar, dump_name, facts["dump"])
            damaged = []
            for relative, path in upload_files(upload_root):  # after the dump: every file it refers to exists
                if not safe_member(f"{UPLOADS}/{relative}"):
                    continue
                entry = add_member(tar, f"{UPLOADS}/{relative}", path)
                if not content_addressed_ok(relative, entry["sha256"]):
                    damaged.append(relative)
                members[f"{UPLOADS}/{relative}"] = entry
            present = {
                rel
                for rel in (m[len(UPLOADS) + 1 :] for m in members if m.startswith(UPLOADS + "/"))
                if rel not in damaged
            }
            missing = [rel for rel in facts["referenced"] if rel not in present]
            if missing and not allow_missing:
                raise BackupError(
                    _(
                        "数据库引用的 %(n)d 个文件不在上传目录 %(dir)s 中或内容已损坏：%(files)s。"
                        "请先找回这些文件；若确认已无法找回，可加 --allow-missing 生成备份（清单中会记下它们）",
                        n=len(missing),
                        dir=upload_root,
                        files=", ".join(missing[:10]),
                    )
                )
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": stamp.isoformat(timespec="seconds"),
                "app_version": _app_version(),
                "alembic_revision": facts["revision"],
                "database": facts["database"],
                "evidence_files": len(facts["referenced"]),
                "missing_files": missing,
                "members": members,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            add_member(tar, MANIFEST, body)
            add_member(tar, MANIFEST_SUM, (hashlib.sha256(body).hexdigest() + "\n").encode())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    warnings = [_("数据库引用的文件缺失：%(files)s", files=", ".join(missing))] if missing else []
    return Summary(final, manifest, warnings)
