"""Excel files the org screens hand out: the import template and exports.

Exports use the import template's headers, so an exported roster can be
edited and imported back.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from appraisal.platform.excel import new_workbook, save_workbook
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.org.services.labels import (
    CATEGORY_WORDS,
    LEADER_WORDS,
    UNIT_KIND_WORDS,
    file_word,
)
from appraisal.tenants.org.services.roster_file import (
    EXAMPLE_SHEET,
    PERSON_COLUMNS,
    PERSON_EXAMPLES,
    UNIT_COLUMNS,
    UNIT_EXAMPLES,
    Column,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_ROWS = 2000  # dropdowns and text format reach this far

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B4232A")
EXAMPLE_FONT = Font(color="808080", italic=True)

COLUMN_NOTES = {
    ("units", "code"): "必填。单位的唯一编码（字母、数字、- _ .），导入时按编码匹配：已有则更新，没有则新建。",
    ("units", "name"): "必填。单位全称。",
    ("units", "kind"): "必填。考核办、分口考核组、部门、区县、科室之一。",
    ("units", "parent_code"): "上级单位的编码；可以是本表中的单位，也可以是系统中已有的单位。留空表示顶级单位。",
    ("units", "sort_order"): "整数，小的排在前面；留空为 0。",
    ("people", "staff_no"): "必填。人员的唯一工号，导入时按工号匹配：已有则更新，没有则新建。",
    ("people", "name"): "必填。",
    ("people", "unit_code"): "必填。所在单位的编码（“单位”表或系统中已有的单位）。",
    ("people", "category"): "必填。市管干部、县级干部、科级及以下、一般干部、见习人员、挂职干部之一。",
    ("people", "position"): "如：局长、副局长、科长、科员。",
    ("people", "leader_role"): "主要领导、副职或无；留空为无。",
    ("people", "sort_order"): "整数，小的排在前面；留空为 0。",
}

INSTRUCTIONS = [
    "名册导入模板 填表说明",
    "",
    "1. 本工作簿有“单位”和“人员”两张表，可以只填其中一张；表名和第一行表头请勿修改。",
    "2. 填写示例见“示例”工作表，该表不会被导入；请在“单位”“人员”表的表头下填写实际数据（不要照抄示例行：示例行会被拒绝导入）。",
    "3. 单位按“编码”、人员按“工号”匹配：系统中已有的更新，没有的新建；文件中没有列出的单位和人员保持不变（不会被删除）。",
    "4. 类型、类别、领导职务请从下拉列表中选择。",
    "5. 上级编码、单位编码可以引用本文件中的单位，也可以引用系统中已有的单位。",
    "6. 导入前系统会检查整个文件：只要有一处错误，就一条也不导入，并列出每处错误所在的表、行、列和原因。",
    "7. 同一文件重复导入不会产生任何变化。",
    "8. 单位管理员只能导入本单位及下级单位的数据。",
    "9. 也可以导入 CSV 文件（UTF-8 或 GBK 编码），一个文件一张表，表头与本模板相同。",
    "",
    "单位类型：" + "、".join(words[0] for words in UNIT_KIND_WORDS.values()),
    "人员类别：" + "、".join(words[0] for words in CATEGORY_WORDS.values()),
    "领导职务：" + "、".join(words[0] for words in LEADER_WORDS.values()),
]

_LISTS = {
    "kind": [words[0] for words in UNIT_KIND_WORDS.values()],
    "category": [words[0] for words in CATEGORY_WORDS.values()],
    "leader_role": [words[0] for words in LEADER_WORDS.values()],
}
_TEXT_KEYS = {"code", "parent_code", "unit_code", "staff_no"}


def _append(sheet, values: list) -> None:
    """Append a row of data (``save_workbook`` keeps text like "=HYPERLINK(…)" as text)."""
    sheet.append(values)


def _save(workbook: Workbook) -> bytes:
    return save_workbook(workbook)


def _head(sheet, kind: str, columns: tuple[Column, ...], extra: tuple[str, ...] = ()) -> None:
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        note = COLUMN_NOTES.get((kind, column.key))
        if note:
            cell.comment = Comment(note, "考核系统")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.key in _TEXT_KEYS:
            sheet.column_dimensions[letter].number_format = "@"
    for offset, header in enumerate(extra, start=len(columns) + 1):
        cell = sheet.cell(row=1, column=offset, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(offset)].width = 24
    sheet.freeze_panes = "A2"


def _dropdowns(sheet, columns: tuple[Column, ...]) -> None:
    for index, column in enumerate(columns, start=1):
        if column.key not in _LISTS:
            continue
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(_LISTS[column.key]) + '"',
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="取值无效",
            error="请从下拉列表中选择",
            promptTitle=column.header,
            prompt="请从下拉列表中选择",
            showInputMessage=True,
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        sheet.add_data_validation(validation)


def template_workbook() -> bytes:
    """The import template: 单位 and 人员 (headers only), 示例 (never imported), 填表说明."""
    workbook = new_workbook()
    units = workbook.active
    units.title = "单位"
    _head(units, "units", UNIT_COLUMNS)
    _dropdowns(units, UNIT_COLUMNS)
    people = workbook.create_sheet("人员")
    _head(people, "people", PERSON_COLUMNS)
    _dropdowns(people, PERSON_COLUMNS)
    examples = workbook.create_sheet(EXAMPLE_SHEET)
    examples.append(["示例：本表不会被导入。请在“单位”“人员”表中填写实际数据。"])
    examples["A1"].font = Font(bold=True, color="B4232A")
    for title, columns, rows in (("单位", UNIT_COLUMNS, UNIT_EXAMPLES), ("人员", PERSON_COLUMNS, PERSON_EXAMPLES)):
        examples.append([])
        examples.append([f"“{title}”表示例"])
        examples.append([c.header for c in columns])
        for cell in examples[examples.max_row]:
            cell.font = Font(bold=True)
        for row in rows:
            examples.append(list(row))
            for cell in examples[examples.max_row]:
                cell.font = EXAMPLE_FONT
    for index, width in enumerate((14, 30, 14, 14, 20, 12, 8), start=1):
        examples.column_dimensions[get_column_letter(index)].width = width
    notes = workbook.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 110
    for line in INSTRUCTIONS:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=14)
    return _save(workbook)


def _unit_row(unit: OrgUnit, parent_code: str) -> list:
    return [unit.code, unit.name, file_word(unit.kind), parent_code, unit.sort_order]


def _person_row(person: Person, unit: OrgUnit) -> list:
    return [
        person.staff_no,
        person.name,
        unit.code,
        file_word(person.category),
        person.position,
        file_word(person.leader_role),
        person.sort_order,
    ]


def people_workbook(people: Iterable[Person], units_by_id: dict[int, OrgUnit]) -> bytes:
    """A people list in the template's format, plus unit name and status."""
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = "人员"
    _head(sheet, "people", PERSON_COLUMNS, extra=("单位名称", "状态"))
    for person in people:
        unit = units_by_id[person.unit_id]
        _append(sheet, _person_row(person, unit) + [unit.name, "在职" if person.active else "已停用"])
    return _save(workbook)


def roster_workbook(units: list[OrgUnit], people: Iterable[Person], code_of: dict[int, str]) -> bytes:
    """Units and people in the template's format: edit and import back.

    ``code_of`` gives the codes of parents outside ``units`` (a unit admin's
    own unit has one), so that importing the file back changes nothing.
    """
    by_id = {u.id: u for u in units}
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = "单位"
    _head(sheet, "units", UNIT_COLUMNS)
    _dropdowns(sheet, UNIT_COLUMNS)
    for unit in units:
        parent = by_id.get(unit.parent_id)
        parent_code = parent.code if parent else code_of.get(unit.parent_id, "")
        _append(sheet, _unit_row(unit, parent_code))
    people_sheet = workbook.create_sheet("人员")
    _head(people_sheet, "people", PERSON_COLUMNS, extra=("单位名称",))
    _dropdowns(people_sheet, PERSON_COLUMNS)
    for person in people:
        unit = by_id[person.unit_id]
        _append(people_sheet, _person_row(person, unit) + [unit.name])
    return _save(workbook)
