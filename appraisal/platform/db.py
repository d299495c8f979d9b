"""The database: declarative base with a constraint naming convention."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, ForeignKey, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The models' base class. ``db.Model`` is built at run time, so type checkers cannot use it as a
# base; they see the declarative base it extends (the platform's models subclass ``Model``).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTCDateTime column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TenantScoped:
    """Mixin for every tenant-owned table: ``tenant_id NOT NULL``.

    The tenancy safety net (``appraisal.platform.tenancy``) adds
    ``tenant_id = <current tenant>`` to every SELECT, UPDATE and DELETE on these
    models and stamps new rows at flush.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("tenants.id"), nullable=False)


@contextmanager
def one_transaction():
    """Run a block whose code commits as it goes (ballots, computations) as ONE
    transaction: inside, ``db.session`` is bound to a connection whose outer
    transaction is committed when the block ends and rolled back when it
    raises (or the process dies), each inner ``commit()`` only releasing a
    savepoint. For loaders that must be all-or-nothing (``flask demo load``).
    Objects stay loaded after the block (nothing expires on commit)."""
    connection = db.engine.connect()
    sqlite = connection.dialect.name == "sqlite"
    raw: Any = connection.connection.driver_connection  # the DB-API connection (sqlite3's has isolation_level)
    if sqlite:  # pysqlite would let the first SAVEPOINT open (and RELEASE commit) the transaction
        previous_level = raw.isolation_level
        raw.isolation_level = None
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    previous = db.session.registry() if db.session.registry.has() else None
    db.session.registry.set(session)  # type: ignore[arg-type]  # a plain Session bound to the one connection
    try:
        yield session
        session.commit()
        outer.commit()
    except BaseException:
        session.rollback()
        outer.rollback()
        raise
    finally:
        session.close()
        if previous is not None:
            db.session.registry.set(previous)
        else:
            db.session.registry.clear()
        if sqlite:
            raw.isolation_level = previous_level
        connection.close()
