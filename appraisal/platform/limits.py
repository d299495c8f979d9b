"""Bounded parsing of uploaded YAML and Excel: sizes are checked *before* a
parser builds anything, so that a small file cannot expand into gigabytes.

* YAML (the scheme customisation box): text size, nesting depth and node
  count (aliases counted as what they repeat), see ``engine.scheme.loading``.
* .xlsx: the zip directory is read first (number of parts, uncompressed size
  of each part and of all of them), then every worksheet and the shared
  strings are streamed through expat — nothing kept — counting rows, columns
  and characters per cell. Only a file within every limit reaches openpyxl,
  and then only through ``sheet_rows`` (read-only, real dimensions).

Every limit is a setting (``XLSX_MAX_ROWS`` …, see ``config.UPLOAD_LIMITS``); a refusal is
an ``InputTooLarge`` carrying a Chinese message for the user.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.parsers import expat

from flask import current_app, has_app_context
from flask_babel import gettext as _
from openpyxl.utils import column_index_from_string, get_column_letter

from appraisal.engine.scheme.loading import YamlLimits, YamlTooLarge, load_yaml
from appraisal.platform.config import UPLOAD_LIMITS

MB = 1024 * 1024
# YAML_MAX_KB (a built-in scheme is ~8 KB), YAML_MAX_DEPTH, YAML_MAX_NODES; XLSX_MAX_UNZIPPED_MB (all parts
# together), XLSX_MAX_PART_MB (a part openpyxl reads whole: shared strings, styles …), XLSX_MAX_PARTS,
# XLSX_MAX_ROWS, XLSX_MAX_COLUMNS, XLSX_MAX_CELLS (empty cells up to each row's last one included),
# XLSX_MAX_CELL_CHARS
DEFAULTS = UPLOAD_LIMITS


class InputTooLarge(ValueError):
    """A file refused before parsing; ``str(exc)`` is the message for the user."""


def setting(name: str) -> int:
    if has_app_context():
        return int(current_app.config.get(name, DEFAULTS[name]))
    return DEFAULTS[name]


# --- YAML -------------------------------------------------------------------


def yaml_limits() -> YamlLimits:
    return YamlLimits(
        max_bytes=setting("YAML_MAX_KB") * 1024,
        max_depth=setting("YAML_MAX_DEPTH"),
        max_nodes=setting("YAML_MAX_NODES"),
    )


def yaml_message(exc: YamlTooLarge) -> str:
    if exc.what == "bytes":
        return _("YAML 文本过大（上限 %(limit)s KB），请只填写需要覆盖的项", limit=exc.limit // 1024)
    if exc.what == "depth":
        return _("YAML 嵌套层数过多（第 %(line)s 行，上限 %(limit)s 层）", line=exc.line or "?", limit=exc.limit)
    return _("YAML 内容过多（第 %(line)s 行，上限 %(limit)s 个值）", line=exc.line or "?", limit=exc.limit)


def load_yaml_text(text: str):
    """``yaml.safe_load`` within the settings' limits; raises InputTooLarge
    (Chinese message) or yaml.YAMLError."""
    try:
        return load_yaml(text, yaml_limits())
    except YamlTooLarge as exc:
        raise InputTooLarge(yaml_message(exc)) from None


# --- xlsx -------------------------------------------------------------------


@dataclass(frozen=True)
class XlsxLimits:
    max_unzipped: int
    max_part: int
    max_parts: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_cell_chars: int


def xlsx_limits() -> XlsxLimits:
    return XlsxLimits(
        max_unzipped=setting("XLSX_MAX_UNZIPPED_MB") * MB,
        max_part=setting("XLSX_MAX_PART_MB") * MB,
        max_parts=setting("XLSX_MAX_PARTS"),
        max_rows=setting("XLSX_MAX_ROWS"),
        max_columns=setting("XLSX_MAX_COLUMNS"),
        max_cells=setting("XLSX_MAX_CELLS"),
        max_cell_chars=setting("XLSX_MAX_CELL_CHARS"),
    )


_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CHUNK = 64 * 1024


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """worksheet part → the sheet's name, from workbook.xml and its relations."""
    try:
        names = {}
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        for sheet in book.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"):
            target = targets.get(sheet.get(_NS_REL), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            names[part] = sheet.get("name", part)
        return names
    except (KeyError, ElementTree.ParseError):
        return {}


class _Scan:
    """expat handlers counting one part's rows, columns and text lengths."""

    def __init__(self, sheet: str, limits: XlsxLimits, totals: dict):
        self.sheet, self.limits, self.totals = sheet, limits, totals
        self.row = 0
        self.rows = 0
        self.column = 0
        self.ref = ""
        self.text = 0  # characters of the current cell / shared string
        self.in_text = False
        self.merged: list[str] = []  # merged ranges ("F1:G1")

    def refuse(self, message: str):
        raise InputTooLarge(message)

    def start(self, name: str, attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "row":
            self.rows += 1
            self.row = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.row + 1
            self.column = 0
            if self.rows > self.limits.max_rows or self.row > self.limits.max_rows:
                self.refuse(
                    _(
                        "工作表“%(sheet)s”的行数超过上限 %(limit)s 行，请删除多余的行（包括格式化的空行）后重新上传",
                        sheet=self.sheet,
                        limit=self.limits.max_rows,
                    )
                )
        elif local == "c":
            match = _REF.match(attrs.get("r", ""))
            column = column_index_from_string(match.group(1)) if match else self.column + 1
            self.ref = match.group(0) if match else f"{get_column_letter(column)}{self.row}"
            if column > self.limits.max_columns:
                self.refuse(
                    _(
                        "工作表“%(sheet)s”单元格 %(cell)s 超出列数上限 %(limit)s 列，请删除多余的列后重新上传",
                        sheet=self.sheet,
                        cell=self.ref,
                        limit=self.limits.max_columns,
                    )
                )
            self.totals["cells"] += max(0, column - self.column)
            self.column = column
            if self.totals["cells"] > self.limits.max_cells:
                self.refuse(_("文件中的单元格总数超过上限 %(limit)s 个，请拆分后分批上传", limit=self.limits.max_cells))
        elif local == "mergeCell":
            if len(self.merged) < 100:
                self.merged.append(attrs.get("ref", ""))
        elif local in ("v", "t", "si", "is"):
            if local != "t":  # a cell's value or a shared string starts; its <t> runs add up
                self.text = 0
            self.in_text = True

    def end(self, name: str) -> None:
        if name.rsplit(":", 1)[-1] in ("v", "t"):
            self.in_text = False

    def chars(self, data: str) -> None:
        if not self.in_text:
            return
        self.text += len(data)
        if self.text > self.limits.max_cell_chars:
            if self.ref:
                self.refuse(
                    _(
                        "工作表“%(sheet)s”单元格 %(cell)s 的内容超过 %(limit)s 字，请缩短后重新上传",
                        sheet=self.sheet,
                        cell=self.ref,
                        limit=self.limits.max_cell_chars,
                    )
                )
            self.refuse(_("文件中有一段文字超过 %(limit)s 字，请缩短后重新上传", limit=self.limits.max_cell_chars))


def _stream(archive: zipfile.ZipFile, part: str, scan: _Scan) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.chars
    parser.buffer_text = True
    with archive.open(part) as source:
        while chunk := source.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


def check_xlsx(data: bytes, limits: XlsxLimits | None = None) -> dict[str, list[str]]:
    """Refuse (InputTooLarge) an .xlsx whose content exceeds the limits, reading
    the zip directory and then streaming the parts; never builds the sheets.
    A file that is not a readable zip raises zipfile.BadZipFile / ValueError.
    Returns each sheet's merged ranges (read-only openpyxl does not see them)."""
    limits = limits or xlsx_limits()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        if len(entries) > limits.max_parts:
            raise InputTooLarge(
                _(
                    "文件内部的部件过多（%(count)s 个，上限 %(limit)s 个），不像是正常的 Excel 文件",
                    count=len(entries),
                    limit=limits.max_parts,
                )
            )
        total = sum(e.file_size for e in entries)
        if total > limits.max_unzipped:
            raise InputTooLarge(
                _(
                    "文件解压后过大（%(size)s MB，上限 %(limit)s MB）：请删除多余的行、列、图片或格式后重新上传",
                    size=_mb(total),
                    limit=_mb(limits.max_unzipped),
                )
            )
        for entry in entries:
            if not _SHEET_PART.match(entry.filename) and entry.file_size > limits.max_part:
                raise InputTooLarge(
                    _(
                        "文件中的“%(part)s”解压后过大（%(size)s MB，上限 %(limit)s MB）",
                        part=entry.filename,
                        size=_mb(entry.file_size),
                        limit=_mb(limits.max_part),
                    )
                )
        names = _sheet_names(archive)
        totals = {"cells": 0}
        merged: dict[str, list[str]] = {}
        try:
            for entry in entries:
                if entry.filename == "xl/sharedStrings.xml":
                    _stream(archive, entry.filename, _Scan("", limits, totals))
                elif _SHEET_PART.match(entry.filename):
                    sheet = names.get(entry.filename, posixpath.basename(entry.filename))
                    scan = _Scan(sheet, limits, totals)
                    _stream(archive, entry.filename, scan)
                    merged[sheet] = scan.merged
        except expat.ExpatError as exc:
            raise ValueError(f"not well-formed XML: {exc}") from None
    return merged


def sheet_rows(sheet) -> Iterator[tuple]:
    """The value rows of a read-only openpyxl sheet of a checked file, by its
    real content (a workbook can claim a dimension of a million rows)."""
    sheet.reset_dimensions()
    yield from sheet.iter_rows(values_only=True)


def open_xlsx(data: bytes):
    """(a read-only openpyxl workbook of ``data``, merged ranges by sheet name)
    after ``check_xlsx``: raises InputTooLarge (a limit) or another exception
    (not a readable .xlsx)."""
    import warnings

    from openpyxl import load_workbook

    merged = check_xlsx(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unsupported Excel extensions, odd styles
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True), merged
