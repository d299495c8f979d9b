"""Roster import: units and people from one Excel workbook or CSV file.

Three steps, the first two without writing anything:

1. **read** the file into tables (:func:`read_tables`): an ``.xlsx`` workbook
   with a sheet "单位" (units) and/or "人员" (people), or a ``.csv`` holding one
   of them; the kind of each table is recognised by its sheet name or headers;
2. **check** the whole file (:func:`plan_import`) against what the database
   holds (loaded once, no per-row queries) and the importer's rights, collecting
   *every* problem as an :class:`Issue` (sheet, Excel row, column, reason);
3. **apply** the plan (:func:`apply_plan`) in the request's transaction:
   upsert units by code and people by staff number. Rows equal to what is
   stored are left alone, so importing the same file twice changes nothing —
   no writes, no audit entries.

A column that is missing from the file is left as it is for existing rows
(e.g. a file without 排序 keeps every sort order); a column that is present
but blank sets the empty value (blank 领导职务 = 无, blank 排序 = 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha256

from flask_babel import gettext as _

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person
from appraisal.tenants.org.services import labels
from appraisal.tenants.org.services.roster_check import OFFICE_ONLY_KINDS, Plan, plan_import
from appraisal.tenants.org.services.roster_file import PEOPLE, UNITS, Issue, RosterInvalid, column_spec, read_tables

__all__ = [
    "OFFICE_ONLY_KINDS",
    "ImportResult",
    "Issue",
    "Preview",
    "RosterInvalid",
    "RowChange",
    "apply_plan",
    "check_roster",
    "import_roster",
    "plan_import",
    "preview_plan",
    "read_tables",
]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportResult:
    units: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)  # (sheet, header)

    @property
    def changed(self) -> bool:
        return bool(self.units.created or self.units.updated or self.people.created or self.people.updated)


_UNIT_FIELDS = ("name", "kind", "sort_order")
_PERSON_FIELDS = ("name", "category", "position", "leader_role", "sort_order")


def apply_plan(plan: Plan, *, filename: str = "") -> ImportResult:
    result = ImportResult(ignored_columns=plan.ignored_columns)
    by_code = dict(plan.units_by_code)
    units_by_id = {u.id: u for u in by_code.values()}
    before: dict[int, dict] = {}
    created_units: list[OrgUnit] = []
    touched_units: list[OrgUnit] = []

    # units: create or change the fields, then the parents (all rows exist by then)
    for row in plan.units:
        values, unit = row.values, row.existing
        if unit is None:
            unit = OrgUnit(
                code=values["code"],
                name=values["name"],
                kind=values["kind"],
                sort_order=values.get("sort_order", 0),
                active=True,
                path="",
            )
            db.session.add(unit)
            by_code[unit.code] = unit
            created_units.append(unit)
            continue
        changes = {k: values[k] for k in _UNIT_FIELDS if k in values and getattr(unit, k) != values[k]}
        if not unit.active:
            changes["active"] = True
        new_parent = values.get("parent_code", _current_parent_code(unit, units_by_id)) or None
        if new_parent != _current_parent_code(unit, units_by_id):
            changes["parent_id"] = new_parent  # resolved below
        if changes:
            before[id(unit)] = audit.snapshot(unit)
            for key, value in changes.items():
                if key != "parent_id":
                    setattr(unit, key, value)
            touched_units.append(unit)
        else:
            result.units.unchanged += 1
    for row in plan.units:
        unit = by_code[row.values["code"]]
        if row.existing is None or id(unit) in before:
            parent_code = (
                row.values.get("parent_code")
                if row.existing is None
                else (row.values.get("parent_code", _current_parent_code(unit, units_by_id)))
            )
            unit.parent = by_code[parent_code] if parent_code else None
    if created_units or touched_units:
        db.session.flush()
        _rewrite_paths(by_code.values())
        db.session.flush()

    # people
    created_people: list[Person] = []
    touched_people: list[Person] = []
    for row in plan.people:
        values, person = row.values, row.existing
        unit = by_code[values["unit_code"]]
        if person is None:
            person = Person(
                staff_no=values["staff_no"],
                name=values["name"],
                unit=unit,
                category=values["category"],
                position=values.get("position", ""),
                leader_role=values.get("leader_role", LeaderRole.NONE),
                sort_order=values.get("sort_order", 0),
                active=True,
            )
            db.session.add(person)
            created_people.append(person)
            continue
        changes = {k: values[k] for k in _PERSON_FIELDS if k in values and getattr(person, k) != values[k]}
        if person.unit_id != unit.id:
            changes["unit_id"] = unit.id
        if not person.active:
            changes["active"] = True
        if changes:
            before[id(person)] = audit.snapshot(person)
            for key, value in changes.items():
                setattr(person, key, value)
            if "unit_id" in changes:
                person.unit = unit
            touched_people.append(person)
        else:
            result.people.unchanged += 1
    if created_people or touched_people:
        db.session.flush()

    # the audit trail: one entry per created or changed row
    for unit in created_units:
        audit.record("org.unit.create", unit, object_id=unit.id, after=audit.snapshot(unit), label=unit.name)
    for unit in touched_units:
        old, new = audit.diff(before[id(unit)], audit.snapshot(unit))
        if new:
            audit.record("org.unit.update", unit, object_id=unit.id, before=old, after=new, label=unit.name)
            result.units.updated += 1
        else:
            result.units.unchanged += 1
    for person in created_people:
        audit.record("org.person.create", person, object_id=person.id, after=audit.snapshot(person), label=person.name)
    for person in touched_people:
        old, new = audit.diff(before[id(person)], audit.snapshot(person))
        if new:
            audit.record("org.person.update", person, object_id=person.id, before=old, after=new, label=person.name)
            result.people.updated += 1
        else:
            result.people.unchanged += 1
    result.units.created = len(created_units)
    result.people.created = len(created_people)
    if result.changed:
        audit.record(
            "org.roster.import",
            object_type="Roster",
            label=filename[:300],
            after={"units": vars(result.units), "people": vars(result.people)},
        )
    return result


def _current_parent_code(unit: OrgUnit, units_by_id: dict[int, OrgUnit]) -> str | None:
    parent = units_by_id.get(unit.parent_id) if unit.parent_id is not None else None
    return parent.code if parent is not None else None


def _rewrite_paths(units: Iterable[OrgUnit]) -> None:
    """Recompute every path from the parents (moves rewrite whole subtrees)."""
    units = list(units)
    by_id = {u.id: u for u in units}
    paths: dict[int, str] = {}

    def path(unit: OrgUnit) -> str:
        if unit.id not in paths:
            parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
            paths[unit.id] = f"{path(parent) if parent is not None else '/'}{unit.id}/"
        return paths[unit.id]

    for unit in units:
        new = path(unit)
        if unit.path != new:
            unit.path = new


def import_roster(filename: str, data: bytes, user) -> ImportResult:
    """Read, check and apply; raises :class:`RosterInvalid` (nothing written)."""
    tables, issues = read_tables(filename, data)
    if issues:
        raise RosterInvalid(issues)
    plan = plan_import(tables, user)
    return apply_plan(plan, filename=filename)


# ---------------------------------------------------------------------------
# The preview: what an import would do, computed from the plan, nothing written
# ---------------------------------------------------------------------------


@dataclass
class RowChange:
    sheet: str
    row: int
    key: str  # the unit's code or the person's staff number
    name: str
    action: str  # "add", "change" or "same"
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (column, before, after)


@dataclass
class Preview:
    units: list[RowChange]
    people: list[RowChange]
    ignored_columns: list[tuple[str, str]]
    notes: list[str]

    def of(self, action: str) -> list[RowChange]:
        return [r for r in (*self.units, *self.people) if r.action == action]

    @property
    def changed(self) -> bool:
        return any(r.action != "same" for r in (*self.units, *self.people))

    def count(self, which: str, action: str) -> int:
        return sum(1 for r in getattr(self, which) if r.action == action)

    @property
    def fingerprint(self) -> str:
        """What the user saw: the rows to add and change with their before and after
        values. The confirmation recomputes it; a difference means the database
        changed in between, and the new preview is shown instead of writing."""
        text = repr([(r.sheet, r.row, r.key, r.action, r.fields) for r in (*self.units, *self.people)])
        return sha256(text.encode()).hexdigest()


def _shown(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if key == "kind":
        return labels.kind_label(value)
    if key == "category":
        return labels.category_label(value)
    if key == "leader_role":
        return labels.leader_label(value)
    return str(value)


def preview_plan(plan: Plan) -> Preview:
    """Each row of the file: added, changed (column, before, after) or the same —
    as :func:`apply_plan` would decide, without writing."""
    heads = {key: column_spec(UNITS, key).header for key in ("name", "kind", "sort_order", "parent_code")}
    person_heads = {
        key: column_spec(PEOPLE, key).header
        for key in ("name", "category", "position", "leader_role", "sort_order", "unit_code")
    }
    units_by_id = {u.id: u for u in plan.units_by_code.values()}
    state = _("状态")
    units = []
    for row in plan.units:
        values, unit = row.values, row.existing
        if unit is None:
            units.append(RowChange(row.sheet, row.row, values["code"], values["name"], "add"))
            continue
        fields = [
            (heads[k], _shown(k, getattr(unit, k)), _shown(k, values[k]))
            for k in _UNIT_FIELDS
            if k in values and getattr(unit, k) != values[k]
        ]
        old_parent = _current_parent_code(unit, units_by_id)
        new_parent = values.get("parent_code", old_parent) or None
        if new_parent != old_parent:
            fields.append((heads["parent_code"], _shown("", old_parent), _shown("", new_parent)))
        if not unit.active:
            fields.append((state, _("已停用"), _("启用")))
        units.append(RowChange(row.sheet, row.row, unit.code, unit.name, "change" if fields else "same", fields))
    people = []
    for row in plan.people:
        values, person = row.values, row.existing
        if person is None:
            people.append(RowChange(row.sheet, row.row, values["staff_no"], values["name"], "add"))
            continue
        fields = [
            (person_heads[k], _shown(k, getattr(person, k)), _shown(k, values[k]))
            for k in _PERSON_FIELDS
            if k in values and getattr(person, k) != values[k]
        ]
        old_unit = units_by_id.get(person.unit_id)
        old_code = old_unit.code if old_unit is not None else None
        if old_code != values["unit_code"]:
            fields.append((person_heads["unit_code"], _shown("", old_code), values["unit_code"]))
        if not person.active:
            fields.append((state, _("已停用"), _("启用")))
        people.append(
            RowChange(row.sheet, row.row, person.staff_no, person.name, "change" if fields else "same", fields)
        )
    return Preview(units, people, plan.ignored_columns, plan.notes)


def check_roster(filename: str, data: bytes, user) -> Plan:
    """Read and check, writing nothing; raises :class:`RosterInvalid`."""
    tables, issues = read_tables(filename, data)
    if issues:
        raise RosterInvalid(issues)
    return plan_import(tables, user)
