"""Restoring an archive into an empty database and the upload folder, then migrating it
to the code's revision."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from appraisal.platform.db import db

from .archive import (
    CHUNK,
    PG_DUMP,
    SQLITE_COPY,
    UPLOADS,
    BackupError,
    database_kind,
    open_archive,
    sha256_file,
)
from .postgres import (
    postgresql_is_empty,
    restore_postgresql,
)
from .sqlite import restore_sqlite, sqlite_is_empty, sqlite_path
from .verification import verify


def script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _extract(tar: tarfile.TarFile, name: str, target: Path, expected: dict) -> None:
    """Write one member to ``target`` (0600), checking its sha256 as it is written."""
    digest = hashlib.sha256()
    src = tar.extractfile(tar.getmember(name))
    assert src is not None  # verified as a regular file before
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != expected["sha256"]:
        raise BackupError(_("校验和不符：%(name)s", name=name))


def restore(archive: Path | str) -> dict:
    """Restore ``archive`` into the app's (empty) database and its UPLOAD_DIR; the manifest."""
    archive = Path(archive)
    manifest = verify(archive)
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    source_kind = manifest["database"]["kind"]
    if source_kind != kind:
        raise BackupError(
            _("备份来自 %(source)s 数据库，不能恢复到 %(target)s 数据库", source=source_kind, target=kind)
        )
    scripts = script_directory()
    revision = manifest["alembic_revision"]
    try:
        known = revision is None or scripts.get_revision(revision) is not None
    except Exception:
        known = False
    if not known:
        raise BackupError(
            _(
                "备份来自更新的程序版本（数据库版本 %(rev)s 本程序不认识）：请用不低于 %(app)s 的版本恢复",
                rev=revision,
                app=manifest.get("app_version"),
            )
        )
    if kind == "postgresql":
        empty = postgresql_is_empty()
        where = make_url(url).database
    else:
        target_path = sqlite_path(url)
        empty = sqlite_is_empty(target_path)
        where = str(target_path)
    if not empty:
        raise BackupError(
            _(
                "目标数据库 %(db)s 不是空的：恢复只写入新建的空数据库，以免覆盖现有数据。"
                "请新建一个空数据库，将 DATABASE_URL 指向它后再恢复",
                db=where,
            )
        )
    db.session.remove()
    db.engine.dispose()

    upload_root = Path(current_app.config["UPLOAD_DIR"])
    upload_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=upload_root))
    try:
        with open_archive(archive) as tar:
            files = [name for name in manifest["members"] if name.startswith(UPLOADS + "/")]
            for name in files:
                target = staging / "files" / name[len(UPLOADS) + 1 :]
                target.parent.mkdir(parents=True, exist_ok=True)
                _extract(tar, name, target, manifest["members"][name])
            if kind == "postgresql":
                dump = staging / PG_DUMP
                _extract(tar, PG_DUMP, dump, manifest["members"][PG_DUMP])
                restore_postgresql(url, dump)
            else:
                copy = staging / SQLITE_COPY
                _extract(tar, SQLITE_COPY, copy, manifest["members"][SQLITE_COPY])
                restore_sqlite(copy, target_path)
        # the database is in: now the files (renames within one file system)
        for name in files:
            relative = name[len(UPLOADS) + 1 :]
            source, target = staging / "files" / relative, upload_root / relative
            if target.is_file() and sha256_file(target)[0] == manifest["members"][name]["sha256"]:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    head = scripts.get_current_head()
    if revision != head:
        from flask_migrate import upgrade

        try:
            upgrade()
        except Exception as exc:
            raise BackupError(
                _(
                    "数据库和文件已恢复（版本 %(rev)s），但升级到 %(head)s 失败：%(error)s。"
                    "请排除问题后运行 flask --app wsgi db upgrade",
                    rev=revision,
                    head=head,
                    error=exc,
                )
            ) from exc
        manifest["upgraded_to"] = head
    db.session.remove()
    db.engine.dispose()
    return manifest
