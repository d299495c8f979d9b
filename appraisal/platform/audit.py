"""The audit log: append-only, one row per write made through a service.

Services call :func:`record` with the object, the action and the before/after
values (:func:`snapshot`). The application never updates or deletes an audit
row: the ORM refuses it here, and the database refuses it with triggers
(triggers created by the first migration).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, event, inspect
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from appraisal.platform.db import Model, TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.tenancy import current_tenant_id


class AuditEntry(TenantScoped, Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index(None, "tenant_id", "at"),
        Index(None, "tenant_id", "object_type", "object_id"),
        Index(None, "tenant_id", "actor_user_id", "at"),
        Index(None, "tenant_id", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    object_label: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class AuditLogIsAppendOnly(RuntimeError):
    pass


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj, *, exclude: tuple[str, ...] = ("password_hash",)) -> dict[str, Any]:
    """The column values of a mapped object, JSON-ready."""
    mapper = inspect(obj).mapper
    return {attr.key: _json_value(getattr(obj, attr.key)) for attr in mapper.column_attrs if attr.key not in exclude}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict, dict]:
    """Only the keys whose values changed, as (before, after)."""
    before, after = before or {}, after or {}
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {k: after.get(k) for k in keys if k in after}


def set_actor(label: str) -> None:
    """Name the actor for writes outside a login (CLI commands, jobs)."""
    g.audit_actor = label


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        if getattr(current_user, "is_operator", False):
            return None, f"platform:{current_user.email}"
        via = g.get("audit_via")  # an API token acting for its creator: the token's name too
        return current_user.id, current_user.display_name if via is None else f"{current_user.display_name}（{via}）"
    return None, g.get("audit_actor", "system")


def record(
    action: str,
    obj=None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    label: str | None = None,
) -> AuditEntry:
    """Append one audit row. ``before``/``after`` are snapshots (or parts of them)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None:
            db.session.flush()
            object_id = inspect(obj).identity[0] if inspect(obj).identity else None
    actor_id, actor_label = _actor()
    entry = AuditEntry(
        actor_user_id=actor_id,
        actor_label=actor_label[:200],
        action=action,
        object_type=object_type or "-",
        object_id=None if object_id is None else str(object_id),
        object_label=(label if label is not None else str(obj or ""))[:300],
        before=before,
        after=after,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    if obj is not None and isinstance(obj, TenantScoped) and obj.tenant_id is not None:
        entry.tenant_id = obj.tenant_id
    else:
        entry.tenant_id = current_tenant_id()
    db.session.add(entry)
    return entry


def _refuse_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries are never updated or deleted")


def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEntry for m in state.all_mappers):
        raise AuditLogIsAppendOnly("audit entries are never updated or deleted")


def install_guards() -> None:
    if not event.contains(Session, "before_flush", _refuse_changes):
        event.listen(Session, "before_flush", _refuse_changes)
    if not event.contains(Session, "do_orm_execute", _refuse_bulk_changes):
        event.listen(Session, "do_orm_execute", _refuse_bulk_changes)
