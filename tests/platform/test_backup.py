"""Backups: ``flask backup create`` → ``backup restore`` into a fresh database
gives a working copy (pages, evidence downloads, a computation); a non-empty
target is refused; a changed byte fails verification.

Runs on the suite's database: SQLite by default (the online-backup path), and
PostgreSQL with TEST_DATABASE_URL (pg_dump / pg_restore into ``<name>_restore``).
"""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from appraisal.platform import backup
from appraisal.platform.backup.archive import database_kind
from appraisal.platform.backup.postgres import pg_environment, postgresql_is_empty
from appraisal.platform.backup.restoration import script_directory
from appraisal.platform.backup.sqlite import sqlite_is_empty
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Phase, Population
from appraisal.tenants.evidence.models import Evidence
from appraisal.tenants.results import services as results
from appraisal.tenants.results.models import ResultRow, RunStatus
from tests.helpers import IsolatedClient, _config, _test_env, build_year, login

SCORE_FILE = b"%PDF-1.4 test"  # what build_year attaches to its score


@pytest.fixture
def stored_year(app, make_tenant, make_user):
    """A year with scores and an evidence file for each kind of owner."""
    return build_year(make_tenant("city", "枣庄市考核办"), make_user)


@pytest.fixture
def computed_year(stored_year):
    """The year moved to computing with the departments' results computed."""
    year = stored_year
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
            cycles.move_phase(cycle, phase)
        db.session.commit()
        run = results.request_compute(db.session.get(Population, year.ids["dept_pop"]))
        assert run.status == RunStatus.SUCCEEDED
        year.ids["rows"] = sorted(
            (r.appraisee_id, r.composite, r.rank, r.grade)
            for r in db.session.scalars(select(ResultRow).where(ResultRow.run_id == run.id))
        )
    return year


@pytest.fixture
def fresh_databases(app, tmp_path):
    """``make(suffix)``: the URL of a new, empty database of the suite's kind
    (PostgreSQL: ``<suite database>_<suffix>``, dropped afterwards)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield lambda suffix: f"sqlite:///{tmp_path / (suffix + '.sqlite')}"
        return
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    made = []

    def make(suffix: str) -> str:
        name = f"{url.database}_{suffix}"
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    yield make
    with maintenance.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    maintenance.dispose()


@pytest.fixture
def fresh_target(fresh_databases):
    return fresh_databases("restore")


@pytest.fixture
def other_app(tmp_path):
    """``other_app(url, name)``: an app on another database with its own upload folder."""
    from appraisal.platform.app import create_app

    made = []

    def make(url: str, name: str):
        made.append(create_app(_config(url, tmp_path, UPLOAD_DIR=str(tmp_path / name)), env=_test_env()))
        made[-1].test_client_class = IsolatedClient  # each request in its own context, as in production
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _create(app, tmp_path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    archives = list((tmp_path / "backups").glob("appraisal-backup-*.tar"))
    assert len(archives) == 1 and str(archives[0]) in result.output
    return archives[0]


def test_backup_restores_into_a_fresh_database_that_works(app, computed_year, fresh_target, other_app, tmp_path):
    year = computed_year
    archive = _create(app, tmp_path)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not [p for p in archive.parent.iterdir() if p != archive]  # no work files left behind
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert all(stat.S_IMODE(m.mode) == 0o600 for m in tar.getmembers())
    with tenant_scope(year.tenant):
        stored = db.session.scalars(select(Evidence)).all()
    assert {f"uploads/{e.tenant_id}/{e.sha256[:2]}/{e.sha256}" for e in stored} <= set(names)
    assert ("database.dump" if "postgresql" in fresh_target else "database.sqlite") in names
    assert app.test_cli_runner().invoke(args=["backup", "verify", str(archive)]).exit_code == 0

    restored_uploads = tmp_path / "restored_uploads"
    target = other_app(fresh_target, "restored_uploads")
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "恢复完成" in result.output
        assert not [p for p in restored_uploads.iterdir() if p.name.startswith(".")]  # staging removed

        client = target.test_client()
        assert login(client, year.tenant, year.users["office_admin"]).status_code == 302
        assert client.get("/t/city/").status_code == 200
        page = client.get(f"/t/city/results/populations/{year.ids['dept_pop']}")
        assert page.status_code == 200 and "市财政局" in page.get_data(as_text=True)
        assert client.get("/t/city/results/").status_code == 200
        download = client.get(f"/t/city/scoring/scores/files/{year.ids['score_file']}")
        assert download.status_code == 200 and download.data == SCORE_FILE

        with tenant_scope(year.tenant):
            population = db.session.get(Population, year.ids["dept_pop"])
            run = results.request_compute(population)  # a new computation on the restored copy
            assert run.status == RunStatus.SUCCEEDED and run.is_current
            rows = sorted(
                (r.appraisee_id, r.composite, r.rank, r.grade)
                for r in db.session.scalars(select(ResultRow).where(ResultRow.run_id == run.id))
            )
            assert rows == year.ids["rows"]


def test_restore_into_a_database_that_is_not_empty_is_refused(app, stored_year, tmp_path):
    archive = _create(app, tmp_path)
    with tenant_scope(stored_year.tenant):
        before = db.session.scalar(select(func.count()).select_from(Evidence))
    uploads = Path(app.config["UPLOAD_DIR"])
    files_before = sorted(p for p in uploads.rglob("*"))
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code != 0
    assert "不是空的" in result.output
    db.session.remove()
    with tenant_scope(stored_year.tenant):
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == before
    assert sorted(p for p in uploads.rglob("*")) == files_before


def test_a_changed_byte_fails_verification_and_restore(app, stored_year, fresh_target, other_app, tmp_path):
    archive = _create(app, tmp_path)
    original = archive.read_bytes()
    in_manifest = bytearray(original)
    at = in_manifest.find(b'"evidence_files"')
    in_manifest[at + 1] = ord("E")  # the manifest's own checksum catches it
    archive.write_bytes(bytes(in_manifest))
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code != 0 and "清单校验和不符" in result.output

    data = bytearray(original)
    at = data.find(SCORE_FILE)
    assert at > 0
    data[at + len(SCORE_FILE) - 1] ^= 0x01  # "test" → "tesu"
    archive.write_bytes(bytes(data))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code != 0 and "校验和不符" in result.output

    target = other_app(fresh_target, "restored")
    with target.app_context():
        refused = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert refused.exit_code != 0 and "校验" in refused.output
        # nothing restored: the target database is still empty, no file placed
        kind = database_kind()
        if kind == "postgresql":
            assert postgresql_is_empty()
        else:
            assert sqlite_is_empty(Path(make_url(fresh_target).database))
        assert not (tmp_path / "restored").exists() or not any((tmp_path / "restored").rglob("*"))


def test_backup_refuses_when_a_file_the_database_refers_to_is_missing(app, stored_year, tmp_path):
    with tenant_scope(stored_year.tenant):
        evidence = db.session.get(Evidence, stored_year.ids["score_file"])
        path = Path(app.config["UPLOAD_DIR"]) / str(evidence.tenant_id) / evidence.sha256[:2] / evidence.sha256
    path.unlink()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "create", "--output", str(tmp_path / "backups")])
    assert result.exit_code != 0 and evidence.sha256 in result.output
    assert not list((tmp_path / "backups").iterdir())  # nothing written
    allowed = runner.invoke(args=["backup", "create", "--output", str(tmp_path / "backups"), "--allow-missing"])
    assert allowed.exit_code == 0, allowed.output
    archive = next((tmp_path / "backups").glob("*.tar"))
    assert backup.verify(archive)["missing_files"] == [path.relative_to(app.config["UPLOAD_DIR"]).as_posix()]


def test_the_password_reaches_pg_dump_through_the_environment_only():
    env = pg_environment("postgresql+psycopg://ops:s3cret%40x@db.example:5433/appraisal?sslmode=require")
    assert env["PGPASSWORD"] == "s3cret@x" and env["PGHOST"] == "db.example" and env["PGPORT"] == "5433"
    assert env["PGUSER"] == "ops" and env["PGDATABASE"] == "appraisal" and env["PGSSLMODE"] == "require"
    with pytest.raises(backup.BackupError):
        pg_environment("postgresql+psycopg://ops@db/appraisal?unknown=1")


def _revision() -> str:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def test_an_archive_from_an_older_revision_is_migrated_after_restore(fresh_databases, other_app, tmp_path):
    from flask_migrate import upgrade

    older = other_app(fresh_databases("older"), "older_uploads")
    with older.app_context():
        upgrade(revision="b2c3d4e5f601")  # before the results tables
        db.session.remove()
        archive = _create(older, tmp_path)
        assert backup.verify(archive)["alembic_revision"] == "b2c3d4e5f601"
    target = other_app(fresh_databases("restore"), "restored")
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        head = script_directory().get_current_head()
        assert head != "b2c3d4e5f601" and _revision() == head and head in result.output


def test_an_archive_from_a_newer_program_is_refused(fresh_databases, other_app, tmp_path):
    from flask_migrate import upgrade

    newer = other_app(fresh_databases("newer"), "newer_uploads")
    with newer.app_context():
        upgrade()
        db.session.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        db.session.commit()
        archive = _create(newer, tmp_path)
    target = other_app(fresh_databases("restore"), "restored")
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code != 0 and "更新的程序版本" in result.output
        kind = database_kind()
        assert postgresql_is_empty() if kind == "postgresql" else not any(tmp_path.glob("restore.sqlite"))


def test_a_failed_database_restore_leaves_nothing_behind_and_a_non_owner_role_can_restore(
    app, stored_year, fresh_target, other_app, tmp_path
):
    """PostgreSQL: the restoring role may not create tables, so pg_restore fails midway;
    the one transaction leaves the database empty and no file is placed. Once it may
    create tables (without owning the schema public) the same restore works. The role
    has a password, which reaches pg_restore only through the environment."""
    url = make_url(fresh_target)
    if url.get_backend_name() != "postgresql":
        pytest.skip("pg_restore only")
    archive = _create(app, tmp_path)
    role, password = f"{url.database}_restorer", "pw-" + os.urandom(6).hex()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))  # no CREATE on schema public
    try:
        restricted = url.set(username=role, password=password).render_as_string(hide_password=False)
        target = other_app(restricted, "restored")
        with target.app_context():
            result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
            assert result.exit_code != 0 and "pg_restore" in result.output, result.output
            assert password not in result.output
            db.session.remove()
            db.engine.dispose()
        restored = tmp_path / "restored"
        assert not [p for p in restored.rglob("*")]  # no file placed, staging removed
        with admin.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 0
            # allowed to create tables (but still not the schema's owner): the same restore now works
            conn.execute(text(f'GRANT CREATE ON SCHEMA public TO "{role}"'))
        with target.app_context():
            result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
            assert result.exit_code == 0, result.output
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM evidence")).scalar() == 5
            assert conn.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            ).scalars().all() == [role]
        assert len([p for p in restored.rglob("*") if p.is_file()]) == 2  # "test" and "appeal" PDFs
    finally:
        with admin.connect() as conn:  # its objects are all in this database
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_the_backup_folder_may_not_be_inside_the_upload_folder(app, stored_year):
    inside = Path(app.config["UPLOAD_DIR"]) / "backups"
    result = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(inside)])
    assert result.exit_code != 0 and "上传目录" in result.output and not inside.exists()
