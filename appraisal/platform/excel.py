"""The one place workbooks are written: every .xlsx the product hands out is
built on ``new_workbook()`` and turned into bytes by ``save_workbook()``.

``save_workbook`` makes the workbook safe to open (formula injection): no cell
is a formula, and text that Excel or another spreadsheet would take for one
(starting with = + - @ or a tab / carriage return) is stored as text with the
"quote prefix" style — shown and re-imported unchanged, never evaluated, even
after the user edits the cell. ``workbook()`` / ``xlsx_response()`` build the
common "headers + rows" exports on top of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="F2F4F7")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # full-width too


def new_workbook(*, empty: bool = False) -> Workbook:
    """A workbook to fill and then save with ``save_workbook``; ``empty``: without its first sheet."""
    wb = Workbook()
    if empty:
        wb.remove(wb.active)
    return wb


def risky(value) -> bool:
    """Text that a spreadsheet could evaluate as a formula."""
    return isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START)


def neutralise(cell) -> None:
    """Make one cell inert: a formula becomes its text; risky text gets the quote prefix."""
    if cell.data_type == "f" or risky(cell.value):
        value = cell.value
        cell.value = value if isinstance(value, str) else str(value)
        cell.data_type = "s"
        cell.quotePrefix = True


def save_workbook(wb: Workbook) -> bytes:
    """The bytes of ``wb`` after making every cell of every sheet inert."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and (cell.data_type == "f" or isinstance(cell.value, str)):
                    neutralise(cell)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def workbook(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence]]]) -> bytes:
    """``{sheet title: (headers, rows)}`` → the bytes of an .xlsx file."""
    wb = new_workbook(empty=True)
    for title, (headers, rows) in sheets.items():
        ws = wb.create_sheet(title=title[:31])
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center")
        widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
        for row in rows:
            values = list(row)
            ws.append(values)
            for i, value in enumerate(values[: len(widths)]):
                widths[i] = min(60, max(widths[i], len(str(value or "")) + 2))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
    return save_workbook(wb)


def xlsx_response(filename: str, sheets: dict[str, tuple[Sequence[str], Iterable[Sequence]]]) -> Response:
    response = Response(workbook(sheets), mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
