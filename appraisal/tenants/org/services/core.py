"""Org tree operations (reading the tree, changing units) and what the org
services share (field limits, :class:`OrgError`); people are in :mod:`.people`.
Together the only place that writes them.

Every operation validates first and changes nothing when it refuses (it raises
:class:`OrgError` with a user-facing reason, in the reader's language), records one audit entry
with the values before and after, and flushes; the request commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.platform.refusals import Refusal
from appraisal.tenants.org.models import (
    OrgUnit,
    Person,
    UnitKind,
)

MAX_CODE = 32
MAX_UNIT_NAME = 200
MAX_STAFF_NO = 32
MAX_PERSON_NAME = 100
MAX_POSITION = 100

_UNSET = object()


class OrgError(Refusal):
    """A clear, user-facing reason why an org change was refused."""


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def unit_names(unit_ids) -> dict[int, str]:
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())


def unit_labels(unit_ids) -> dict[int, str]:
    """Names for lists: a section is shown with its department ("市财政局 预算科")."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids))))
    parents = unit_names(u.parent_id for u in units if u.kind == UnitKind.SECTION and u.parent_id)
    return {u.id: f"{parents[u.parent_id]} {u.name}" if u.parent_id in parents else u.name for u in units}


def unit_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def person_by_staff_no(staff_no: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.staff_no == staff_no))


def person_of_user(user_id: int) -> Person | None:
    return db.session.scalar(select(Person).where(Person.user_id == user_id))


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The units above ``unit``, root first (one query)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def in_tree_order(units: Iterable[OrgUnit]) -> list[tuple[OrgUnit, int]]:
    """``units`` depth-first in display order, with their depth among them.

    Units whose parent is not in the list are roots (e.g. a unit admin's unit).
    """
    units = list(units)
    ids = {u.id for u in units}
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id if unit.parent_id in ids else None].append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.sort_order, u.code))
    ordered: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, ()):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def people_counts(*, active_only: bool = True) -> dict[int, int]:
    """Number of people per unit (direct members), one grouped query."""
    stmt = select(Person.unit_id, func.count()).group_by(Person.unit_id)
    if active_only:
        stmt = stmt.where(Person.active.is_(True))
    return dict(db.session.execute(stmt).all())


def subtree_totals(units: Iterable[OrgUnit], direct: dict[int, int]) -> dict[int, int]:
    """People in each unit's whole subtree, from the direct counts and the paths."""
    totals: dict[int, int] = defaultdict(int)
    for unit in units:
        count = direct.get(unit.id, 0)
        if not count:
            continue
        for part in unit.path.strip("/").split("/"):
            if part:
                totals[int(part)] += count
    return totals


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------


def _path_for(unit: OrgUnit) -> str:
    parent_path = unit.parent.path if unit.parent is not None else "/"
    return f"{parent_path}{unit.id}/"


def _check_unit_fields(code: str, name: str) -> None:
    if not code:
        raise OrgError(_("单位编码不能为空"))
    if len(code) > MAX_CODE:
        raise OrgError(_("单位编码不能超过 %(n)s 个字符", n=MAX_CODE))
    if not name:
        raise OrgError(_("单位名称不能为空"))
    if len(name) > MAX_UNIT_NAME:
        raise OrgError(_("单位名称不能超过 %(n)s 个字符", n=MAX_UNIT_NAME))


def create_unit(
    *, code: str, name: str, kind: UnitKind | str, parent: OrgUnit | None = None, sort_order: int = 0
) -> OrgUnit:
    code, name = code.strip(), name.strip()
    _check_unit_fields(code, name)
    if unit_by_code(code) is not None:
        raise OrgError(_("单位编码 %(code)s 已存在", code=code))
    if parent is not None and not parent.active:
        raise OrgError(_("上级单位“%(name)s”已停用", name=parent.name))
    unit = OrgUnit(code=code, name=name, kind=UnitKind(kind), parent=parent, sort_order=sort_order or 0)
    db.session.add(unit)
    db.session.flush()
    unit.path = _path_for(unit)
    audit.record("org.unit.create", unit, after=audit.snapshot(unit), label=unit.name)
    return unit


def check_move(unit: OrgUnit, new_parent: OrgUnit | None) -> None:
    """Refuse a move that would put ``unit`` inside its own subtree."""
    if new_parent is None:
        return
    if new_parent.id == unit.id or f"/{unit.id}/" in (new_parent.path or ""):
        raise OrgError(_("不能把“%(name)s”移到它自己或它的下级单位之下", name=unit.name))
    if not new_parent.active:
        raise OrgError(_("上级单位“%(name)s”已停用", name=new_parent.name))


def update_unit(
    unit: OrgUnit,
    *,
    code: str | None = None,
    name: str | None = None,
    kind: UnitKind | str | None = None,
    parent=_UNSET,
    sort_order: int | None = None,
) -> bool:
    """Change a unit; a new ``parent`` moves it with its whole subtree.

    Returns whether anything changed (nothing changed → no audit entry).
    """
    new_code = unit.code if code is None else code.strip()
    new_name = unit.name if name is None else name.strip()
    _check_unit_fields(new_code, new_name)
    if new_code != unit.code:
        other = unit_by_code(new_code)
        if other is not None and other.id != unit.id:
            raise OrgError(_("单位编码 %(code)s 已存在", code=new_code))
    moving = parent is not _UNSET and (parent.id if parent else None) != unit.parent_id
    if moving:
        check_move(unit, parent)

    before = audit.snapshot(unit)
    unit.code, unit.name = new_code, new_name
    if kind is not None:
        unit.kind = UnitKind(kind)
    if sort_order is not None:
        unit.sort_order = sort_order
    rewritten = 0
    if moving:
        rewritten = _move(unit, parent)
    db.session.flush()
    changed_before, changed_after = audit.diff(before, audit.snapshot(unit))
    if not changed_after:
        return False
    if rewritten:
        changed_after["subtree_paths_rewritten"] = rewritten
    audit.record(
        "org.unit.move" if moving else "org.unit.update",
        unit,
        before=changed_before,
        after=changed_after,
        label=unit.name,
    )
    return True


def _move(unit: OrgUnit, new_parent: OrgUnit | None) -> int:
    """Re-parent ``unit`` and rewrite the path of every unit below it."""
    old_path = unit.path
    unit.parent = new_parent
    unit.parent_id = new_parent.id if new_parent is not None else None
    new_path = f"{new_parent.path if new_parent is not None else '/'}{unit.id}/"
    descendants = list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.path.startswith(old_path, autoescape=True), OrgUnit.id != unit.id)
        )
    )
    unit.path = new_path
    for below in descendants:
        below.path = new_path + below.path[len(old_path) :]
    return len(descendants)


def record_active(obj: OrgUnit | Person, active: bool, actions: tuple[str, str], label: str) -> None:
    """Set ``obj.active`` and audit the change as ``actions`` = (activate, deactivate)."""
    obj.active = active
    db.session.flush()
    audit.record(
        actions[0] if active else actions[1], obj, before={"active": not active}, after={"active": active}, label=label
    )


def set_unit_active(unit: OrgUnit, active: bool) -> bool:
    """Deactivate (never delete) a unit, or activate it again."""
    if unit.active == active:
        return False
    if not active:
        live_children = db.session.scalar(
            select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.active.is_(True))
        )
        live_people = db.session.scalar(
            select(func.count()).select_from(Person).where(Person.unit_id == unit.id, Person.active.is_(True))
        )
        if live_children or live_people:
            raise OrgError(
                _(
                    "“%(name)s”下还有 %(units)s 个在用的下级单位、%(people)s 名在职人员，请先停用或调出后再停用本单位",
                    name=unit.name,
                    units=live_children,
                    people=live_people,
                )
            )
    elif unit.parent is not None and not unit.parent.active:
        raise OrgError(_("上级单位“%(name)s”已停用，请先启用上级单位", name=unit.parent.name))
    record_active(unit, active, ("org.unit.activate", "org.unit.deactivate"), unit.name)
    return True
