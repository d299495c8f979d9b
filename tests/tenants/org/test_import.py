"""Roster import: the whole file is checked first, every problem is reported,
nothing is written when anything is wrong, and re-importing changes nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.org.services import importer
from tests.tenants.org.conftest import audit_count, org_state, unit_row

UNIT_HEAD = ["编码", "名称", "类型", "上级编码", "排序"]
PERSON_HEAD = ["工号", "姓名", "单位编码", "类别", "职务", "领导职务", "排序"]

GOOD_UNITS = [
    ["G3", "社会事业组", "分口考核组", "KHB", 3],
    ["D4", "市教育局", "部门", "G3", 1],
    ["D4-1", "办公室", "科室", "D4", 1],
    ["D4-2", "基础教育科", "科室", "D4", 2],
    ["Q2", "薛城区", "区县", "KHB", 20],
]
GOOD_PEOPLE = [
    ["E001", "周局长", "D4", "市管干部", "局长", "主要领导", 1],
    ["E002", "吴副局长", "D4", "县级干部", "副局长", "副职", 2],
    ["E003", "郑科长", "D4-1", "科级及以下", "科长", "无", 3],
    ["E004", "王科员", "D4-2", "一般干部", "科员", "", 4],
    ["E005", "冯见习", "D4-2", "见习人员", "", "", ""],
    ["E006", "陈挂职", "Q2", "挂职干部", "副区长", "副职", 1],
    ["P3", "王统计", "D2", "科级及以下", "", "", 0],  # already there, unchanged
]


def workbook(units=None, people=None, *, unit_head=UNIT_HEAD, person_head=PERSON_HEAD, extra_sheet=True) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    if extra_sheet:
        wb.create_sheet("填表说明").append(["说明文字，导入时忽略"])
    if units is not None:
        sheet = wb.create_sheet("单位")
        sheet.append(unit_head)
        for row in units:
            sheet.append(row)
    if people is not None:
        sheet = wb.create_sheet("人员")
        sheet.append(person_head)
        for row in people:
            sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def preview(client, data: bytes, filename: str = "名册.xlsx"):
    """The upload: checked and previewed, nothing written."""
    return client.post(
        "/t/city/org/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def confirm_form(html: str) -> dict[str, str] | None:
    """The hidden fields of the preview's "确认导入" form (None: nothing to confirm)."""
    if 'class="confirm-import"' not in html:
        return None
    form = html.split('class="confirm-import"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form))


def upload(client, data: bytes, filename: str = "名册.xlsx"):
    """Upload, then "确认导入" when the preview offers it: the import as a user does it."""
    response = preview(client, data, filename)
    fields = confirm_form(response.get_data(as_text=True))
    if response.status_code != 200 or fields is None:
        return response
    return client.post("/t/city/org/import", data=fields)


def issues_in(html: str) -> list[tuple[str, str, str]]:
    """(sheet, row, column) of each row of the issues table."""
    table = html.split('class="table issues"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r"<tr><td class=\"where\">(.*?)</td><td class=\"num where\">(.*?)</td>"
        r"<td class=\"where\">(.*?)</td>",
        table,
    )
    return rows


def test_the_good_file_imports_with_counts(city, as_role):
    client = as_role("office_admin")
    before = audit_count(city.tenant)
    response = upload(client, workbook(GOOD_UNITS, GOOD_PEOPLE))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    result_table = html.split('class="table counts"', 1)[1].split("</table>", 1)[0]
    # units: 5 new; people: 6 new, P3 unchanged
    assert "<td>单位</td><td>5</td><td>0</td><td>0</td><td>5</td>" in result_table
    assert "<td>人员</td><td>6</td><td>0</td><td>1</td><td>7</td>" in result_table
    ids = city.ids
    d4 = unit_row(city.tenant, "D4")
    g3 = unit_row(city.tenant, "G3")
    assert d4.path == f"/{ids['KHB']}/{g3.id}/{d4.id}/"
    assert unit_row(city.tenant, "D4-2").path == f"{d4.path}{unit_row(city.tenant, 'D4-2').id}/"
    # one audit entry per created row, plus one for the import
    assert audit_count(city.tenant) == before + 5 + 6 + 1


def test_reimporting_the_same_file_changes_nothing(city, as_role):
    client = as_role("office_admin")
    data = workbook(GOOD_UNITS, GOOD_PEOPLE)
    assert upload(client, data).status_code == 200
    state = org_state(city.tenant)
    response = upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "没有任何改动" in html
    assert "<td>单位</td><td>0</td><td>0</td><td>5</td><td>5</td>" in html
    assert "<td>人员</td><td>0</td><td>0</td><td>7</td><td>7</td>" in html
    assert org_state(city.tenant) == state  # includes the audit row count


def test_one_bad_row_among_many_leaves_the_database_unchanged(city, as_role):
    client = as_role("office_admin")
    people = [[f"N{i:04d}", f"人员{i}", "D1", "科级及以下", "科员", "无", i] for i in range(300)]
    people[149][3] = "处级干部"  # not a category: Excel row 151 (header is row 1)
    state = org_state(city.tenant)
    response = upload(client, workbook(GOOD_UNITS, people))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "文件有 1 处问题，未导入任何数据" in html
    assert issues_in(html) == [("人员", "151", "类别")]
    assert "处级干部" in html and "类别应为" in html
    assert org_state(city.tenant) == state


def test_every_problem_is_reported_at_once(city, as_role):
    client = as_role("office_admin")
    units = [
        ["U1", "", "部门", "KHB", 1],  # row 2: name missing
        ["U2", "某局", "委办局", "NOPE2", 1],  # row 3: unknown kind, and unknown parent
        ["U3", "某局", "部门", "NOPE", 1],  # row 4: unknown parent
        ["U1", "重复", "部门", "KHB", 1],  # row 5: duplicate code (row 2)
        ["U5", "某局", "部门", "KHB", "第一"],  # row 6: sort order not a number
        ["U6", "长" * 201, "部门", "KHB", 1],  # row 7: name too long
        ["C1", "甲", "部门", "C2", 1],  # row 8: cycle C1 → C2 → C1
        ["C2", "乙", "部门", "C1", 1],  # row 9: the same cycle
        ["KHB", "考核办", "考核办", "S1", 0],  # row 10: the root under its own section
        ["U 9", "空格", "部门", "KHB", 1],  # row 11: a space in the code
    ]
    people = [
        ["X1", "甲", "D1", "科级及以下", "", "", ""],  # row 2: fine
        ["X1", "乙", "D1", "科级及以下", "", "", ""],  # row 3: duplicate staff no
        ["X2", "丙", "NOUNIT", "科级及以下", "", "", ""],  # row 4: unknown unit
        ["X3", "丁", "NOUNIT2", "", "", "", ""],  # row 5: category missing, unknown unit
        ["X4", "戊", "D1", "一般干部", "", "正处", ""],  # row 6: unknown leader role
        ["", "己", "D1", "一般干部", "", "", ""],  # row 7: staff no missing
    ]
    state = org_state(city.tenant)
    response = upload(client, workbook(units, people))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert issues_in(html) == [
        ("单位", "2", "名称"),
        ("单位", "3", "类型"),
        ("单位", "3", "上级编码"),
        ("单位", "4", "上级编码"),
        ("单位", "5", "编码"),
        ("单位", "6", "排序"),
        ("单位", "7", "名称"),
        ("单位", "8", "上级编码"),
        ("单位", "9", "上级编码"),
        ("单位", "10", "上级编码"),
        ("单位", "11", "编码"),
        ("人员", "3", "工号"),
        ("人员", "4", "单位编码"),
        ("人员", "5", "类别"),
        ("人员", "5", "单位编码"),
        ("人员", "6", "领导职务"),
        ("人员", "7", "工号"),
    ]
    assert "文件有 17 处问题" in html
    assert "与第 2 行重复" in html and "上级关系形成循环" in html and "NOPE" in html
    assert org_state(city.tenant) == state


def test_missing_required_columns_are_reported_on_the_header_row(city, as_role):
    client = as_role("office_admin")
    data = workbook(people=[["Y1", "甲", "D1"]], person_head=["工号", "姓名", "单位编码"])
    html = upload(client, data).get_data(as_text=True)
    assert issues_in(html) == [("人员", "1", "类别")]
    assert "缺少必填列“类别”" in html


def test_updates_move_units_and_rewrite_their_subtrees(city, as_role):
    client = as_role("office_admin")
    ids = city.ids
    units = [["D1", "市财政局（更名）", "部门", "G2", 0]]  # renamed and moved to G2
    people = [["P2", "李科员", "S2", "科级及以下", "科员", "无", 0]]  # moved from S1 to S2, position set
    response = upload(client, workbook(units, people))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "<td>单位</td><td>0</td><td>1</td><td>0</td><td>1</td>" in html
    assert "<td>人员</td><td>0</td><td>1</td><td>0</td><td>1</td>" in html
    assert unit_row(city.tenant, "D1").path == f"/{ids['KHB']}/{ids['G2']}/{ids['D1']}/"
    assert unit_row(city.tenant, "S1").path == f"/{ids['KHB']}/{ids['G2']}/{ids['D1']}/{ids['S1']}/"
    # and the same file again is a no-op
    state = org_state(city.tenant)
    assert "没有任何改动" in upload(client, workbook(units, people)).get_data(as_text=True)
    assert org_state(city.tenant) == state


def test_missing_optional_columns_keep_what_is_stored(city, as_role):
    client = as_role("office_admin")
    with tenant_scope(city.tenant):
        from appraisal.tenants.org.models import Person

        db.session.get(Person, city.ids["P1"]).position = "局长"
        db.session.commit()
    data = workbook(people=[["P1", "张局长", "D1", "市管干部"]], person_head=["工号", "姓名", "单位编码", "类别"])
    html = upload(client, data).get_data(as_text=True)
    assert "没有任何改动" in html  # 职务, 领导职务, 排序 absent: kept


def test_english_headers_and_values_and_unknown_columns(city, as_role):
    client = as_role("office_admin")
    data = workbook(
        [["E1", "Bureau", "department", "KHB", 1]],
        [["EN1", "Li Lei", "E1", "general_staff", "clerk", "none", 1, "备注"]],
        unit_head=["code", "name", "kind", "parent_code", "sort_order"],
        person_head=["staff_no", "name", "unit_code", "category", "position", "leader_role", "sort_order", "备注"],
    )
    # an unknown column is an error naming its cell (it used to be dropped with a note)
    response = upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ("人员", "1", "H1") in issues_in(html) and "备注" in html
    data = workbook(
        [["E1", "Bureau", "department", "KHB", 1]],
        [["EN1", "Li Lei", "E1", "general_staff", "clerk", "none", 1]],
        unit_head=["code", "name", "kind", "parent_code", "sort_order"],
        person_head=["staff_no", "name", "unit_code", "category", "position", "leader_role", "sort_order"],
    )
    response = upload(client, data)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert unit_row(city.tenant, "E1").name == "Bureau"


def _csv(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_files_are_one_table_recognised_by_headers(city, as_role, encoding):
    client = as_role("office_admin")
    response = upload(client, _csv([UNIT_HEAD] + GOOD_UNITS, encoding), "units.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    response = upload(client, _csv([PERSON_HEAD] + GOOD_PEOPLE, encoding), "people.csv")
    html = response.get_data(as_text=True)
    assert "<td>人员</td><td>6</td><td>0</td><td>1</td><td>7</td>" in html
    bad = GOOD_PEOPLE[:2] + [["E9", "错", "D4", "干部", "", "", ""]]
    html = upload(client, _csv([PERSON_HEAD] + bad, encoding), "people.csv").get_data(as_text=True)
    assert issues_in(html) == [("人员", "4", "类别")]


def test_unreadable_files_are_refused_clearly(city, as_role):
    client = as_role("office_admin")
    html = upload(client, b"not a workbook", "名册.xlsx").get_data(as_text=True)
    assert "无法读取该 Excel 文件" in html
    html = upload(client, b"x", "名册.xls").get_data(as_text=True)
    assert "另存为” .xlsx" in html
    response = upload(client, b"a,b\n1,2\n", "名册.csv")
    assert response.status_code == 422 and "表头不符合模板" in response.get_data(as_text=True)
    response = client.post("/t/city/org/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择要导入的文件" in response.get_data(as_text=True)


def test_template_download_has_the_headers_dropdowns_and_instructions(city, as_role):
    client = as_role("office_admin")
    response = client.get("/t/city/org/import/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["单位", "人员", "示例", "填表说明"]
    assert [c.value for c in wb["单位"][1]] == UNIT_HEAD
    assert [c.value for c in wb["人员"][1]] == PERSON_HEAD
    dropdowns = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in wb["人员"].data_validations.dataValidation}
    assert "市管干部" in dropdowns["D"] and "主要领导" in dropdowns["F"]
    assert "部门" in wb["单位"].data_validations.dataValidation[0].formula1
    assert "填表说明" in wb["填表说明"]["A1"].value
    # the examples are on their own sheet: the unedited template imports nothing
    # (it used to rename the city's KHB and create four fictitious people)
    assert "张明" in [c.value for row in wb["示例"].iter_rows() for c in row]
    state = org_state(city.tenant)
    response = upload(client, response.data, "名册导入模板.xlsx")
    assert response.status_code == 422 and "没有数据行" in response.get_data(as_text=True)
    assert org_state(city.tenant) == state


def test_exported_roster_imports_back_as_a_no_op(city, as_role):
    for role in ("office_admin", "unit_admin"):
        client = as_role(role)
        response = client.get("/t/city/org/export.xlsx")
        assert response.status_code == 200
        state = org_state(city.tenant)
        html = upload(client, response.data).get_data(as_text=True)
        assert "没有任何改动" in html, (role, html)
        assert org_state(city.tenant) == state


def test_unit_admin_imports_only_inside_their_subtree(city, as_role):
    client = as_role("unit_admin")
    ok = workbook([["S3", "会计科", "科室", "D1", 3]], [["Z1", "新人", "S3", "一般干部", "", "", ""]])
    response = upload(client, ok)
    assert response.status_code == 200, response.get_data(as_text=True)
    state = org_state(city.tenant)
    bad = workbook(
        [
            ["D2", "市统计局", "部门", "G1", 0],  # row 2: not theirs
            ["S4", "新科", "科室", "D2", 1],  # row 3: under a unit not theirs
            ["D1", "市财政局", "部门", "G2", 0],  # row 4: moving their own unit
            ["S5", "新组", "分口考核组", "D1", 1],  # row 5: a kind only the office sets
            ["S6", "顶级", "部门", "", 1],  # row 6: a top-level unit
        ],
        [
            ["P3", "王统计", "S1", "科级及以下", "", "", ""],  # row 2: someone else's person
            ["Z2", "外调", "D3", "一般干部", "", "", ""],  # row 3: a unit not theirs
        ],
    )
    html = upload(client, bad).get_data(as_text=True)
    assert issues_in(html) == [
        ("单位", "2", "编码"),
        ("单位", "3", "上级编码"),
        ("单位", "4", "上级编码"),
        ("单位", "5", "类型"),
        ("单位", "6", "上级编码"),
        ("人员", "2", "工号"),
        ("人员", "3", "单位编码"),
    ]
    assert org_state(city.tenant) == state


def test_sector_lead_assessor_and_staff_cannot_import(city, as_role):
    for role in ("sector_lead", "assessor", "staff"):
        client = as_role(role)
        assert client.get("/t/city/org/import").status_code == 403
        assert upload(client, workbook(GOOD_UNITS, GOOD_PEOPLE)).status_code == 403
        assert client.get("/t/city/org/import/template.xlsx").status_code == 403


def test_importer_checks_without_per_row_queries(city, app):
    """2,000 people and 100 units are checked with a handful of queries."""
    from sqlalchemy import event

    units = [[f"L{i:03d}", f"单位{i}", "部门", "KHB", i] for i in range(100)]
    people = [[f"M{i:05d}", f"人员{i}", f"L{i % 100:03d}", "科级及以下", "科员", "无", i] for i in range(2000)]
    tables, issues = importer.read_tables("big.xlsx", workbook(units, people))
    assert not issues
    statements = []

    def listener(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with tenant_scope(city.tenant):
            user = db.session.merge(city.users["office_admin"])
            importer.plan_import(tables, user)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 10, statements


def test_units_and_people_cannot_go_under_a_deactivated_unit(city, as_role):
    client = as_role("office_admin")
    client.post(f"/t/city/org/units/{city.ids['S2']}/active", data={"active": "0"})
    state = org_state(city.tenant)
    html = upload(
        client, workbook([["S2-1", "小组", "科室", "S2", 1]], [["Q9", "新人", "S2", "一般干部", "", "", ""]])
    ).get_data(as_text=True)
    assert issues_in(html) == [("单位", "2", "上级编码"), ("人员", "2", "单位编码")]
    assert "已停用" in html
    assert org_state(city.tenant) == state
    # listing the deactivated unit in the file activates it again: then both are fine
    html = upload(
        client,
        workbook(
            [["S2", "国库科", "科室", "D1", 0], ["S2-1", "小组", "科室", "S2", 1]],
            [["Q9", "新人", "S2", "一般干部", "", "", ""]],
        ),
    ).get_data(as_text=True)
    assert "<td>单位</td><td>1</td><td>1</td><td>0</td><td>2</td>" in html
    assert unit_row(city.tenant, "S2").active


# --- the preview (issue 16): nothing is written before "确认导入" ---------------


def test_the_preview_shows_adds_and_changes_and_writes_nothing_until_confirmed(city, as_role):
    client = as_role("office_admin")
    units = [["D1", "市财政局（更名）", "部门", "G2", 0], ["D9", "市审计局", "部门", "G1", 9]]
    people = [["P2", "李科员", "S1", "科级及以下", "科员", "无", 0], ["P3", "王统计", "D2", "科级及以下", "", "", 0]]
    state = org_state(city.tenant)
    response = preview(client, workbook(units, people))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert org_state(city.tenant) == state  # nothing written, no audit entry
    assert "将新增 1 行" in html and "市审计局" in html
    assert "将修改 2 行" in html
    # before → after, in words a clerk reads
    assert "<del>市财政局</del> → <ins>市财政局（更名）</ins>" in html
    assert "<del>G1</del> → <ins>G2</ins>" in html
    assert "<del>—</del> → <ins>科员</ins>" in html
    assert "1 行与系统中一致，保持不变" in html
    fields = confirm_form(html)
    assert fields is not None and re.fullmatch(r"[0-9a-f]{64}", fields["digest"])
    response = client.post("/t/city/org/import", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "已导入并保存" in html
    assert unit_row(city.tenant, "D1").name == "市财政局（更名）"
    assert unit_row(city.tenant, "D9") is not None
    # the staged file is gone: confirming twice imports nothing more
    state = org_state(city.tenant)
    again = client.post("/t/city/org/import", data=fields)
    assert again.status_code == 422 and "请重新上传" in again.get_data(as_text=True)
    assert org_state(city.tenant) == state


def test_a_database_changed_since_the_preview_is_checked_again(city, as_role):
    client = as_role("office_admin")
    html = preview(client, workbook([["D1", "市财政局（更名）", "部门", "G1", 0]])).get_data(as_text=True)
    fields = confirm_form(html)
    with tenant_scope(city.tenant):
        from appraisal.tenants.org.models import OrgUnit

        db.session.get(OrgUnit, city.ids["D1"]).name = "市财政局（他人已改）"
        db.session.commit()
    state = org_state(city.tenant)
    response = client.post("/t/city/org/import", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "预览之后系统中的数据有变化" in html
    assert "<del>市财政局（他人已改）</del> → <ins>市财政局（更名）</ins>" in html  # the new preview
    assert org_state(city.tenant) == state
    response = client.post("/t/city/org/import", data=confirm_form(html))  # confirmed after reading it again
    assert response.status_code == 200 and unit_row(city.tenant, "D1").name == "市财政局（更名）"


def test_a_confirmation_needs_the_previewed_file_of_the_same_user(city, as_role):
    office = as_role("office_admin")
    fields = confirm_form(preview(office, workbook([["D9", "市审计局", "部门", "G1", 9]])).get_data(as_text=True))
    state = org_state(city.tenant)
    for digest in ("0" * 64, "../../etc/passwd", ""):
        response = office.post("/t/city/org/import", data={**fields, "digest": digest})
        assert response.status_code == 422, digest
    other = as_role("unit_admin")  # another account that may import: not their preview
    response = other.post("/t/city/org/import", data=fields)
    assert response.status_code == 422 and "请重新上传" in response.get_data(as_text=True)
    assert org_state(city.tenant) == state


def test_a_title_row_above_the_header_is_skipped_with_a_message(city, as_role):
    client = as_role("office_admin")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "人员"
    sheet.append(["2026年度市直部门人员名册"])
    sheet.merge_cells("A1:G1")
    sheet.append(PERSON_HEAD)
    sheet.append(["Y1", "甲", "D1", "一般干部", "", "", 1])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = upload(client, buffer.getvalue())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "第 1 行“2026年度市直部门人员名册”是标题，已跳过；第 2 行作为表头" in html
    assert "已导入并保存" in html


def test_a_missing_header_says_which_row_was_read_as_the_header(city, as_role):
    client = as_role("office_admin")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "人员"
    sheet.append(["2026年度名册"])
    sheet.append(["工号", "姓名", "单位编码"])
    sheet.append(["Y1", "甲", "D1"])
    buffer = io.BytesIO()
    wb.save(buffer)
    html = upload(client, buffer.getvalue()).get_data(as_text=True)
    assert "缺少必填列“类别”：第 2 行被读作表头（工号、姓名、单位编码）" in html
