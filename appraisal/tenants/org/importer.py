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

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.platform.permissions import can
from appraisal.tenants.org import services
from appraisal.tenants.org.access import TOP_LEVEL, Place
from appraisal.tenants.org.labels import CATEGORY_VOCABULARY, LEADER_VOCABULARY, UNIT_KIND_VOCABULARY
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person, UnitKind

UNITS, PEOPLE = "units", "people"
SHEET_NAMES = {UNITS: "单位", PEOPLE: "人员"}
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
#: Kinds only a tenant-wide org editor (the office) may give a unit.
OFFICE_ONLY_KINDS = frozenset({UnitKind.OFFICE, UnitKind.SECTOR_GROUP})


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header the template writes
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    width: int = 14


UNIT_COLUMNS = (
    Column("code", "编码", ("单位编码", "code", "unit code", "unit_code"), True, services.MAX_CODE, 14),
    Column("name", "名称", ("单位名称", "name", "unit name"), True, services.MAX_UNIT_NAME, 30),
    Column("kind", "类型", ("单位类型", "kind", "type", "unit kind"), True, None, 14),
    Column("parent_code", "上级编码", ("上级单位编码", "上级单位", "parent", "parent code", "parent_code"),
           False, services.MAX_CODE, 14),
    Column("sort_order", "排序", ("排序号", "顺序", "sort", "sort order", "sort_order", "order"), False, None, 8),
)
PERSON_COLUMNS = (
    Column("staff_no", "工号", ("人员编号", "编号", "staff no", "staff_no", "staff number"), True,
           services.MAX_STAFF_NO, 14),
    Column("name", "姓名", ("name", "person name"), True, services.MAX_PERSON_NAME, 12),
    Column("unit_code", "单位编码", ("所在单位编码", "unit", "unit code", "unit_code"), True, services.MAX_CODE, 14),
    Column("category", "类别", ("人员类别", "category"), True, None, 14),
    Column("position", "职务", ("position", "title"), False, services.MAX_POSITION, 20),
    Column("leader_role", "领导职务", ("领导", "leader", "leader role", "leader_role"), False, None, 12),
    Column("sort_order", "排序", ("排序号", "顺序", "sort", "sort order", "sort_order", "order"), False, None, 8),
)
COLUMNS = {UNITS: UNIT_COLUMNS, PEOPLE: PERSON_COLUMNS}
_SHEET_ALIASES = {
    UNITS: {"单位", "单位表", "组织机构", "units", "unit", "org units"},
    PEOPLE: {"人员", "人员表", "人员名册", "名册", "people", "persons", "staff", "roster"},
}


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int | None  # as Excel shows it (header = 1); None: the file as a whole
    column: str
    message: str
    value: str = ""


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


class RosterInvalid(Exception):
    def __init__(self, issues: list[Issue]):
        super().__init__(f"{len(issues)} problems")
        self.issues = issues


# ---------------------------------------------------------------------------
# 1. Reading
# ---------------------------------------------------------------------------


@dataclass
class Table:
    kind: str  # UNITS or PEOPLE
    sheet: str  # what error messages call it
    columns: dict[str, tuple[int, str]]  # key -> (index, header as written)
    rows: list[tuple[int, list[str]]]  # (Excel row number, cell texts)
    ignored: list[str] = field(default_factory=list)
    header_row: int = 1

    def header(self, key: str) -> str:
        return self.columns[key][1] if key in self.columns else _column(self.kind, key).header


def _column(kind: str, key: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.key == key)


_SPACES = re.compile(r"[\s\u3000\ufeff\u200b]+")


def _norm(text: str) -> str:
    """Header/sheet-name comparison form: no spaces, no * marks, lower case."""
    text = _SPACES.sub("", text).replace("*", "").replace("＊", "")
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"\(.*?\)$", "", text).lower() or text.lower()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\ufeff", "").replace("\u200b", "").strip().strip("\u3000").strip()


def _match_columns(kind: str, headers: list[str]) -> tuple[dict[str, tuple[int, str]], list[str]]:
    lookup = {}
    for column in COLUMNS[kind]:
        for name in (column.header, *column.aliases):
            lookup[_norm(name)] = column.key
    found: dict[str, tuple[int, str]] = {}
    ignored = []
    for index, header in enumerate(headers):
        if not header:
            continue
        key = lookup.get(_norm(header))
        if key is None or key in found:
            ignored.append(header)
        else:
            found[key] = (index, header)
    return found, ignored


def _kind_of(sheet_name: str | None, headers: list[str]) -> str | None:
    if sheet_name is not None:
        name = _norm(sheet_name)
        for kind, names in _SHEET_ALIASES.items():
            if name in {_norm(n) for n in names}:
                return kind
    people, _ = _match_columns(PEOPLE, headers)
    if "staff_no" in people:
        return PEOPLE
    units, _ = _match_columns(UNITS, headers)
    if "code" in units and "kind" in units:
        return UNITS
    return None


def _table(sheet_name: str | None, rows: Iterable[tuple[int, list[Any]]]) -> Table | None:
    rows = iter(rows)
    for number, values in rows:
        texts = [cell_text(v) for v in values]
        if any(texts):
            header_row, headers = number, texts
            break
    else:
        return None
    kind = _kind_of(sheet_name, headers)
    if kind is None:
        return None
    columns, ignored = _match_columns(kind, headers)
    table = Table(kind=kind, sheet=sheet_name or SHEET_NAMES[kind], columns=columns, rows=[],
                  ignored=ignored, header_row=header_row)
    for number, values in rows:
        texts = [cell_text(v) for v in values]
        if any(texts):
            table.rows.append((number, texts))
    return table


def read_tables(filename: str, data: bytes) -> tuple[list[Table], list[Issue]]:
    """The roster tables in an uploaded file, or the reason it cannot be read."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        return _read_xlsx(data)
    if name.endswith(".xls"):
        return [], [Issue("-", None, "-", "不支持旧版 .xls 格式：请在 Excel 中“另存为” .xlsx 后再导入")]
    return [], [Issue("-", None, "-", "只支持 .xlsx 或 .csv 文件")]


def _read_xlsx(data: bytes) -> tuple[list[Table], list[Issue]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported Excel extensions, odd styles
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            tables = []
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()  # some producers write a wrong size
                rows = enumerate(sheet.iter_rows(values_only=True), start=1)
                table = _table(sheet.title, ((n, list(v)) for n, v in rows))
                if table is not None:
                    tables.append(table)
            workbook.close()
    except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
        return [], [Issue("-", None, "-", "无法读取该 Excel 文件：请确认是 .xlsx 格式且未加密、未损坏")]
    if not tables:
        return [], [Issue("-", None, "-", "文件中没有找到“单位”或“人员”工作表（或表头不符合模板）")]
    return tables, []


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("roster", data, 0, 1, "neither UTF-8 nor GBK")


def _read_csv(data: bytes) -> tuple[list[Table], list[Issue]]:
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        return [], [Issue("-", None, "-", "无法识别 CSV 文件的编码：请保存为 UTF-8 或 GBK 编码")]
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(n, row) for n, row in enumerate(reader, start=1)]
    except csv.Error:
        return [], [Issue("-", None, "-", "CSV 文件格式有误（引号不配对？）")]
    table = _table(None, rows)
    if table is None:
        return [], [Issue("-", None, "-",
                          "CSV 文件的表头不符合模板：单位表需要“编码、名称、类型”列，人员表需要“工号、姓名、单位编码、类别”列")]
    return [table], []


# ---------------------------------------------------------------------------
# 2. Checking
# ---------------------------------------------------------------------------


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


class _Checker:
    def __init__(self, user) -> None:
        self.user = user
        self.issues: list[Issue] = []

    def add(self, table: Table, row: int | None, key: str, message: str, value: str = "") -> None:
        self.issues.append(Issue(table.sheet, row, table.header(key), message, value))


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
        "kind": (UNIT_KIND_VOCABULARY, "类型应为：考核办、分口考核组、部门、区县、科室"),
        "category": (CATEGORY_VOCABULARY, "类别应为：市管干部、县级干部、科级及以下、一般干部、见习人员、挂职干部"),
        "leader_role": (LEADER_VOCABULARY, "领导职务应为：主要领导、副职、无（或留空）"),
    }
    missing = [c for c in COLUMNS[table.kind] if c.required and c.key not in table.columns]
    for column in missing:
        check.add(table, table.header_row, column.key, f"缺少必填列“{column.header}”")
    if missing:
        return []
    parsed = []
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        ok = True
        for key, (index, _header) in table.columns.items():
            column = _column(table.kind, key)
            text = cells[index] if index < len(cells) else ""
            problem = None
            if not text:
                if column.required:
                    problem = "必填项为空"
                else:
                    values[key] = {"sort_order": 0, "leader_role": LeaderRole.NONE}.get(key, "")
            elif column.max_length and len(text) > column.max_length:
                problem = f"不能超过 {column.max_length} 个字符（现有 {len(text)} 个）"
            elif key in ("code", "parent_code", "unit_code", "staff_no") and not CODE_RE.match(text):
                problem = "只能包含字母、数字和 - _ ."
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
                    problem = "排序应为 -99999 到 99999 之间的整数"
                else:
                    values[key] = number_value
            else:
                values[key] = text
            if problem is not None:
                check.add(table, number, key, problem, text)
                ok = False
        parsed.append((number, values, ok))
    return parsed


def _duplicates(table: Table, rows, key: str, seen: dict, check: _Checker, what: str) -> list:
    """The valid rows whose ``key`` is not taken by an earlier row (valid or not)."""
    unique = []
    for number, values, ok in rows:
        value = values.get(key)
        if value is None:
            continue
        if value in seen:
            sheet, first = seen[value]
            where = f"第 {first} 行" if sheet == table.sheet else f"“{sheet}”表第 {first} 行"
            check.add(table, number, key, f"{what} {value} 与{where}重复", value)
            continue
        seen[value] = (table.sheet, number)
        if ok:
            unique.append((number, values))
    return unique


def _load_people(staff_nos: list[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(staff_nos), 500):
        chunk = staff_nos[start:start + 500]
        for person in db.session.scalars(select(Person).where(Person.staff_no.in_(chunk))):
            found[person.staff_no] = person
    return found


def plan_import(tables: list[Table], user) -> Plan:
    """Check everything; raise :class:`RosterInvalid` with every problem found."""
    check = _Checker(user)
    unit_tables = [t for t in tables if t.kind == UNITS]
    people_tables = [t for t in tables if t.kind == PEOPLE]

    # -- fields, vocabularies, duplicates inside the file ------------------
    # invalid rows are kept aside too: their references are still checked
    seen_codes: dict[str, tuple[str, int]] = {}
    unit_rows: list[tuple[Table, int, dict]] = []
    invalid_units: list[tuple[Table, int, dict]] = []
    for table in unit_tables:
        parsed = _parse_rows(table, check)
        invalid_units.extend((table, n, v) for n, v, ok in parsed if not ok)
        rows = _duplicates(table, parsed, "code", seen_codes, check, "单位编码")
        unit_rows.extend((table, n, v) for n, v in rows)
    seen_staff: dict[str, tuple[str, int]] = {}
    person_rows: list[tuple[Table, int, dict]] = []
    invalid_people: list[tuple[Table, int, dict]] = []
    for table in people_tables:
        parsed = _parse_rows(table, check)
        invalid_people.extend((table, n, v) for n, v, ok in parsed if not ok)
        rows = _duplicates(table, parsed, "staff_no", seen_staff, check, "工号")
        person_rows.extend((table, n, v) for n, v in rows)

    # -- what the database holds (once) -------------------------------------
    units_by_code = {u.code: u for u in db.session.scalars(select(OrgUnit))}
    units_by_id = {u.id: u for u in units_by_code.values()}
    people_by_no = _load_people(sorted({v["staff_no"] for _, _, v in person_rows}))

    # final parent of every code: the database's, overridden by the file
    file_units = {v["code"]: (t, n, v) for t, n, v in unit_rows}
    parent_of: dict[str, str | None] = {
        u.code: (units_by_id[u.parent_id].code if u.parent_id in units_by_id else None)
        for u in units_by_code.values()
    }
    for code, (table, number, values) in file_units.items():
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
            check.add(table, number, "parent_code", f"上级编码 {parent} 不存在（本文件和系统中都没有）", parent)
    for table, number, values in invalid_people:
        unit_code = values.get("unit_code")
        if unit_code and unit_code not in known:
            check.add(table, number, "unit_code", f"单位编码 {unit_code} 不存在（本文件和系统中都没有）", unit_code)
    broken: set[str] = set()
    for code, (table, number, values) in file_units.items():
        parent = parent_of.get(code)
        if parent is None:
            continue
        if parent == code:
            check.add(table, number, "parent_code", "上级编码不能是本单位自己", parent)
            broken.add(code)
        elif parent not in parent_of:
            if parent not in known:
                check.add(table, number, "parent_code", f"上级编码 {parent} 不存在（本文件和系统中都没有）", parent)
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
                check.add(table, number, "parent_code", "上级关系形成循环：" + " → ".join(chain + [code]),
                          values.get("parent_code", ""))
            broken.add(code)

    # -- rights: where each unit ends up, and where it was -------------------
    final_path = _final_paths(parent_of, units_by_code, broken)
    office_wide = can(user, "org.edit", TOP_LEVEL)
    plan_units: list[UnitRow] = []
    for code, (table, number, values) in file_units.items():
        existing = units_by_code.get(code)
        row = UnitRow(table.sheet, number, values, existing)
        plan_units.append(row)
        if code in broken or office_wide:
            continue
        if existing is not None and not can(user, "org.edit", existing):
            check.add(table, number, "code", f"单位 {code} 不在您的管理范围内", code)
            continue
        parent = parent_of.get(code)
        moving = existing is None or parent != (
            units_by_id[existing.parent_id].code if existing.parent_id in units_by_id else None)
        if moving:
            target = Place(final_path[parent]) if parent else TOP_LEVEL
            old = (Place(existing.path.rsplit("/", 2)[0] + "/") if existing is not None else target)
            if not can(user, "org.edit", target):
                check.add(table, number, "parent_code",
                          "上级单位不在您的管理范围内" if parent else "只有考核办可以设置顶级单位",
                          parent or "")
            elif existing is not None and not can(user, "org.edit", old):
                check.add(table, number, "parent_code", "不能调整本单位的上级单位（请联系考核办）", parent or "")
        kind = values.get("kind")
        if kind in OFFICE_ONLY_KINDS and (existing is None or existing.kind != kind):
            check.add(table, number, "kind", "只有考核办可以设置此类型", values.get("kind").value)

    plan_people: list[PersonRow] = []
    for table, number, values in person_rows:
        existing = people_by_no.get(values["staff_no"])
        plan_people.append(PersonRow(table.sheet, number, values, existing))
        unit_code = values["unit_code"]
        if unit_code not in parent_of:
            if unit_code not in known:
                check.add(table, number, "unit_code", f"单位编码 {unit_code} 不存在（本文件和系统中都没有）",
                          unit_code)
            continue
        unit = units_by_code.get(unit_code)
        if unit is not None and not unit.active and unit_code not in file_units:
            check.add(table, number, "unit_code", f"单位 {unit_code}（{unit.name}）已停用", unit_code)
            continue
        if unit_code in broken:
            continue
        if not can(user, "people.edit", Place(final_path[unit_code])):
            check.add(table, number, "unit_code", f"单位 {unit_code} 不在您的管理范围内", unit_code)
        elif existing is not None and existing.unit_id in units_by_id and not can(
                user, "people.edit", Place(units_by_id[existing.unit_id].path)):
            check.add(table, number, "staff_no", "该工号属于您管理范围以外的单位", values["staff_no"])

    if check.issues:
        raise RosterInvalid(sorted(check.issues, key=_issue_order(tables)))
    ignored = [(t.sheet, h) for t in tables for h in t.ignored]
    return Plan(plan_units, plan_people, units_by_code, ignored)


def _issue_order(tables: list[Table]) -> Callable[[Issue], tuple]:
    sheets = {t.sheet: i for i, t in enumerate(tables)}
    return lambda issue: (sheets.get(issue.sheet, -1), issue.row or 0)


def _final_paths(parent_of: dict[str, str | None], units_by_code: dict[str, OrgUnit],
                 broken: set[str]) -> dict[str, str]:
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


# ---------------------------------------------------------------------------
# 3. Applying
# ---------------------------------------------------------------------------

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
            unit = OrgUnit(code=values["code"], name=values["name"], kind=values["kind"],
                           sort_order=values.get("sort_order", 0), active=True, path="")
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
            parent_code = row.values.get("parent_code") if row.existing is None else (
                row.values.get("parent_code", _current_parent_code(unit, units_by_id)))
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
            person = Person(staff_no=values["staff_no"], name=values["name"], unit=unit,
                            category=values["category"], position=values.get("position", ""),
                            leader_role=values.get("leader_role", LeaderRole.NONE),
                            sort_order=values.get("sort_order", 0), active=True)
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
        audit.record("org.person.create", person, object_id=person.id, after=audit.snapshot(person),
                     label=person.name)
    for person in touched_people:
        old, new = audit.diff(before[id(person)], audit.snapshot(person))
        if new:
            audit.record("org.person.update", person, object_id=person.id, before=old, after=new,
                         label=person.name)
            result.people.updated += 1
        else:
            result.people.unchanged += 1
    result.units.created = len(created_units)
    result.people.created = len(created_people)
    if result.changed:
        audit.record("org.roster.import", object_type="Roster", label=filename[:300],
                     after={"units": vars(result.units), "people": vars(result.people)})
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
