"""Tenancy: which tenant a piece of work belongs to, and the safety net.

The tenant is resolved once per request from ``/t/<slug>/`` (see
``appraisal.platform.web``) and kept on ``flask.g``. CLI commands, jobs and
tests enter a tenant explicitly with :func:`tenant_scope`; platform-operator
code that must look across tenants says so with :func:`unscoped`.

The safety net is two SQLAlchemy session events:

* ``do_orm_execute`` adds ``tenant_id = <current>`` (``with_loader_criteria``)
  to every ORM SELECT, UPDATE and DELETE that touches a :class:`TenantScoped`
  model, including joins and relationship loads, and raises
  :class:`NoTenantContext` when there is no tenant and no explicit opt-out;
* ``before_flush`` stamps new rows with the current tenant and refuses rows
  (new or changed) that belong to another one.

It does not cover raw SQL (``text()``, ``pd.read_sql`` on an engine): such code
filters ``tenant_id`` explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import abort, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from appraisal.platform.db import TenantScoped, db
from appraisal.platform.inputs import bounded_int

T = TypeVar("T")

_UNSCOPED = "__unscoped__"


class NoTenantContext(RuntimeError):
    """A tenant-owned table was queried outside any tenant."""


class CrossTenantWrite(RuntimeError):
    """A row of one tenant was about to be written inside another tenant."""


# --------------------------------------------------------------------------
# The current tenant
# --------------------------------------------------------------------------


def _stack() -> list:
    if not has_app_context():
        return []
    if "_tenant_stack" not in g:
        g._tenant_stack = []
    return g._tenant_stack


def current_tenant_id() -> int | None:
    """The id of the tenant in force, or ``None`` (no tenant, or unscoped)."""
    stack = _stack()
    if not stack or stack[-1] == _UNSCOPED:
        return None
    return stack[-1]


def is_unscoped() -> bool:
    stack = _stack()
    return bool(stack) and stack[-1] == _UNSCOPED


def current_tenant():
    """The :class:`~appraisal.platform.models.Tenant` in force, or ``None``."""
    return g.get("tenant")


@contextmanager
def tenant_scope(tenant_or_id) -> Iterator[None]:
    """Run the block inside one tenant (CLI, jobs, tests)."""
    tenant_id = getattr(tenant_or_id, "id", tenant_or_id)
    if tenant_id is None:
        raise ValueError("tenant_scope needs a tenant with an id (flush it first)")
    stack = _stack()
    if not has_app_context():
        raise RuntimeError("tenant_scope needs an application context")
    stack.append(int(tenant_id))
    try:
        yield
    finally:
        stack.pop()


@contextmanager
def unscoped() -> Iterator[None]:
    """Explicit opt-out of the tenant filter: platform operator and migrations only."""
    stack = _stack()
    if not has_app_context():
        raise RuntimeError("unscoped needs an application context")
    stack.append(_UNSCOPED)
    try:
        yield
    finally:
        stack.pop()


def enter_request_tenant(tenant) -> None:
    """Called once per request by the URL preprocessor."""
    g.tenant = tenant
    _stack().append(tenant.id)


# --------------------------------------------------------------------------
# The one scoped lookup
# --------------------------------------------------------------------------


def get_or_404(model: type[T], ident) -> T:
    """The object of the current tenant with this id, or 404.

    Another tenant's object is indistinguishable from one that does not exist.
    """
    try:
        key = bounded_int(ident)  # an id no column can hold would make the database refuse: a 500
    except (TypeError, ValueError):
        abort(404)
    if key <= 0:
        abort(404)
    obj = db.session.get(model, key)
    if obj is None:
        abort(404)
    if issubclass(model, TenantScoped):
        tenant_id = current_tenant_id()
        if tenant_id is None or obj.tenant_id != tenant_id:  # type: ignore[attr-defined]
            abort(404)
    return obj


# --------------------------------------------------------------------------
# The safety net
# --------------------------------------------------------------------------


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    try:
        mappers = state.all_mappers
    except Exception:  # pragma: no cover - defensive: unusual statements
        return True
    return any(issubclass(m.class_, TenantScoped) for m in mappers)


def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("_tenant_filtered"):
        return
    if not has_app_context():
        if _touches_tenant_model(state):
            raise NoTenantContext("query on a tenant table outside an application context")
        return
    if is_unscoped():
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        if _touches_tenant_model(state):
            names = ", ".join(sorted(m.class_.__name__ for m in state.all_mappers))
            raise NoTenantContext(
                f"query on tenant-owned {names} without a tenant: "
                "use tenant_scope(...) or, for platform code, unscoped()"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            propagate_to_loaders=True,
        )
    )


def _stamp_new_rows(session: Session, flush_context, instances) -> None:
    if not has_app_context() or is_unscoped():
        return
    tenant_id = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise NoTenantContext(f"new {type(obj).__name__} without a tenant")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"new {type(obj).__name__} belongs to tenant {obj.tenant_id}, not the current tenant {tenant_id}"
            )
    for obj in session.dirty:
        if isinstance(obj, TenantScoped) and tenant_id is not None and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} of tenant {obj.tenant_id} changed inside tenant {tenant_id}")


def install_safety_net() -> None:
    """Register the session events once per process (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _scope_statement):
        event.listen(Session, "do_orm_execute", _scope_statement)
    if not event.contains(Session, "before_flush", _stamp_new_rows):
        event.listen(Session, "before_flush", _stamp_new_rows)
