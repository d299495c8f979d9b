"""Reading a roster file: an Excel workbook or a CSV file, into tables.

An ``.xlsx`` workbook holds a sheet "单位" (units) and/or "人员" (people); a
``.csv`` holds one of them. A table's kind is recognised by its sheet name or
its headers, Chinese or English. Cells come back as trimmed text with the
row number Excel shows, so that every problem can be reported where it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from appraisal.tenants.org.services.roster_columns import (
    CODE_RE,
    COLUMNS,
    EXAMPLE_SHEET,
    INFO_HEADERS,
    PEOPLE,
    PERSON_COLUMNS,
    PERSON_EXAMPLES,
    SHEET_NAMES,
    SKIPPED_SHEETS,
    UNIT_COLUMNS,
    UNIT_EXAMPLES,
    UNITS,
    Column,
)

__all__ = [
    "CODE_RE",
    "COLUMNS",
    "EXAMPLE_SHEET",
    "INFO_HEADERS",
    "PEOPLE",
    "PERSON_COLUMNS",
    "PERSON_EXAMPLES",
    "SHEET_NAMES",
    "SKIPPED_SHEETS",
    "UNITS",
    "UNIT_COLUMNS",
    "UNIT_EXAMPLES",
    "Column",
    "Issue",
    "RosterInvalid",
    "Table",
    "cell_text",
    "column_spec",
    "read_tables",
]

_EXAMPLE_KEYS = {UNITS: {(r[0], r[1]) for r in UNIT_EXAMPLES}, PEOPLE: {(r[0], r[1]) for r in PERSON_EXAMPLES}}
_SHEET_ALIASES = {
    UNITS: {"单位", "单位表", "组织机构", "units", "unit", "org units"},
    PEOPLE: {"人员", "人员表", "人员名册", "名册", "people", "persons", "staff", "roster"},
}


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int | None  # as Excel shows it (header = 1); None: the file as a whole
    column: str
    message: str
    value: str = ""


class RosterInvalid(Exception):
    def __init__(self, issues: list[Issue]):
        super().__init__(f"{len(issues)} problems")
        self.issues = issues


@dataclass
class Table:
    kind: str  # UNITS or PEOPLE
    sheet: str  # what error messages call it
    columns: dict[str, tuple[int, str]]  # key -> (index, header as written)
    rows: list[tuple[int, list[str]]]  # (Excel row number, cell texts)
    ignored: list[str] = field(default_factory=list)
    header_row: int = 1
    headers: list[str] = field(default_factory=list)  # the row read as the header, as written
    notes: list[str] = field(default_factory=list)  # title rows skipped above the header

    def header(self, key: str) -> str:
        return self.columns[key][1] if key in self.columns else column_spec(self.kind, key).header


def column_spec(kind: str, key: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.key == key)


_SPACES = re.compile(r"[\s\u3000\ufeff\u200b]+")


def _norm(text: str) -> str:
    """Header/sheet-name comparison form: no spaces, no * marks, lower case."""
    text = _SPACES.sub("", text).replace("*", "").replace("＊", "")
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"\(.*?\)$", "", text).lower() or text.lower()


# Built once: comparison form → the column it names, per kind; the info headers; sheet names → kind
_HEADERS = {kind: {_norm(n): c for c in columns for n in (c.header, *c.aliases)} for kind, columns in COLUMNS.items()}
_INFO = {_norm(h) for h in INFO_HEADERS}
_SHEET_KINDS = {_norm(n): kind for kind, names in _SHEET_ALIASES.items() for n in names}


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
    found: dict[str, tuple[int, str]] = {}
    ignored = []
    for index, header in enumerate(headers):
        if not header:
            continue
        column = _HEADERS[kind].get(_norm(header))
        if column is None or column.key in found:
            ignored.append(header)
        else:
            found[column.key] = (index, header)
    return found, ignored


def _kind_of(sheet_name: str | None, headers: list[str]) -> str | None:
    if sheet_name is not None and _norm(sheet_name) in _SHEET_KINDS:
        return _SHEET_KINDS[_norm(sheet_name)]
    people, _ignored = _match_columns(PEOPLE, headers)
    if "staff_no" in people:
        return PEOPLE
    units, _ignored = _match_columns(UNITS, headers)
    if "code" in units and "kind" in units:
        return UNITS
    return None


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _merged_issues(sheet: str, header_row: int, merged: list[str]) -> list[Issue]:
    from openpyxl.utils.cell import range_boundaries

    issues = []
    for ref in merged:
        try:
            _min_col, min_row, _max_col, max_row = range_boundaries(ref)
        except ValueError:
            continue
        if max_row is not None and max_row < header_row:
            continue  # a title above the table
        row = max(min_row or header_row, header_row)
        issues.append(
            Issue(
                sheet,
                row,
                ref,
                _(
                    "第 %(row)s 行 %(ref)s 是合并单元格，请取消合并（每列一个表头、每格一个值）后重新导入",
                    row=row,
                    ref=ref,
                ),
            )
        )
    return issues


def _header_issues(table: Table, headers: list[str], width: int) -> list[Issue]:
    """Every header cell that is not a template column: unknown, repeated, or
    empty above data (a column would be dropped silently)."""
    issues = []
    used = {index for index, _header in table.columns.values()}
    for index in range(width):
        header = headers[index] if index < len(headers) else ""
        where = f"{_letter(index)}{table.header_row}"
        if index in used or _norm(header) in _INFO:
            continue
        if header:
            column = _HEADERS[table.kind].get(_norm(header))
            if column is not None:
                first = _letter(table.columns[column.key][0])
                message = _("列标题“%(header)s”与 %(first)s 列重复，请删除其中一列", header=header, first=first)
            else:
                message = _("无法识别的列标题“%(header)s”：请使用模板中的列标题，或删除该列", header=header)
            issues.append(Issue(table.sheet, table.header_row, where, message, header))
        elif any(index < len(cells) and cells[index] for _number, cells in table.rows):
            issues.append(
                Issue(
                    table.sheet,
                    table.header_row,
                    where,
                    _("%(column)s 列有数据但没有列标题，请填写模板中的列标题或删除该列", column=_letter(index)),
                )
            )
    return issues


def _example_issues(table: Table) -> list[Issue]:
    key = "code" if table.kind == UNITS else "staff_no"
    if key not in table.columns or "name" not in table.columns:
        return []
    code_at, name_at = table.columns[key][0], table.columns["name"][0]
    issues = []
    for number, cells in table.rows:
        code = cells[code_at] if code_at < len(cells) else ""
        name = cells[name_at] if name_at < len(cells) else ""
        if (code, name) in _EXAMPLE_KEYS[table.kind]:
            issues.append(
                Issue(
                    table.sheet,
                    number,
                    table.header(key),
                    _("这是模板中的示例行（%(code)s %(name)s），请删除或改成实际数据后再导入", code=code, name=name),
                    code,
                )
            )
    return issues


#: how many non-empty rows above the header may be titles ("2026年度人员名册")
TITLE_ROWS = 3


def _looks_like_header(sheet_name: str | None, texts: list[str]) -> bool:
    kind = _kind_of(sheet_name, texts)
    if kind is None:
        return False
    columns, _ignored = _match_columns(kind, texts)
    return len(columns) >= 2


def _table(
    sheet_name: str | None, rows: Iterable[tuple[int, list[Any]]], issues: list[Issue], merged: list[str] = ()
) -> Table | None:
    rows = iter(rows)
    head: list[tuple[int, list[str]]] = []  # the first non-empty rows: titles, the header, data
    for number, values in rows:
        texts = [cell_text(v) for v in values]
        if any(texts):
            head.append((number, texts))
            if len(head) > TITLE_ROWS:
                break
    if not head:
        return None
    # the header is the first of them that names template columns; rows above it are titles
    at = next((i for i, (_n, texts) in enumerate(head) if _looks_like_header(sheet_name, texts)), 0)
    header_row, headers = head[at]
    kind = _kind_of(sheet_name, headers)
    if kind is None:
        return None
    columns, ignored = _match_columns(kind, headers)
    table = Table(
        kind=kind,
        sheet=sheet_name or SHEET_NAMES[kind],
        columns=columns,
        rows=[],
        ignored=ignored,
        header_row=header_row,
        headers=headers,
    )
    for number, texts in head[:at]:
        title = "".join(t for t in texts if t)[:60]
        table.notes.append(
            _(
                "“%(sheet)s”表第 %(row)s 行“%(title)s”是标题，已跳过；第 %(header)s 行作为表头",
                sheet=table.sheet,
                row=number,
                title=title,
                header=header_row,
            )
        )
    width = len(headers)
    table.rows.extend(head[at + 1 :])
    for number, values in rows:
        texts = [cell_text(v) for v in values]
        if any(texts):
            table.rows.append((number, texts))
    for _number, texts in table.rows:
        width = max(width, len(texts))
    issues.extend(_merged_issues(table.sheet, header_row, list(merged)))
    issues.extend(_header_issues(table, headers, width))
    issues.extend(_example_issues(table))
    return table


def _skipped(sheet_name: str) -> bool:
    name = _norm(sheet_name)
    return any(word in name for word in SKIPPED_SHEETS)


def _no_rows(tables: list[Table]) -> list[Issue]:
    if tables and not any(t.rows for t in tables):
        return [
            Issue("-", None, "-", _("文件中没有数据行：请在“单位”或“人员”表的表头下填写后再导入（“示例”表不会导入）"))
        ]
    return []


def read_tables(filename: str, data: bytes) -> tuple[list[Table], list[Issue]]:
    """The roster tables in an uploaded file, or the reason it cannot be read."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if name.endswith(".xls"):
        return [], [Issue("-", None, "-", _("不支持旧版 .xls 格式：请在 Excel 中“另存为” .xlsx 后再导入"))]
    return [], [Issue("-", None, "-", _("只支持 .xlsx 或 .csv 文件"))]


def _read_xlsx(data: bytes) -> tuple[list[Table], list[Issue]]:
    from appraisal.platform.limits import InputTooLarge, open_xlsx, sheet_rows

    issues: list[Issue] = []
    try:
        workbook, merged = open_xlsx(data)
        tables = []
        for sheet in workbook.worksheets:
            if _skipped(sheet.title):
                continue
            rows = enumerate(sheet_rows(sheet), start=1)
            table = _table(sheet.title, ((n, list(v)) for n, v in rows), issues, merged.get(sheet.title, []))
            if table is not None:
                tables.append(table)
        workbook.close()
    except InputTooLarge as exc:
        return [], [Issue("-", None, "-", str(exc))]
    except Exception:
        return [], [Issue("-", None, "-", _("无法读取该 Excel 文件：请确认是 .xlsx 格式且未加密、未损坏"))]
    if not tables:
        return [], [Issue("-", None, "-", _("文件中没有找到“单位”或“人员”工作表（或表头不符合模板）"))]
    issues.extend(_no_rows(tables))
    return (tables, issues) if not issues else ([], issues)


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
        return [], [Issue("-", None, "-", _("无法识别 CSV 文件的编码：请保存为 UTF-8 或 GBK 编码"))]
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(n, row) for n, row in enumerate(reader, start=1)]
    except csv.Error:
        return [], [Issue("-", None, "-", _("CSV 文件格式有误（引号不配对？）"))]
    issues: list[Issue] = []
    table = _table(None, rows, issues)
    if table is None:
        return [], [
            Issue(
                "-",
                None,
                "-",
                _("CSV 文件的表头不符合模板：单位表需要“编码、名称、类型”列，人员表需要“工号、姓名、单位编码、类别”列"),
            )
        ]
    issues.extend(_no_rows([table]))
    return ([table], []) if not issues else ([], issues)
