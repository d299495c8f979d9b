"""Backups: one archive holding a consistent database snapshot and the upload folder.

An archive is an uncompressed tar file, mode 0600 (the dump and the uploads are
compressed already or small):

* ``database.dump``: ``pg_dump --format=custom --no-owner --no-privileges`` (PostgreSQL),
  or ``database.sqlite``: a copy made with SQLite's online backup API;
* ``uploads/<tenant_id>/<sha[:2]>/<sha256>``: every stored file;
* ``manifest.json``: format, time, app version, Alembic revision, database, the
  sha256 and size of every member, the evidence files the database refers to;
* ``manifest.sha256``: the sha256 of ``manifest.json``.

Consistency: on PostgreSQL the backup opens one REPEATABLE READ transaction,
exports its snapshot and runs ``pg_dump --snapshot`` on it; the Alembic revision
and the list of evidence files are read in the same transaction. Stored files
are content-addressed and never change, so copying the upload tree after the
dump catches every file the dump refers to; the backup then checks that each of
them is there with the right content (and refuses otherwise, naming them).

Restore goes into an EMPTY database (``DATABASE_URL``) and refuses anything
else; the archive is verified first; files are staged, the database is restored
in one transaction (``pg_restore --single-transaction --exit-on-error``), and
only then are the files moved into ``UPLOAD_DIR``; an older archive is then
migrated to the code's revision.

Passwords reach ``pg_dump``/``pg_restore`` through the environment (PGPASSWORD),
never on a command line that ``ps`` shows.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.engine import make_url

from appraisal.platform.db import db

FORMAT = "appraisal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite"
UPLOADS = "uploads"
CHUNK = 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

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


class BackupError(RuntimeError):
    """A backup, verification or restore that cannot go on; the message says why (in Chinese)."""


@dataclass
class Summary:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def file_count(self) -> int:
        return sum(1 for name in self.manifest["members"] if name.startswith(UPLOADS + "/"))


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------


def database_kind(url: str | None = None) -> str:
    parsed = make_url(url or current_app.config["SQLALCHEMY_DATABASE_URI"])
    if parsed.get_backend_name() == "postgresql":
        return "postgresql"
    if parsed.get_backend_name() == "sqlite":
        return "sqlite"
    raise BackupError(_("不支持备份这种数据库：%(kind)s", kind=parsed.get_backend_name()))


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


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)  # as_uri escapes '?', '#', spaces


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(_("内存中的 SQLite 数据库无法备份或恢复"))
    return Path(database)


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _upload_files(root: Path) -> list[tuple[str, Path]]:
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


def _content_addressed_ok(relative: str, sha256: str) -> bool:
    """A file named by a sha256 must have that content."""
    name = PurePosixPath(relative).name
    return not _HEX64.match(name) or name == sha256


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and "" not in path.parts
        and all(not part.startswith(".") for part in path.parts)
        and "\\" not in name
    )


def _add(tar: tarfile.TarFile, name: str, source: Path | bytes) -> dict:
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


# ---------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("appraisal")
    except Exception:  # pragma: no cover - not installed as a package
        return "unknown"


def _dump_postgresql(url: str, work: Path) -> dict:
    """pg_dump of one snapshot into ``work``; what the same snapshot says about the data."""
    env = pg_environment(url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        server_version = conn.execute(text("SHOW server_version")).scalar_one()
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
        facts = _facts(conn)
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


def _facts(conn) -> dict:
    """The Alembic revision and the stored files the database refers to."""
    try:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:
        raise BackupError(_("数据库还没有建表（没有 alembic_version）：先运行 flask --app wsgi db upgrade")) from exc
    rows = conn.execute(text("SELECT DISTINCT tenant_id, sha256 FROM evidence")).all()
    return {"revision": revision, "referenced": sorted({_evidence_path(t, s) for t, s in rows})}


def _dump_sqlite(url: str, work: Path) -> dict:
    source_path = _sqlite_path(url)
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
            facts = _facts(conn)
        engine.dispose()
    finally:
        copy.close()
    facts["database"] = {"kind": "sqlite", "name": source_path.name, "sqlite": sqlite3.sqlite_version}
    facts["dump"] = target
    return facts


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
        facts = (_dump_postgresql if kind == "postgresql" else _dump_sqlite)(url, work)
        members: dict[str, dict] = {}
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            dump_name = PG_DUMP if kind == "postgresql" else SQLITE_COPY
            members[dump_name] = _add(tar, dump_name, facts["dump"])
            damaged = []
            for relative, path in _upload_files(upload_root):  # after the dump: every file it refers to exists
                if not _safe_member(f"{UPLOADS}/{relative}"):
                    continue
                entry = _add(tar, f"{UPLOADS}/{relative}", path)
                if not _content_addressed_ok(relative, entry["sha256"]):
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
            _add(tar, MANIFEST, body)
            _add(tar, MANIFEST_SUM, (hashlib.sha256(body).hexdigest() + "\n").encode())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    warnings = [_("数据库引用的文件缺失：%(files)s", files=", ".join(missing))] if missing else []
    return Summary(final, manifest, warnings)


# ---------------------------------------------------------------------------
# Verify
# ---------------------------------------------------------------------------


def _open(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(_("备份文件不存在：%(path)s", path=archive))
    try:
        return tarfile.open(archive, mode="r:")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(_("%(path)s 不是有效的备份文件（%(error)s）", path=archive, error=exc)) from exc


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(info)
    return fh.read() if fh is not None else b""


def verify(archive: Path | str) -> dict:
    """The archive's manifest, once every member is checked against it."""
    archive = Path(archive)
    problems: list[str] = []
    with _open(archive) as tar:
        try:
            infos = {}
            for info in tar.getmembers():
                if not info.isreg() or not _safe_member(info.name) or info.name in infos:
                    problems.append(_("不允许的条目：%(name)s", name=info.name))
                    continue
                infos[info.name] = info
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(_("%(path)s 已损坏，无法读取（%(error)s）", path=archive, error=exc)) from exc
        if MANIFEST not in infos or MANIFEST_SUM not in infos:
            raise BackupError(_("%(path)s 中没有备份清单（manifest.json），不是本系统的备份", path=archive))
        body = _read_member(tar, infos[MANIFEST])
        expected_sum = _read_member(tar, infos[MANIFEST_SUM]).decode("ascii", "replace").strip()
        if hashlib.sha256(body).hexdigest() != expected_sum:
            raise BackupError(_("%(path)s 的备份清单校验和不符：文件已被改动或损坏", path=archive))
        try:
            manifest = json.loads(body)
        except ValueError as exc:
            raise BackupError(_("%(path)s 的备份清单无法读取", path=archive)) from exc
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(_("%(path)s 不是本系统能读的备份格式", path=archive))
        members = manifest["members"]
        for name in sorted(set(infos) - set(members) - {MANIFEST, MANIFEST_SUM}):
            problems.append(_("清单中没有的条目：%(name)s", name=name))
        for name, expected in sorted(members.items()):
            member = infos.get(name)
            if member is None:
                problems.append(_("缺少条目：%(name)s", name=name))
                continue
            digest, size = hashlib.sha256(), 0
            try:
                fh = tar.extractfile(member)
                assert fh is not None  # infos holds regular files only
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            except (tarfile.TarError, OSError) as exc:
                problems.append(_("无法读取 %(name)s（%(error)s）", name=name, error=exc))
                continue
            if digest.hexdigest() != expected["sha256"] or size != expected["size"]:
                problems.append(_("校验和不符：%(name)s", name=name))
            elif name.startswith(UPLOADS + "/") and not _content_addressed_ok(name, expected["sha256"]):
                problems.append(_("文件内容与其名称（sha256）不符：%(name)s", name=name))
        if PG_DUMP not in members and SQLITE_COPY not in members:
            problems.append(_("备份中没有数据库"))
    if problems:
        raise BackupError(
            _(
                "%(path)s 校验失败（%(n)d 处问题）：%(problems)s",
                path=archive,
                n=len(problems),
                problems="；".join(problems[:20]),
            )
        )
    return manifest


# ---------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------


def _postgresql_is_empty() -> bool:
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


def _sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    conn = _read_only(path)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    finally:
        conn.close()


def _script_directory():
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
    scripts = _script_directory()
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
        empty = _postgresql_is_empty()
        where = make_url(url).database
    else:
        target_path = _sqlite_path(url)
        empty = _sqlite_is_empty(target_path)
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
        with _open(archive) as tar:
            files = [name for name in manifest["members"] if name.startswith(UPLOADS + "/")]
            for name in files:
                target = staging / "files" / name[len(UPLOADS) + 1 :]
                target.parent.mkdir(parents=True, exist_ok=True)
                _extract(tar, name, target, manifest["members"][name])
            if kind == "postgresql":
                dump = staging / PG_DUMP
                _extract(tar, PG_DUMP, dump, manifest["members"][PG_DUMP])
                _restore_postgresql(url, dump)
            else:
                copy = staging / SQLITE_COPY
                _extract(tar, SQLITE_COPY, copy, manifest["members"][SQLITE_COPY])
                _restore_sqlite(copy, target_path)
        # the database is in: now the files (renames within one file system)
        for name in files:
            relative = name[len(UPLOADS) + 1 :]
            source, target = staging / "files" / relative, upload_root / relative
            if target.is_file() and _sha256_file(target)[0] == manifest["members"][name]["sha256"]:
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


#: entries of a dump's table of contents a restore leaves out: the ``public`` schema
#: itself and its comment exist in every new database, and only its owner may comment on it
_SKIP_ENTRIES = re.compile(r"^\d+; \d+ \d+ (?:SCHEMA - public|COMMENT - SCHEMA public)(?: |$)")


def _restore_postgresql(url: str, dump: Path) -> None:
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


def _restore_sqlite(copy: Path, target: Path) -> None:
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
