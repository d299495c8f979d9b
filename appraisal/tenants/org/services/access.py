"""Where on the tree a user may act: helpers around ``platform.permissions``.

The permission rules look at an object's ``unit_path``. Creating a top-level
unit, or a unit that exists only in an import file, has no object yet, so the
checks use a :class:`Place` on the tree instead.
"""

from __future__ import annotations

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.permissions import can, scope_clause
from appraisal.tenants.org.models import OrgUnit


class Place:
    """A point of the tree for permission checks (``unit_path`` only)."""

    user_id = None

    def __init__(self, path: str) -> None:
        self.unit_path = path


#: Above every unit: only tenant-wide roles may create or move units here.
TOP_LEVEL = Place("/")


def parent_place(unit: OrgUnit):
    """What a structural change of ``unit`` (move, deactivate) needs rights on."""
    return unit.parent if unit.parent is not None else TOP_LEVEL


def can_restructure(user, unit: OrgUnit) -> bool:
    """Moving or deactivating a unit needs ``org.edit`` on its parent: a unit
    admin can restructure inside their unit, never their own unit itself."""
    return can(user, "org.edit", parent_place(unit))


def units_where(user, action: str, *, active_only: bool = True) -> list[OrgUnit]:
    """The units ``action`` covers for ``user``, filtered in SQL."""
    stmt = select(OrgUnit).where(scope_clause(user, action, OrgUnit.path))
    if active_only:
        stmt = stmt.where(OrgUnit.active.is_(True))
    return list(db.session.scalars(stmt))
