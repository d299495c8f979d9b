"""Who may do what: the one place that decides.

Every tenant endpoint declares the action it needs with :func:`requires` (or
:func:`public`); a test walks ``app.url_map`` to prove it. Views that act on
one object declare it, ``@requires(action, load=Model)``: the object is looked
up with ``tenancy.get_or_404`` (another tenant's object is a 404), judged by
:func:`authorize` (a wrong role is a 403) and handed to the view. Views that
must load more than one object first say ``per_object=True`` and do both
themselves.

Scopes come from role grants on the org tree: a grant on unit X covers every
object whose ``unit_path`` contains ``/X/``. A population a unit runs for its
own staff is scored by that unit: score cells and claims also expose the
owning unit's path as ``owner_path`` (empty for the office's populations).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import abort, current_app, g
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, true

from appraisal.platform.models import Role
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.token_scopes import token_allows

Rule = Callable[[Any, Any], bool]

# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------


def _is_tenant_user(user) -> bool:
    return bool(user and user.is_authenticated and not getattr(user, "is_operator", False))


def grants_of(user, *roles: Role) -> list:
    if not _is_tenant_user(user):
        return []
    return [grant for grant in user.grants if grant.role in roles]


def has_role(user, *roles: Role) -> bool:
    return bool(grants_of(user, *roles))


def _path_of(obj) -> str:
    return getattr(obj, "unit_path", "") or ""


def _covers(user, path: str, roles: Iterable[Role]) -> bool:
    return bool(path) and any(
        grant.org_unit_id is not None and f"/{grant.org_unit_id}/" in path for grant in grants_of(user, *roles)
    )


def in_scope(user, obj, *roles: Role) -> bool:
    """Does one of the user's grants of these roles cover the object's unit?"""
    return _covers(user, _path_of(obj), roles)


def owns(user, obj, *roles: Role) -> bool:
    """Does one of the user's grants of these roles cover the unit that runs the
    object's population (``owner_path``)? Never for the office's populations, so
    a unit admin does not score their own unit among the departments."""
    return _covers(user, getattr(obj, "owner_path", "") or "", roles)


def _is_self(user, obj) -> bool:
    return _is_tenant_user(user) and getattr(obj, "user_id", None) == user.id


def _office(user, obj=None) -> bool:
    return has_role(user, Role.OFFICE_ADMIN)


def _any_tenant_user(user, obj=None) -> bool:
    return _is_tenant_user(user)


def _scoped(*roles: Role, everywhere: Iterable[Role] = (), self_ok: bool = False) -> Rule:
    """Office admin always; ``everywhere`` roles on any object; ``roles`` inside
    their subtree; optionally the person themself. With no object: whether the
    user holds any of those roles at all (may they open the list?)."""
    everywhere = tuple(everywhere)

    def rule(user, obj=None) -> bool:
        if has_role(user, Role.OFFICE_ADMIN) or has_role(user, *everywhere):
            return True
        if obj is None:
            return has_role(user, *roles) or (self_ok and _is_tenant_user(user))
        return in_scope(user, obj, *roles) or (self_ok and _is_self(user, obj))

    return rule


def _assessor_of(user, obj) -> bool:
    """The user holds an assessor grant on the department that assesses ``obj``
    (an object exposing ``assessor_unit_id``: a score cell, a claim's rule)."""
    unit_id = getattr(obj, "assessor_unit_id", None)
    return unit_id is not None and any(g.org_unit_id == unit_id for g in grants_of(user, Role.ASSESSOR))


def _assessing(*scoped_roles: Role, owners: Iterable[Role] = (), not_self: bool = False) -> Rule:
    """Office always; assessors on what their department assesses; ``scoped_roles``
    inside their subtree; ``owners`` on every cell of the populations their unit
    runs (its own staff). With no object: holds any of those roles. ``not_self``:
    nobody, the office included, decides their own score or adjustment."""
    owners = tuple(owners)

    def rule(user, obj=None) -> bool:
        if not_self and obj is not None and _is_self(user, obj):
            return False
        if has_role(user, Role.OFFICE_ADMIN):
            return True
        if obj is None:
            return has_role(user, Role.ASSESSOR, *scoped_roles, *owners)
        return _assessor_of(user, obj) or in_scope(user, obj, *scoped_roles) or owns(user, obj, *owners)

    return rule


def _own_notification(user, obj=None) -> bool:
    """Notifications: a user's own only (the inbox lists only theirs)."""
    return _is_tenant_user(user) and (obj is None or _is_self(user, obj))


def _results_view(user, obj=None) -> bool:
    """Results (``obj`` exposes ``published`` and ``unit_path``): the office always,
    everyone once published, a unit admin for the populations their unit runs."""
    if has_role(user, Role.OFFICE_ADMIN):
        return True
    if obj is None:
        return _is_tenant_user(user)
    return bool(getattr(obj, "published", False)) or in_scope(user, obj, Role.UNIT_ADMIN)


# ---------------------------------------------------------------------------
# The rules
#
# Objects are judged by what they expose: ``unit_path`` (the unit they belong
# to, for subtree scopes), ``user_id`` (the person themself),
# ``assessor_unit_id`` (the department that assesses them) and ``owner_path``
# (the unit that runs their population, for its own staff).
# ---------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    # every signed-in user of the tenant
    "tenant.view": _any_tenant_user,
    "profile.self": _any_tenant_user,
    # the appraisal office
    "tenant.admin": _office,
    "users.manage": _office,
    "audit.view": _office,
    # the org tree: assessors score every unit, so they see the whole tree
    "org.view": _scoped(Role.SECTOR_LEAD, Role.UNIT_ADMIN, everywhere=(Role.ASSESSOR,)),
    "org.edit": _scoped(Role.UNIT_ADMIN),
    "people.view": _scoped(Role.SECTOR_LEAD, Role.UNIT_ADMIN, everywhere=(Role.ASSESSOR,), self_ok=True),
    "people.edit": _scoped(Role.UNIT_ADMIN),
    "roster.import": _scoped(Role.UNIT_ADMIN),
    # schemes: the rules everyone is appraised by are open to everyone in the tenant;
    # the office manages its own, a unit admin their unit's staff schemes
    "schemes.view": _any_tenant_user,
    "schemes.manage": _office,
    "schemes.unit_manage": _scoped(Role.UNIT_ADMIN),
    # cycles: everyone sees the cycle they take part in; the office runs it
    "cycles.view": _any_tenant_user,
    "cycles.manage": _office,
    # responsibility letters: the unit drafts, its sector group reviews
    "letters.view": _scoped(Role.SECTOR_LEAD, Role.UNIT_ADMIN, everywhere=(Role.ASSESSOR,)),
    "letters.edit": _scoped(Role.UNIT_ADMIN),
    "letters.review": _scoped(Role.SECTOR_LEAD),
    # scores: assessors on their indicators for every unit, sector leads on their
    # departments' business items, a unit admin on everything of the populations
    # their unit runs for its own staff (never their unit among the departments)
    "scores.view": _assessing(Role.SECTOR_LEAD, owners=(Role.UNIT_ADMIN,)),
    "scores.enter": _assessing(Role.SECTOR_LEAD, owners=(Role.UNIT_ADMIN,), not_self=True),
    # adjustments and vetoes
    "claims.view": _scoped(Role.SECTOR_LEAD, Role.UNIT_ADMIN, everywhere=(Role.ASSESSOR,), self_ok=True),
    "claims.create": _scoped(Role.UNIT_ADMIN, self_ok=True),
    "claims.verify": _assessing(owners=(Role.UNIT_ADMIN,), not_self=True),
    "penalties.record": _assessing(owners=(Role.UNIT_ADMIN,), not_self=True),
    "vetoes.record": _office,
    "vetoes.view": _scoped(Role.SECTOR_LEAD, Role.UNIT_ADMIN, everywhere=(Role.ASSESSOR,), self_ok=True),
    # self-reports: written by the appraisee (a unit's by its admin), read by those who score
    "self_report.edit": _scoped(Role.UNIT_ADMIN, self_ok=True),
    "self_report.view": _scoped(Role.SECTOR_LEAD, Role.UNIT_ADMIN, everywhere=(Role.ASSESSOR,), self_ok=True),
    # democratic evaluation: the office (or a unit admin for their staff) runs it;
    # eligibility to vote is the ballot service's to check
    "ballots.manage": _scoped(Role.UNIT_ADMIN),
    "ballots.vote": _any_tenant_user,
    # results: the office always; everyone in the tenant once published; a unit admin
    # for the populations their unit runs (its own staff)
    "results.view": _results_view,
    "results.compute": _scoped(Role.UNIT_ADMIN),
    "results.publish": _office,
    "results.decide_ties": _office,  # 并列待定: the office records who is placed
    # appeals: the appraisee (a unit's by its admin) files, the office answers
    "appeals.file": _scoped(Role.UNIT_ADMIN, self_ok=True),
    "appeals.view": _scoped(Role.UNIT_ADMIN, self_ok=True),
    "appeals.answer": _office,
    # --- notifications (platform/notifications): a user's own inbox; the office's settings and log
    "notifications.own": _own_notification,
    "notifications.manage": _office,
    # 催办: the office, or a sector lead for the units of its group
    "notifications.urge": _scoped(Role.SECTOR_LEAD),
    # --- end notifications
}

PUBLIC = "public"

# ---------------------------------------------------------------------------
# Subjects: what the rules judge in place of a model instance
# ---------------------------------------------------------------------------

_SUBJECTS: dict[type, Callable[[Any], Any]] = {}


def register_subject(model: type, subject: Callable[[Any], Any]) -> None:
    """Judge instances of ``model`` as ``subject(instance)``: an object exposing
    what the rules read (``unit_path``, ``user_id``, ``assessor_unit_id``,
    ``owner_path``). A feature registers its models' subjects when it is
    imported, so its models hold only columns and relationships (a score is
    judged as the cell it fills, an evidence file as its owner)."""
    _SUBJECTS[model] = subject


def subject_of(obj: Any) -> Any:
    """What the rules judge for ``obj``: its registered subject (followed while
    the subject is itself a registered model, as a file's owner is), else
    ``obj`` itself."""
    for _hop in range(4):
        subject = _SUBJECTS.get(type(obj))
        if subject is None:
            return obj
        obj = subject(obj)
    return obj


def can(user, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (to ``obj``, when given)?"""
    try:
        rule = RULES[action]
    except KeyError:
        raise KeyError(f"unknown permission {action!r}") from None
    if not _is_tenant_user(user) or not user.is_active:
        return False
    subject = subject_of(obj) if obj is not None else None
    if not token_allows(action, subject):  # an API token's scope narrows the rules
        return False
    return bool(rule(user, subject))


def authorize(action: str, obj: Any = None) -> None:
    """Abort with 403 unless the current user may do ``action`` (to ``obj``)."""
    if not can(current_user, action, obj):
        abort(403)
    if obj is not None:  # the object-level decision the endpoint promised
        g._authz_pending = None


def scope_clause(user, action: str, path_column) -> ColumnElement[bool]:
    """A SQL condition for lists: the rows ``action`` covers, by unit path.

    Mirrors the rule's subtree logic so that lists are filtered in the
    database, not row by row in Python.
    """
    if not can(user, action):
        return false()
    rule = RULES[action]
    if rule(user, _Everything()):
        return true()
    roles = [Role.SECTOR_LEAD, Role.UNIT_ADMIN, Role.ASSESSOR]
    unit_ids = {grant.org_unit_id for grant in grants_of(user, *roles) if grant.org_unit_id}
    allowed = [uid for uid in unit_ids if rule(user, _PathProbe(uid))]
    if not allowed:
        return false()
    return or_(*(path_column.contains(f"/{uid}/") for uid in sorted(allowed)))


class _Everything:
    """A probe object outside every subtree: passes only unscoped rules."""

    unit_path = "/"
    user_id = None


class _PathProbe:
    def __init__(self, unit_id: int) -> None:
        self.unit_path = f"/{unit_id}/"
        self.user_id = None


# ---------------------------------------------------------------------------
# Declaring what an endpoint needs
# ---------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def requires(
    action: str,
    *,
    per_object: bool = False,
    load: type | None = None,
    arg: str | None = None,
    into: str | None = None,
    subject: Callable[[Any], Any] | None = None,
):
    """Declare (and check) the permission an endpoint needs.

    ``per_object=False``: checked here, before the view runs.
    ``per_object=True``: the view loads its object (404 for another tenant's)
    and calls ``authorize(action, obj)``; a view that forgets is an error.
    ``load=Model``: done here instead (the route is per-object): the id in the
    URL argument ``arg`` is looked up with ``tenancy.get_or_404`` (another
    tenant's, a non-numeric or an out-of-range id is a 404), authorised (a wrong
    role is a 403), and handed to the view in place of the id, as the keyword
    ``into``. Defaults: ``arg`` is ``<model in snake_case>_id`` if the URL has
    it, else the URL's only ``*_id`` argument; ``into`` is ``arg`` without
    ``_id`` (``<int:unit_id>`` with ``load=OrgUnit`` gives ``unit``).
    ``subject=fn``: the rule judges ``fn(obj)`` instead of the object (a
    result judged as "published or not, and whose"); the view still gets ``obj``::

        @bp.route("/<int:user_id>")
        @requires("users.manage", load=User)
        def edit(user): ...
    """
    if action not in RULES:
        raise KeyError(f"unknown permission {action!r}")
    if load is None and (arg or into or subject):
        raise TypeError("requires(): arg=, into= and subject= need load=")
    per_object = per_object or load is not None
    default_arg = f"{_snake(load.__name__)}_id" if load is not None else ""

    def _id_arg(view, kwargs) -> str:
        if arg:
            found = arg
        elif default_arg in kwargs:
            found = default_arg
        else:  # the one id in the URL (``<unit_id>`` for an OrgUnit)
            ids = [k for k in kwargs if k.endswith("_id")]
            found = ids[0] if len(ids) == 1 else ""
        if found not in kwargs:
            raise RuntimeError(
                f"{view.__name__}: requires(load={getattr(load, '__name__', load)}) cannot tell which URL "
                f"argument holds its id ({sorted(kwargs)}); name it with arg="
            )
        return found

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or getattr(current_user, "is_operator", False):
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]  # set by Flask-Login
            if load is not None:
                id_arg = _id_arg(view, kwargs)
                obj: Any = get_or_404(load, kwargs.pop(id_arg))
                authorize(action, obj if subject is None else subject(obj))
                kwargs[into or id_arg.removesuffix("_id")] = obj
                return view(*args, **kwargs)
            if per_object:
                g._authz_pending = action
            else:
                authorize(action)
            response = view(*args, **kwargs)
            if g.get("_authz_pending"):
                raise RuntimeError(f"{view.__name__} did not authorize {action!r} on its object")
            return response

        wrapped.permission = action  # type: ignore[attr-defined]
        wrapped.per_object = per_object  # type: ignore[attr-defined]
        wrapped.loads = load  # type: ignore[attr-defined]
        return wrapped

    return decorator


def actor_id() -> int | None:
    """The id of the signed-in tenant user, for ``created_by_id`` and the like
    (``None`` for nobody, a job or a platform operator)."""
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    return None if user is None or getattr(user, "is_operator", False) else user.id


def public(view):
    """Declare an endpoint open to anyone (login pages, health checks)."""
    view.permission = PUBLIC
    return view
