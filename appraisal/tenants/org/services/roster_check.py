"""Checking a whole roster file before anything is written.

Every row is checked against the vocabularies, the rest of the file and what
the database holds (loaded once: no per-row queries), and against the
importer's rights on the tree. Every problem is collected; :func:`plan_import`
raises :class:`RosterInvalid` with all of them, or returns the plan to apply.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.inputs import text_problem
from appraisal.platform.permissions import can
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person, UnitKind
from appraisal.tenants.org.services.access import TOP_LEVEL, Place
from appraisal.tenants.org.services.labels import (
    CATEGORY_VOCABULARY,
    LEADER_VOCABULARY,
    UNIT_KIND_VOCABULARY,
)
from appraisal.tenants.org.services.roster_file import (
    CODE_RE,
    COLUMNS,
    PEOPLE,
    UNITS,
    Issue,
    RosterInvalid,
    Table,
    column_spec,
)

#: Kinds only a tenant-wide org editor (the office) may give a unit.
OFFICE_ONLY_KINDS = frozenset({UnitKind.OFFICE, UnitKind.SECTOR_GROUP})


@dataclass
class UnitRow:
    sheet: str
    row: int
    values: dict[str, Any]  # only the columns present in the file
    existing: OrgUnit | None = None


@dataclass
class PersonRow:
    sheet: str
    row: int
    values: dict[str, Any]
    existing: Person | None = None


@dataclass
class Plan:
    units: list[UnitRow]
    people: list[PersonRow]
    units_by_code: dict[str, OrgUnit]
    ignored_columns: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)  # title rows skipped


class _Checker:
    def __init__(self, user) -> None:
        self.user = user
        self.issues: list[Issue] = []

    def add(self, table: Table, row: int | None, key: str, message: str, value: str = "") -> None:
        self.issues.append(Issue(table.sheet, row, table.header(key), message, value))


_CODE_KEYS = ("code", "parent_code", "unit_code", "staff_no")


def _parse_int(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not number.is_integer() or abs(number) > 99999:
        return None
    return int(number)


def _parse_rows(table: Table, check: _Checker) -> list[tuple[int, dict[str, Any], bool]]:
    """Each row's valid values, and whether the whole row is valid."""
    vocab: dict[str, tuple[dict, str]] = {
        # the file's words stay Chinese whatever the reader's language (see services/labels.py)
        "kind": (UNIT_KIND_VOCABULARY, _("类型应为：考核办、分口考核组、部门、区县、科室")),
        "category": (CATEGORY_VOCABULARY, _("类别应为：市管干部、县级干部、科级及以下、一般干部、见习人员、挂职干部")),
        "leader_role": (LEADER_VOCABULARY, _("领导职务应为：主要领导、副职、无（或留空）")),
    }
    missing = [c for c in COLUMNS[table.kind] if c.required and c.key not in table.columns]
    for column in missing:
        read = "、".join(h for h in table.headers if h)[:120] or _("（空）")
        check.add(
            table,
            table.header_row,
            column.key,
            _(
                "缺少必填列“%(column)s”：第 %(row)s 行被读作表头（%(headers)s），请确认表头在该行、列标题与模板一致",
                column=column.header,
                row=table.header_row,
                headers=read,
            ),
        )
    if missing:
        return []
    parsed = []
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        ok = True
        for key, (index, _header) in table.columns.items():
            column = column_spec(table.kind, key)
            text = cells[index] if index < len(cells) else ""
            if key in _CODE_KEYS:  # full-width letters and digits typed with a Chinese IME
                text = unicodedata.normalize("NFKC", text).strip()
            problem = text_problem(text, one_line=True)  # NUL, control characters, line breaks
            if problem is not None:
                pass
            elif not text:
                if column.required:
                    problem = _("必填项为空")
                else:
                    values[key] = {"sort_order": 0, "leader_role": LeaderRole.NONE}.get(key, "")
            elif column.max_length and len(text) > column.max_length:
                problem = _("不能超过 %(max)s 个字符（现有 %(n)s 个）", max=column.max_length, n=len(text))
            elif key in ("code", "parent_code", "unit_code", "staff_no") and not CODE_RE.match(text):
                problem = _("只能包含字母、数字和 - _ .")
            elif key in vocab:
                words, message = vocab[key]
                member = words.get(text.lower())
                if member is None:
                    problem = message
                else:
                    values[key] = member
            elif key == "sort_order":
                number_value = _parse_int(text)
                if number_value is None:
                    problem = _("排序应为 -99999 到 99999 之间的整数")
                else:
                    values[key] = number_value
            else:
                values[key] = text
            if problem is not None:
                check.add(table, number, key, str(problem), text.replace("\x00", "\\0"))
                ok = False
        parsed.append((number, values, ok))
    return parsed


def _no_parent(code: str) -> str:
    return _("上级编码 %(code)s 不存在（本文件和系统中都没有）", code=code)


def _no_unit(code: str) -> str:
    return _("单位编码 %(code)s 不存在（本文件和系统中都没有）", code=code)


def _duplicates(table: Table, rows, key: str, seen: dict, check: _Checker, what: str) -> list:
    """The valid rows whose ``key`` is not taken by an earlier row (valid or not)."""
    unique = []
    for number, values, ok in rows:
        value = values.get(key)
        if value is None:
            continue
        if value in seen:
            sheet, first = seen[value]
            if sheet == table.sheet:
                message = _("%(what)s %(value)s 与第 %(row)s 行重复", what=what, value=value, row=first)
            else:
                message = _(
                    "%(what)s %(value)s 与“%(sheet)s”表第 %(row)s 行重复",
                    what=what,
                    value=value,
                    sheet=sheet,
                    row=first,
                )
            check.add(table, number, key, message, value)
            continue
        seen[value] = (table.sheet, number)
        if ok:
            unique.append((number, values))
    return unique


def _load_people(staff_nos: list[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(staff_nos), 500):
        chunk = staff_nos[start : start + 500]
        for person in db.session.scalars(select(Person).where(Person.staff_no.in_(chunk))):
            found[person.staff_no] = person
    return found


_Rows = list[tuple[Table, int, dict]]


def _checked_rows(
    tables: list[Table], kind: str, key: str, what: str, check: _Checker
) -> tuple[_Rows, _Rows, dict[str, tuple[str, int]]]:
    """The ``kind`` tables' rows, parsed and checked: (valid rows whose ``key`` is not
    repeated, invalid rows, every ``key`` seen → (sheet, row) of its first row)."""
    seen: dict[str, tuple[str, int]] = {}
    valid: _Rows = []
    invalid: _Rows = []
    for table in (t for t in tables if t.kind == kind):
        parsed = _parse_rows(table, check)
        invalid.extend((table, n, v) for n, v, ok in parsed if not ok)
        valid.extend((table, n, v) for n, v in _duplicates(table, parsed, key, seen, check, what))
    return valid, invalid, seen


def plan_import(tables: list[Table], user) -> Plan:
    """Check everything; raise :class:`RosterInvalid` with every problem found."""
    check = _Checker(user)

    # -- fields, vocabularies, duplicates inside the file ------------------
    # invalid rows are kept aside too: their references are still checked
    unit_rows, invalid_units, seen_codes = _checked_rows(tables, UNITS, "code", _("单位编码"), check)
    person_rows, invalid_people, _seen_staff = _checked_rows(tables, PEOPLE, "staff_no", _("工号"), check)

    # -- what the database holds (once) -------------------------------------
    units_by_code = {u.code: u for u in db.session.scalars(select(OrgUnit))}
    units_by_id = {u.id: u for u in units_by_code.values()}
    people_by_no = _load_people(sorted({v["staff_no"] for _, _, v in person_rows}))

    # final parent of every code: the database's, overridden by the file
    file_units = {v["code"]: (t, n, v) for t, n, v in unit_rows}
    parent_of: dict[str, str | None] = {
        u.code: (units_by_id[u.parent_id].code if u.parent_id in units_by_id else None) for u in units_by_code.values()
    }
    for code, (_table, _number, values) in file_units.items():
        if "parent_code" in values:
            parent_of[code] = values["parent_code"] or None
        elif code not in units_by_code:
            parent_of[code] = None

    # -- parents exist, no cycles ------------------------------------------
    # a code on an invalid row exists as far as references go: that row has its own error
    known = set(parent_of) | set(seen_codes)
    for table, number, values in invalid_units:
        parent = values.get("parent_code")
        if parent and parent not in known:
            check.add(table, number, "parent_code", _no_parent(parent), parent)
    for table, number, values in invalid_people:
        unit_code = values.get("unit_code")
        if unit_code and unit_code not in known:
            check.add(table, number, "unit_code", _no_unit(unit_code), unit_code)
    broken: set[str] = set()
    for code, (table, number, _values) in file_units.items():
        parent = parent_of.get(code)
        if parent is None:
            continue
        if parent == code:
            check.add(table, number, "parent_code", _("上级编码不能是本单位自己"), parent)
            broken.add(code)
        elif parent not in parent_of:
            if parent not in known:
                check.add(table, number, "parent_code", _no_parent(parent), parent)
            broken.add(code)
    for code, (table, number, values) in file_units.items():
        if code in broken:
            continue
        chain, cursor = [code], parent_of.get(code)
        while cursor is not None and cursor not in chain:
            chain.append(cursor)
            cursor = parent_of.get(cursor)
        if cursor is not None and cursor in chain:
            if cursor == code:  # this unit is on the loop (units leading into it are not reported)
                check.add(
                    table,
                    number,
                    "parent_code",
                    _("上级关系形成循环：%(chain)s", chain=" → ".join(chain + [code])),
                    values.get("parent_code", ""),
                )
            broken.add(code)

    # -- rights: where each unit ends up, and where it was -------------------
    final_path = _final_paths(parent_of, units_by_code, broken)
    office_wide = can(user, "org.edit", TOP_LEVEL)
    plan_units: list[UnitRow] = []
    for code, (table, number, values) in file_units.items():
        existing = units_by_code.get(code)
        row = UnitRow(table.sheet, number, values, existing)
        plan_units.append(row)
        if code in broken:
            continue
        parent_unit = units_by_code.get(parent_of.get(code) or "")
        if parent_unit is not None and not parent_unit.active and parent_unit.code not in file_units:
            check.add(
                table,
                number,
                "parent_code",
                _("上级单位 %(code)s（%(name)s）已停用", code=parent_unit.code, name=parent_unit.name),
                parent_unit.code,
            )
            continue
        if office_wide:
            continue
        if existing is not None and not can(user, "org.edit", existing):
            check.add(table, number, "code", _("单位 %(code)s 不在您的管理范围内", code=code), code)
            continue
        parent = parent_of.get(code)
        moving = existing is None or parent != (
            units_by_id[existing.parent_id].code if existing.parent_id in units_by_id else None
        )
        if moving:
            target = Place(final_path[parent]) if parent else TOP_LEVEL
            old = Place(existing.path.rsplit("/", 2)[0] + "/") if existing is not None else target
            if not can(user, "org.edit", target):
                check.add(
                    table,
                    number,
                    "parent_code",
                    _("上级单位不在您的管理范围内") if parent else _("只有考核办可以设置顶级单位"),
                    parent or "",
                )
            elif existing is not None and not can(user, "org.edit", old):
                check.add(table, number, "parent_code", _("不能调整本单位的上级单位（请联系考核办）"), parent or "")
        kind = values.get("kind")
        if kind in OFFICE_ONLY_KINDS and (existing is None or existing.kind != kind):
            check.add(table, number, "kind", _("只有考核办可以设置此类型"), values.get("kind").value)

    plan_people: list[PersonRow] = []
    for table, number, values in person_rows:
        existing = people_by_no.get(values["staff_no"])
        plan_people.append(PersonRow(table.sheet, number, values, existing))
        unit_code = values["unit_code"]
        if unit_code not in parent_of:
            if unit_code not in known:
                check.add(table, number, "unit_code", _no_unit(unit_code), unit_code)
            continue
        unit = units_by_code.get(unit_code)
        if unit is not None and not unit.active and unit_code not in file_units:
            check.add(
                table,
                number,
                "unit_code",
                _("单位 %(code)s（%(name)s）已停用", code=unit_code, name=unit.name),
                unit_code,
            )
            continue
        if unit_code in broken:
            continue
        if not can(user, "people.edit", Place(final_path[unit_code])):
            check.add(table, number, "unit_code", _("单位 %(code)s 不在您的管理范围内", code=unit_code), unit_code)
        elif (
            existing is not None
            and existing.unit_id in units_by_id
            and not can(user, "people.edit", Place(units_by_id[existing.unit_id].path))
        ):
            check.add(table, number, "staff_no", _("该工号属于您管理范围以外的单位"), values["staff_no"])

    if check.issues:
        raise RosterInvalid(sorted(check.issues, key=_issue_order(tables)))
    ignored = [(t.sheet, h) for t in tables for h in t.ignored]
    return Plan(plan_units, plan_people, units_by_code, ignored, [n for t in tables for n in t.notes])


def _issue_order(tables: list[Table]) -> Callable[[Issue], tuple]:
    sheets = {t.sheet: i for i, t in enumerate(tables)}
    return lambda issue: (sheets.get(issue.sheet, -1), issue.row or 0)


def _final_paths(
    parent_of: dict[str, str | None], units_by_code: dict[str, OrgUnit], broken: set[str]
) -> dict[str, str]:
    """Each unit's path after the import; new units get placeholder ids."""
    paths: dict[str, str] = {}

    def path(code: str, depth: int = 0) -> str:
        if code in paths:
            return paths[code]
        parent = parent_of.get(code)
        unit = units_by_code.get(code)
        own = str(unit.id) if unit is not None else f"new:{code}"
        if depth > 1000 or code in broken or (parent is not None and parent not in parent_of):
            base = "/"
        else:
            base = path(parent, depth + 1) if parent is not None else "/"
        paths[code] = f"{base}{own}/"
        return paths[code]

    for code in parent_of:
        path(code)
    return paths
