"""SQLite: a consistent copy with the online backup API, checking the database is empty,
and putting a verified copy in place."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from .archive import (
    SQLITE_COPY,
    BackupError,
    archive_facts,
)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)  # as_uri escapes '?', '#', spaces


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(_("内存中的 SQLite 数据库无法备份或恢复"))
    return Path(database)


def dump_sqlite(url: str, work: Path) -> dict:
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(_("数据库文件不存在：%(path)s", path=source_path))
    target = work / SQLITE_COPY
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    source = _read_only(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: one consistent copy while the app writes
    finally:
        source.close()
    try:
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{target}")
        with engine.connect() as conn:
            facts = archive_facts(conn)
        engine.dispose()
    finally:
        copy.close()
    facts["database"] = {"kind": "sqlite", "name": source_path.name, "sqlite": sqlite3.sqlite_version}
    facts["dump"] = target
    return facts


def sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    conn = _read_only(path)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    finally:
        conn.close()


def restore_sqlite(copy: Path, target: Path) -> None:
    check = _read_only(copy)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(_("备份中的 SQLite 数据库未通过完整性检查"))
    finally:
        check.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    placed = target.with_name(f".{target.name}.restore")
    shutil.copyfile(copy, placed)
    os.chmod(placed, 0o600)
    os.replace(placed, target)  # all at once: the file is either the old empty one or the restored one
