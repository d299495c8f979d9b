"""Migrations and models agree, on SQLite and PostgreSQL; one head."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from appraisal.platform.db import db


def test_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}"


def test_models_match_migrations(app):
    """The test database was built by the migrations; nothing may differ."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migration_files_are_date_prefixed(app):
    import re
    from pathlib import Path

    versions = Path(app.extensions["migrate"].directory) / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names and all(re.match(r"^\d{8}_[0-9a-f]+_\w+\.py$", n) for n in names), names
