"""PostgreSQL: the libpq environment, finding a new enough pg_dump/pg_restore, dumping one
snapshot, checking the database is empty and restoring into it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.engine import make_url

from appraisal.platform.db import db

from .archive import (
    PG_DUMP,
    BackupError,
    archive_facts,
)

#: libpq connection parameters a DATABASE_URL may carry in its query → their environment variables
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "gssencmode": "PGGSSENCMODE",
    "channel_binding": "PGCHANNELBINDING",
}


def pg_environment(url: str) -> dict[str, str]:
    """libpq environment variables for ``url`` (password included): the tools get
    the connection from these, so nothing secret appears on their command line."""
    parsed = make_url(url)
    env = dict(os.environ)  # PGSSLROOTCERT, PGPASSFILE… set by the administrator still apply
    if parsed.host:
        env["PGHOST"] = parsed.host
    if parsed.port:
        env["PGPORT"] = str(parsed.port)
    if parsed.username:
        env["PGUSER"] = parsed.username
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    if parsed.database:
        env["PGDATABASE"] = parsed.database
    for key, value in parsed.query.items():
        if key not in _LIBPQ_ENV:
            raise BackupError(_("数据库地址中的参数 %(key)s 无法交给 pg_dump", key=key))
        env[_LIBPQ_ENV[key]] = value if isinstance(value, str) else value[-1]
    return env


def _major(version_output: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    match = re.search(r"\)\s*(\d+)", version_output) or re.search(r"(\d+)\.\d+", version_output)
    return int(match.group(1)) if match else 0


def pg_tool(name: str, server_major: int) -> str:
    """The newest ``pg_dump``/``pg_restore`` at least as new as the server: PG_BIN_DIR,
    then /usr/lib/postgresql/<version>/bin (newest first), then PATH."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [v / name for v in versions]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    found = []
    for candidate in candidates:
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        output = subprocess.run([str(candidate), "--version"], capture_output=True, text=True).stdout
        found.append(f"{candidate} ({output.strip()})")
        if _major(output) >= server_major:
            return str(candidate)
    if not found:
        raise BackupError(
            _("找不到 %(tool)s：请安装 PostgreSQL 客户端（postgresql-client），或用 PG_BIN_DIR 指明其目录", tool=name)
        )
    raise BackupError(
        _(
            "%(tool)s 的版本低于数据库服务器（%(server)s）：%(found)s。请安装同版本或更新的 PostgreSQL 客户端",
            tool=name,
            server=server_major,
            found="; ".join(found),
        )
    )


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        detail = [line for line in lines if "error:" in line or "ERROR:" in line][:3] or lines[-5:]
        raise BackupError(_("%(what)s失败：%(detail)s", what=what, detail=" / ".join(detail)))


def dump_postgresql(url: str, work: Path) -> dict:
    """pg_dump of one snapshot into ``work``; what the same snapshot says about the data."""
    env = pg_environment(url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        server_version = conn.execute(text("SHOW server_version")).scalar_one()
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
        facts = archive_facts(conn)
        tool = pg_tool("pg_dump", server_major)
        target = work / PG_DUMP
        _run(
            [tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={target}"],
            env,
            _("pg_dump 导出数据库"),
        )
        conn.rollback()
    os.chmod(target, 0o600)
    tool_version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()
    facts["database"] = {
        "kind": "postgresql",
        "name": make_url(url).database,
        "server_version": server_version,
        "pg_dump": tool_version,
    }
    facts["dump"] = target
    return facts


def postgresql_is_empty() -> bool:
    count = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
            "          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%')"
            "     + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND t.typtype IN ('e', 'd', 'r', 'm')"
            "          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%')"
        )
    ).scalar_one()
    db.session.rollback()
    return count == 0


#: entries of a dump's table of contents a restore leaves out: the ``public`` schema
#: itself and its comment exist in every new database, and only its owner may comment on it
_SKIP_ENTRIES = re.compile(r"^\d+; \d+ \d+ (?:SCHEMA - public|COMMENT - SCHEMA public)(?: |$)")


def restore_postgresql(url: str, dump: Path) -> None:
    env = pg_environment(url)
    with db.engine.connect() as conn:
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    db.engine.dispose()
    tool = pg_tool("pg_restore", server_major)
    listing = subprocess.run([tool, "--list", str(dump)], env=env, capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(_("%(what)s失败：%(detail)s", what=_("pg_restore 恢复数据库"), detail=listing.stderr.strip()))
    entries = dump.with_name("entries.list")
    entries.write_text(
        "".join(line for line in listing.stdout.splitlines(keepends=True) if not _SKIP_ENTRIES.match(line))
    )
    _run(
        [
            tool,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--use-list={entries}",
            f"--dbname={env.get('PGDATABASE', '')}",
            str(dump),
        ],
        env,
        _("pg_restore 恢复数据库"),
    )
