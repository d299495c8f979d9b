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

The code, by concept: ``archive`` (format, shared pieces), ``postgres`` and ``sqlite`` (each
database's dump, emptiness check and restore), ``creation``, ``verification`` and ``restoration``
(the three commands). This package re-exports what the CLI uses: the three commands, their error and ``upload_count``.
"""

from __future__ import annotations

from .archive import BackupError, upload_count
from .creation import create
from .restoration import restore
from .verification import verify

__all__ = ["BackupError", "create", "restore", "upload_count", "verify"]
