"""Bulk upload of scores from Excel: a template with the user's columns and the
current values (and, hidden, the versions they were downloaded at), and an
all-or-nothing check naming every problem by sheet, row, column and reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from appraisal.platform.db import db
from appraisal.tenants.cycles.models import Population
from appraisal.tenants.scoring.services import common
from appraisal.tenants.scoring.services.scores import (
    Column,
    Entry,
    check_entries,
    columns_for,
    fmt,
    scheme_columns,
    scores_by_cell,
    write_change,
)

SHEET = "评分"
VERSION_SHEET = "版本"
ID_HEADER = "ID"
NAME_HEADER = "考核对象"
REASON_HEADER = "说明（降低分数或扣分时必填）"
CODE_RE = re.compile(r"\[([^\[\]]+)\]\s*$")


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int | None
    column: str
    message: str
    value: str = ""


class UploadInvalid(common.ScoringError):
    def __init__(self, issues: list[Issue]):
        super().__init__(f"{len(issues)} problems")
        self.issues = issues


@dataclass
class UploadResult:
    changed: int = 0
    unchanged: int = 0
    rows: int = 0
    ignored: list[str] = field(default_factory=list)


def template_workbook(population: Population, user) -> bytes:
    """The user's columns for every appraisee, with the current values, and a
    hidden sheet of the versions they were downloaded at."""
    from openpyxl.styles import Font, PatternFill

    from appraisal.platform.excel import new_workbook, save_workbook

    columns = columns_for(user, population, "scores.enter")
    appraisees = list(population.appraisees)
    current = scores_by_cell(a.id for a in appraisees)
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([ID_HEADER, NAME_HEADER] + [f"{c.label}（{c.hint}） [{c.code}]" for c in columns] + [REASON_HEADER])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F4F7")
    versions = wb.create_sheet(VERSION_SHEET)
    versions.append([ID_HEADER, "代码", "版本"])
    for a in appraisees:
        row = [a.id, a.name]
        for c in columns:
            score = current.get((a.id, c.indicator_key, c.item_key))
            row.append(float(score.value) if score is not None else None)
            versions.append([a.id, c.code, score.version if score is not None else 0])
        ws.append(row + [""])
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 24
    for i in range(len(columns)):
        ws.column_dimensions[_letter(i + 3)].width = 22
    ws.column_dimensions[_letter(len(columns) + 3)].width = 36
    ws.freeze_panes = "C2"
    versions.sheet_state = "hidden"
    return save_workbook(wb)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_upload(population: Population, user, filename: str, data: bytes) -> tuple[list[Entry], list[Issue], int]:
    """Every entry of the file, or every problem (sheet, row, column, reason)."""
    from appraisal.platform.limits import InputTooLarge, open_xlsx, sheet_rows

    if not filename.lower().endswith(".xlsx"):
        return [], [Issue("", None, "", _("请上传 Excel 文件（.xlsx），可先下载模板"))], 0
    try:
        wb, _merged = open_xlsx(data)
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        rows = list(sheet_rows(ws))
    except InputTooLarge as exc:
        return [], [Issue("", None, "", str(exc))], 0
    except Exception:
        return [], [Issue("", None, "", _("无法读取文件，请确认是 Excel（.xlsx）格式"))], 0
    sheet = ws.title
    if not rows:
        return [], [Issue(sheet, None, "", _("工作表是空的"))], 0
    headers = [_text(h) for h in rows[0]]
    issues: list[Issue] = []
    allowed = {c.code: c for c in columns_for(user, population, "scores.enter")}
    every = {c.code: c for c in scheme_columns(population)}
    id_col = next((i for i, h in enumerate(headers) if h in (ID_HEADER, "考核对象ID", "id")), None)
    if id_col is None:
        issues.append(Issue(sheet, 1, "", _("缺少“%(header)s”列", header=ID_HEADER)))
    reason_col = next((i for i, h in enumerate(headers) if h.startswith("说明")), None)
    value_cols: list[tuple[int, Column]] = []
    for i, header in enumerate(headers):
        if i in (id_col, reason_col) or not header or header == NAME_HEADER:
            continue
        match = CODE_RE.search(header)
        code = match.group(1).strip() if match else ""
        where = f"{_letter(i + 1)}（{header}）"
        if code in allowed:
            value_cols.append((i, allowed[code]))
        elif code in every:
            issues.append(Issue(sheet, 1, where, _("您无权录入此指标，请删除该列")))
        else:
            issues.append(Issue(sheet, 1, where, _("无法识别的列：请使用模板中的列标题（方括号内为指标代码）"), header))
    versions: dict[tuple[int, str], int] = {}
    if VERSION_SHEET in wb.sheetnames:
        for vrow in list(sheet_rows(wb[VERSION_SHEET]))[1:]:
            try:
                versions[(int(vrow[0]), _text(vrow[1]))] = int(vrow[2] or 0)
            except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: int(inf)
                continue
    members = {a.id: a for a in population.appraisees}
    common.preload_people(members.values())
    current = scores_by_cell(members)
    entries: list[Entry] = []
    seen_ids: dict[int, int] = {}
    count = 0
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(headers) - len(row))
        if all(_text(v) == "" for v in cells):
            continue
        count += 1
        raw_id = _text(cells[id_col]) if id_col is not None else ""
        id_where = f"{_letter((id_col or 0) + 1)}（{ID_HEADER}）"
        try:
            appraisee = members.get(int(raw_id))
        except ValueError:
            appraisee = None
        if appraisee is None:
            issues.append(Issue(sheet, number, id_where, _("不是本群体的考核对象"), raw_id))
            continue
        if appraisee.id in seen_ids:
            issues.append(Issue(sheet, number, id_where, _("与第 %(row)s 行重复", row=seen_ids[appraisee.id]), raw_id))
            continue
        seen_ids[appraisee.id] = number
        reason = _text(cells[reason_col]) if reason_col is not None else ""
        for i, column in value_cols:
            text = _text(cells[i])
            if text == "":
                continue
            score = current.get((appraisee.id, column.indicator_key, column.item_key))
            seen = versions.get((appraisee.id, column.code), score.version if score is not None else 0)
            entries.append(
                Entry(
                    appraisee=appraisee,
                    column=column,
                    value=text,
                    seen_version=seen,
                    reason=reason,
                    where=(number, f"{_letter(i + 1)}（{headers[i]}）", text),
                )
            )
    return entries, issues, count


def plan_upload(population: Population, user, filename: str, data: bytes):
    """Check the whole file, writing nothing: (changes, entries, rows), or
    :class:`UploadInvalid` with every problem."""
    entries, issues, rows = read_upload(population, user, filename, data)
    changes, problems, conflicts = check_entries(entries, user)
    for entry, message in problems:
        row, where, value = entry.where if entry is not None else (None, "", "")
        issues.append(Issue(SHEET, row, where, message, value))
    for conflict in conflicts:
        row, where, value = conflict.entry.where
        current = conflict.current
        now = fmt(current.value) if current is not None else "—"
        issues.append(
            Issue(
                SHEET, row, where, _("下载模板后此分数已被他人修改为 %(now)s，请重新下载模板后再填写", now=now), value
            )
        )
    if issues:
        issues.sort(key=lambda i: (i.row or 0, i.column))
        raise UploadInvalid(issues)
    return changes, entries, rows


@dataclass
class UploadPreview:
    """What an upload would change: (Excel row, appraisee, column, before, after)."""

    changes: list[tuple[int, str, str, str, str]]
    unchanged: int
    rows: int

    @property
    def fingerprint(self) -> str:
        from hashlib import sha256

        return sha256(repr(self.changes).encode()).hexdigest()


def preview_upload(population: Population, user, filename: str, data: bytes) -> UploadPreview:
    changes, entries, rows = plan_upload(population, user, filename, data)
    shown = [
        (
            entry.where[0],
            entry.appraisee.name,
            entry.column.label,
            fmt(score.value) if score is not None else "—",
            fmt(value),
        )
        for entry, value, score in changes
    ]
    return UploadPreview(shown, len(entries) - len(changes), rows)


def apply_upload(population: Population, user, filename: str, data: bytes) -> UploadResult:
    """Check the whole file; write nothing unless every row is right."""
    changes, entries, rows = plan_upload(population, user, filename, data)
    for entry, value, score in changes:
        write_change(entry, value, score)
    db.session.flush()
    return UploadResult(changed=len(changes), unchanged=len(entries) - len(changes), rows=rows)
