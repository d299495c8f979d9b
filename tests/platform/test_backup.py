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
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Phase, Population
from appraisal.tenants.results import services as results
from appraisal.tenants.results.models import ResultRow, RunStatus
from appraisal.tenants.scoring.models import Evidence
from tests.conftest import _config, _test_env, login
from tests.tenants.conftest import build_year

SCORE_FILE = b"%PDF-1.4 test"  # what build_year attaches to its score


@pytest.fixture
def computed_year(app, make_tenant, make_user):
    """A year moved to computing with the departments' results computed."""
    year = build_year(make_tenant("city", "枣庄市考核办"), make_user)
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
            cycles.move_phase(cycle, phase)
        db.session.commit()
        run = results.request_compute(db.session.get(Population, year.ids["dept_pop"]))
        assert run.status == RunStatus.SUCCEEDED
        year.ids["rows"] = sorted((r.appraisee_id, r.composite, r.rank, r.grade) for r in
                                  db.session.scalars(select(ResultRow).where(ResultRow.run_id == run.id)))
    return year


@pytest.fixture
def fresh_target(app, tmp_path):
    """The URL of a new, empty database of the suite's kind (dropped afterwards)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    name = f"{url.database}_restore"
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with maintenance.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    maintenance.dispose()


def _create(app, tmp_path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    archives = list((tmp_path / "backups").glob("appraisal-backup-*.tar"))
    assert len(archives) == 1 and str(archives[0]) in result.output
    return archives[0]


def test_backup_restores_into_a_fresh_database_that_works(app, computed_year, fresh_target, tmp_path):
    from appraisal.platform.app import create_app

    year = computed_year
    archive = _create(app, tmp_path)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not [p for p in archive.parent.iterdir() if p != archive]  # no work files left behind
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    with tenant_scope(year.tenant):
        stored = db.session.scalars(select(Evidence)).all()
    assert {f"uploads/{e.tenant_id}/{e.sha256[:2]}/{e.sha256}" for e in stored} <= set(names)
    assert ("database.dump" if "postgresql" in fresh_target else "database.sqlite") in names
    assert app.test_cli_runner().invoke(args=["backup", "verify", str(archive)]).exit_code == 0

    restored_uploads = tmp_path / "restored_uploads"
    target = create_app(_config(fresh_target, tmp_path, UPLOAD_DIR=str(restored_uploads)), env=_test_env())
    try:
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
                rows = sorted((r.appraisee_id, r.composite, r.rank, r.grade) for r in
                              db.session.scalars(select(ResultRow).where(ResultRow.run_id == run.id)))
                assert rows == year.ids["rows"]
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_into_a_database_that_is_not_empty_is_refused(app, computed_year, tmp_path):
    archive = _create(app, tmp_path)
    with tenant_scope(computed_year.tenant):
        before = db.session.scalar(select(func.count()).select_from(Evidence))
    uploads = Path(app.config["UPLOAD_DIR"])
    files_before = sorted(p for p in uploads.rglob("*"))
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code != 0
    assert "不是空的" in result.output
    db.session.remove()
    with tenant_scope(computed_year.tenant):
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == before
    assert sorted(p for p in uploads.rglob("*")) == files_before


def test_a_changed_byte_fails_verification_and_restore(app, computed_year, fresh_target, tmp_path):
    from appraisal.platform.app import create_app

    archive = _create(app, tmp_path)
    data = bytearray(archive.read_bytes())
    at = data.find(SCORE_FILE)
    assert at > 0
    data[at + len(SCORE_FILE) - 1] ^= 0x01  # "test" → "tesu"
    archive.write_bytes(bytes(data))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code != 0 and "校验和不符" in result.output

    target = create_app(_config(fresh_target, tmp_path, UPLOAD_DIR=str(tmp_path / "restored")), env=_test_env())
    try:
        with target.app_context():
            refused = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
            assert refused.exit_code != 0 and "校验" in refused.output
            # nothing restored: the target database is still empty, no file placed
            kind = backup.database_kind()
            if kind == "postgresql":
                assert backup._postgresql_is_empty()
            else:
                assert backup._sqlite_is_empty(Path(make_url(fresh_target).database))
            assert not (tmp_path / "restored").exists() or not any((tmp_path / "restored").rglob("*"))
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_changed_manifest_fails_verification(app, computed_year, tmp_path):
    archive = _create(app, tmp_path)
    data = bytearray(archive.read_bytes())
    at = data.find(b'"evidence_files"')
    data[at + 1] = ord("E")
    archive.write_bytes(bytes(data))
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code != 0 and "清单" in result.output


def test_backup_refuses_when_a_file_the_database_refers_to_is_missing(app, computed_year, tmp_path):
    with tenant_scope(computed_year.tenant):
        evidence = db.session.get(Evidence, computed_year.ids["score_file"])
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
    env = backup.pg_environment("postgresql+psycopg://ops:s3cret%40x@db.example:5433/appraisal?sslmode=require")
    assert env["PGPASSWORD"] == "s3cret@x" and env["PGHOST"] == "db.example" and env["PGPORT"] == "5433"
    assert env["PGUSER"] == "ops" and env["PGDATABASE"] == "appraisal" and env["PGSSLMODE"] == "require"
    with pytest.raises(backup.BackupError):
        backup.pg_environment("postgresql+psycopg://ops@db/appraisal?unknown=1")


def test_backup_archives_are_private(app, computed_year, tmp_path):
    os.umask(0o022)
    archive = _create(app, tmp_path)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        assert all(stat.S_IMODE(m.mode) == 0o600 for m in tar.getmembers())
