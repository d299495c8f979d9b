"""The archive's format and the pieces every step shares: member names, errors, the
summary, which database is in use, the upload files and their checksums, reading members
(see the package docstring for the format)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.engine import make_url

FORMAT = "appraisal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite"
UPLOADS = "uploads"
CHUNK = 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class BackupError(RuntimeError):
    """A backup, verification or restore that cannot go on; the message says why (in Chinese)."""


def upload_count(manifest: dict) -> int:
    """How many uploaded files an archive holds, by its manifest."""
    return sum(1 for name in manifest["members"] if name.startswith(UPLOADS + "/"))


@dataclass
class Summary:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def file_count(self) -> int:
        return upload_count(self.manifest)


def database_kind(url: str | None = None) -> str:
    parsed = make_url(url or current_app.config["SQLALCHEMY_DATABASE_URI"])
    if parsed.get_backend_name() == "postgresql":
        return "postgresql"
    if parsed.get_backend_name() == "sqlite":
        return "sqlite"
    raise BackupError(_("不支持备份这种数据库：%(kind)s", kind=parsed.get_backend_name()))


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def upload_files(root: Path) -> list[tuple[str, Path]]:
    """(relative posix path, path) of every stored file; hidden files (a write in
    progress, a restore's staging folder) are left out."""
    out: list[tuple[str, Path]] = []
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            out.append((path.relative_to(root).as_posix(), path))
    return out


def _evidence_path(tenant_id: int, sha256: str) -> str:
    return f"{int(tenant_id)}/{sha256[:2]}/{sha256}"


def content_addressed_ok(relative: str, sha256: str) -> bool:
    """A file named by a sha256 must have that content."""
    name = PurePosixPath(relative).name
    return not _HEX64.match(name) or name == sha256


def safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and "" not in path.parts
        and all(not part.startswith(".") for part in path.parts)
        and "\\" not in name
    )


def add_member(tar: tarfile.TarFile, name: str, source: Path | bytes) -> dict:
    """Add a member, hashing it as it is written: its {sha256, size}."""
    info = tarfile.TarInfo(name)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        info.size = len(source)
        digest.update(source)
        tar.addfile(info, io.BytesIO(source))
        return {"sha256": digest.hexdigest(), "size": info.size}
    with open(source, "rb") as fh:
        info.size = os.fstat(fh.fileno()).st_size
        tar.addfile(info, _HashingReader(fh, digest))
    return {"sha256": digest.hexdigest(), "size": info.size}


class _HashingReader:
    def __init__(self, fh, digest):
        self.fh, self.digest = fh, digest

    def read(self, size=-1):
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def archive_facts(conn) -> dict:
    """The Alembic revision and the stored files the database refers to."""
    try:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:
        raise BackupError(_("数据库还没有建表（没有 alembic_version）：先运行 flask --app wsgi db upgrade")) from exc
    rows = conn.execute(text("SELECT DISTINCT tenant_id, sha256 FROM evidence")).all()
    return {"revision": revision, "referenced": sorted({_evidence_path(t, s) for t, s in rows})}


def open_archive(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(_("备份文件不存在：%(path)s", path=archive))
    try:
        return tarfile.open(archive, mode="r:")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(_("%(path)s 不是有效的备份文件（%(error)s）", path=archive, error=exc)) from exc


def read_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(info)
    return fh.read() if fh is not None else b""
