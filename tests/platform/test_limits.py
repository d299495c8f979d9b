"""Bombs: small uploads that expand to gigabytes are refused before a parser
builds anything, with a Chinese message, and the process's memory stays flat
(peak RSS growth measured while each bomb is read; a bound, not a timing)."""

from __future__ import annotations

import io
import threading
import zipfile

import psutil
import pytest

from appraisal.platform.limits import InputTooLarge, check_xlsx, load_yaml_text
from appraisal.tenants.org.services import roster_file

FLAT_MB = 50  # the bound on peak memory growth while a bomb is refused

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="A1:D{rows}"/><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c><c r="B1" t="inlineStr"><is><t>姓名</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>单位编码</t></is></c><c r="D1" t="inlineStr"><is><t>类别</t></is></c></row>'
)


def xlsx_bomb(*, rows: int = 1, shared: str = "x", repeat: int = 1, row_xml=None) -> bytes:
    """A real .xlsx built by streaming: a sheet of ``rows`` rows (each row
    "<row><c t="s"><v>0</v></c></row>" unless ``row_xml(n)`` says otherwise),
    and one shared string: ``shared`` written ``repeat`` times."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
                b"<si><t>"
            )
            chunk = shared.encode()
            for _ in range(repeat):
                f.write(chunk)
            f.write(b"</t></si></sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(SHEET_HEAD.format(rows=rows + 1).encode() + HEADER_ROW.encode())
            make = row_xml or (lambda n: f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>')
            batch = []
            for n in range(2, rows + 2):
                batch.append(make(n))
                if len(batch) == 10_000:
                    f.write("".join(batch).encode())
                    batch = []
            f.write("".join(batch).encode() + SHEET_TAIL.encode())
    return buffer.getvalue()


def peak_growth_mb(work) -> tuple[float, object]:
    """Run ``work()``, sampling this process's RSS; (peak growth in MB, what it raised or returned)."""
    process = psutil.Process()
    base = process.memory_info().rss
    peak = base
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            done.wait(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        outcome = work()
    except Exception as exc:
        outcome = exc
    finally:
        done.set()
        sampler.join()
    peak = max(peak, process.memory_info().rss)
    return (peak - base) / 1024 / 1024, outcome


def roster_issues(data: bytes) -> list[str]:
    tables, issues = roster_file.read_tables("名册.xlsx", data)
    assert not tables
    return [i.message for i in issues]


# --- xlsx bombs ---------------------------------------------------------------


def test_a_sheet_of_four_million_rows_is_refused_by_the_zip_directory(app):
    data = xlsx_bomb(rows=4_000_000, row_xml=lambda n: '<row><c t="s"><v>0</v></c></row>')  # ~130 MB of XML
    assert len(data) < 5 * 1024 * 1024
    growth, messages = peak_growth_mb(lambda: roster_issues(data))
    print(f"4M-row sheet ({len(data) / 1e6:.1f} MB): peak growth {growth:.1f} MB")
    assert "解压后过大" in messages[0] and "MB" in messages[0]
    assert growth < FLAT_MB


def test_one_huge_string_is_refused_before_it_is_read(app):
    data = xlsx_bomb(shared="x" * 1_000_000, repeat=400)  # 0.4 MB file, one 400 MB shared string
    assert len(data) < 1024 * 1024
    growth, messages = peak_growth_mb(lambda: roster_issues(data))
    print(f"400 MB string ({len(data) / 1e6:.2f} MB file): peak growth {growth:.1f} MB")
    assert "解压后过大" in messages[0]
    assert growth < FLAT_MB


def test_too_many_rows_within_the_size_limit_are_refused_while_streaming(app):
    data = xlsx_bomb(rows=60_000)  # ~2 MB of XML: under the size limits, over 50,000 rows
    growth, messages = peak_growth_mb(lambda: roster_issues(data))
    print(f"60,000 rows: peak growth {growth:.1f} MB")
    assert messages == ["工作表“人员”的行数超过上限 50000 行，请删除多余的行（包括格式化的空行）后重新上传"]
    assert growth < FLAT_MB


def test_a_cell_far_to_the_right_is_refused_naming_the_cell(app):
    data = xlsx_bomb(rows=2, row_xml=lambda n: f'<row r="{n}"><c r="XFD{n}" t="s"><v>0</v></c></row>')
    assert roster_issues(data) == ["工作表“人员”单元格 XFD2 超出列数上限 200 列，请删除多余的列后重新上传"]


def test_a_row_number_a_million_down_is_refused(app):
    data = xlsx_bomb(rows=1, row_xml=lambda n: '<row r="1048576"><c r="A1048576" t="s"><v>0</v></c></row>')
    assert "行数超过上限" in roster_issues(data)[0]


def test_a_long_cell_is_refused_naming_the_cell(app):
    data = xlsx_bomb(
        rows=1, row_xml=lambda n: f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>{"长" * 6000}</t></is></c></row>'
    )
    assert roster_issues(data) == ["工作表“人员”单元格 B2 的内容超过 5000 字，请缩短后重新上传"]
    data = xlsx_bomb(rows=1, shared="长" * 6000)
    assert roster_issues(data) == ["文件中有一段文字超过 5000 字，请缩短后重新上传"]


def test_limits_are_settings(app):
    app.config["XLSX_MAX_ROWS"] = 10
    with pytest.raises(InputTooLarge, match="上限 10 行"):
        check_xlsx(xlsx_bomb(rows=20))
    app.config["XLSX_MAX_ROWS"] = 30
    check_xlsx(xlsx_bomb(rows=20))


def test_a_normal_file_still_reads(app):
    data = xlsx_bomb(
        rows=3,
        row_xml=lambda n: (
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>P{n}</t></is></c><c r="B{n}" t="inlineStr"><is><t>张{n}</t></is></c>'
            f'<c r="C{n}" t="inlineStr"><is><t>D1</t></is></c><c r="D{n}" t="inlineStr"><is><t>一般干部</t></is></c></row>'
        ),
    )
    tables, issues = roster_file.read_tables("名册.xlsx", data)
    assert issues == [] and [r[1][0] for r in tables[0].rows] == ["P2", "P3", "P4"]


# --- YAML bombs -------------------------------------------------------------


def test_yaml_a_thousand_deep_is_refused(app):
    text = "".join("  " * i + f"k{i}:\n" for i in range(1000)) + "  " * 1000 + "v\n"  # block style
    text_flow = "a: " + "[" * 900 + "]" * 900
    for bomb in (text[:400_000], text_flow):
        growth, outcome = peak_growth_mb(lambda bomb=bomb: load_yaml_text(bomb))
        print(f"YAML 1,000 deep: peak growth {growth:.1f} MB")
        assert isinstance(outcome, InputTooLarge) and "嵌套层数过多" in str(outcome)
        assert growth < FLAT_MB


def test_a_12_mb_yaml_is_refused_by_its_size(app):
    text = "overrides:\n" + "".join(f"  k{i}: {i}\n" for i in range(700_000))  # ~12 MB
    growth, outcome = peak_growth_mb(lambda: load_yaml_text(text))
    print(f"YAML {len(text) / 1e6:.0f} MB: peak growth {growth:.1f} MB")
    assert isinstance(outcome, InputTooLarge) and "YAML 文本过大（上限 512 KB）" in str(outcome)
    assert growth < FLAT_MB


def test_yaml_aliases_count_what_they_repeat(app):
    laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)
    )
    growth, outcome = peak_growth_mb(lambda: load_yaml_text(laughs))
    assert isinstance(outcome, InputTooLarge) and "YAML 内容过多" in str(outcome)
    assert growth < FLAT_MB
    assert load_yaml_text("a: &x {b: 1}\nc: *x\n") == {"a": {"b": 1}, "c": {"b": 1}}
