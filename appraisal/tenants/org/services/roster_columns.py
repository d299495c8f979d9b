"""The roster file's columns (Chinese headers, their aliases, limits and widths),
its sheets and the template's example rows: what the reader recognises and what
the template workbook writes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from appraisal.tenants.org.services import core

UNITS, PEOPLE = "units", "people"
SHEET_NAMES = {UNITS: "单位", PEOPLE: "人员"}
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header the template writes
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    width: int = 14


UNIT_COLUMNS = (
    Column("code", "编码", ("单位编码", "code", "unit code", "unit_code"), True, core.MAX_CODE, 14),
    Column("name", "名称", ("单位名称", "name", "unit name"), True, core.MAX_UNIT_NAME, 30),
    Column("kind", "类型", ("单位类型", "kind", "type", "unit kind"), True, None, 14),
    Column(
        "parent_code",
        "上级编码",
        ("上级单位编码", "上级单位", "parent", "parent code", "parent_code"),
        False,
        core.MAX_CODE,
        14,
    ),
    Column("sort_order", "排序", ("排序号", "顺序", "sort", "sort order", "sort_order", "order"), False, None, 8),
)
PERSON_COLUMNS = (
    Column(
        "staff_no", "工号", ("人员编号", "编号", "staff no", "staff_no", "staff number"), True, core.MAX_STAFF_NO, 14
    ),
    Column("name", "姓名", ("name", "person name"), True, core.MAX_PERSON_NAME, 12),
    Column("unit_code", "单位编码", ("所在单位编码", "unit", "unit code", "unit_code"), True, core.MAX_CODE, 14),
    Column("category", "类别", ("人员类别", "category"), True, None, 14),
    Column("position", "职务", ("position", "title"), False, core.MAX_POSITION, 20),
    Column("leader_role", "领导职务", ("领导", "leader", "leader role", "leader_role"), False, None, 12),
    Column("sort_order", "排序", ("排序号", "顺序", "sort", "sort order", "sort_order", "order"), False, None, 8),
)
COLUMNS = {UNITS: UNIT_COLUMNS, PEOPLE: PERSON_COLUMNS}
# columns the exports add after the template's (read back without complaint)
INFO_HEADERS = {"单位名称", "状态", "unit name", "status"}
# sheets that are never data: the template's examples and instructions
EXAMPLE_SHEET = "示例"
SKIPPED_SHEETS = ("示例", "说明", "example", "instruction")

# The template's example rows (on its 示例 sheet; older templates had them on the
# data sheets). A row with an example's code and name is refused, not imported.
UNIT_EXAMPLES = [
    ("KHB", "市目标管理考核办公室", "考核办", "", 1),
    ("FKZ01", "综合经济组", "分口考核组", "KHB", 1),
    ("BM001", "市发展和改革委员会", "部门", "FKZ01", 1),
    ("BM001-01", "办公室", "科室", "BM001", 1),
    ("QX01", "市中区", "区县", "KHB", 10),
]
PERSON_EXAMPLES = [
    ("RY00001", "张明", "BM001", "市管干部", "主任", "主要领导", 1),
    ("RY00002", "李静", "BM001", "县级干部", "副主任", "副职", 2),
    ("RY00003", "王磊", "BM001-01", "科级及以下", "科长", "无", 3),
    ("RY00004", "赵雪", "BM001-01", "一般干部", "科员", "", 4),
]
