"""The audit log refuses TRUNCATE too (PostgreSQL).

The first migration's row triggers stop UPDATE and DELETE on audit_entries,
but TRUNCATE fires no row triggers: a statement-level BEFORE TRUNCATE trigger
refuses it (also when another table's TRUNCATE ... CASCADE would reach it).

SQLite has no TRUNCATE: its nearest, ``DELETE FROM audit_entries`` without a
WHERE, runs the row-by-row delete (SQLite's truncate shortcut is off when the
table has triggers), which the first migration's delete trigger refuses.

Revision ID: d7e8f9a0b1c2
Revises: c4d5e6f70812
Create Date: 2026-12-04 15:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd7e8f9a0b1c2'
down_revision = 'c4d5e6f70812'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # audit_entries_append_only() (first migration) raises 'audit_entries is append-only'.
        op.execute(
            """
            CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
            FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()
            """
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
