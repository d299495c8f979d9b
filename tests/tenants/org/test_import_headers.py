"""Roster import: no column is dropped silently (merged, unknown or blank
headers are errors naming the cell), the template's example rows are never
imported, and full-width letters and digits in codes are normalised."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.org.models import Person
from appraisal.tenants.org.services.roster_file import PERSON_EXAMPLES, UNIT_EXAMPLES
from tests.tenants.org.conftest import org_state
from tests.tenants.org.test_import import PERSON_HEAD, UNIT_HEAD, issues_in, upload


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def person(tenant, staff_no: str):
    with tenant_scope(tenant):
        return db.session.scalar(select(Person).where(Person.staff_no == staff_no))


def test_merged_header_cells_are_refused_naming_the_range(city, as_role):
    """职务 merged over 领导职务: the 领导职务 column used to be lost silently."""
    client = as_role("office_admin")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "人员"
    sheet.append(["工号", "姓名", "单位编码", "类别", "职务", None, "排序"])
    sheet.merge_cells("E1:F1")
    sheet.append(["N1", "新人", "D1", "一般干部", "科员", "主要领导", 1])
    state = org_state(city.tenant)
    response = upload(client, _save(wb))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("人员", "1", "E1:F1") in issues_in(html)
    assert "第 1 行 E1:F1 是合并单元格" in html
    assert org_state(city.tenant) == state


def test_a_column_with_data_but_no_header_is_refused(city, as_role):
    client = as_role("office_admin")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "人员"
    sheet.append(["工号", "姓名", "单位编码", "类别", "职务", None])
    sheet.append(["N1", "新人", "D1", "一般干部", "科员", "主要领导"])
    response = upload(client, _save(wb))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ("人员", "1", "F1") in issues_in(html)
    assert "F 列有数据但没有列标题" in html


def test_unknown_and_repeated_headers_are_refused_naming_the_cell(city, as_role):
    client = as_role("office_admin")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "单位"
    sheet.append(UNIT_HEAD + ["单位全程", "名称"])
    sheet.append(["N1", "新单位", "部门", "KHB", 1, "x", "y"])
    html = upload(client, _save(wb)).get_data(as_text=True)
    assert issues_in(html) == [("单位", "1", "F1"), ("单位", "1", "G1")]
    assert "无法识别的列标题“单位全程”" in html and "列标题“名称”与 B 列重复" in html


def test_example_rows_of_an_old_template_are_refused(city, as_role):
    """Templates downloaded before the examples moved to their own sheet had
    them on the data sheets: importing one unedited renamed KHB and created
    four fictitious people."""
    client = as_role("office_admin")
    wb = Workbook()
    units = wb.active
    units.title = "单位"
    units.append(UNIT_HEAD)
    for row in UNIT_EXAMPLES:
        units.append(list(row))
    people = wb.create_sheet("人员")
    people.append(PERSON_HEAD)
    for row in PERSON_EXAMPLES:
        people.append(list(row))
    people.append(["R9", "真实的人", "D1", "一般干部", "", "", 9])
    state = org_state(city.tenant)
    response = upload(client, _save(wb))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert issues_in(html) == [("单位", str(n), "编码") for n in range(2, 7)] + [
        ("人员", str(n), "工号") for n in range(2, 6)
    ]
    assert "这是模板中的示例行（RY00001 张明）" in html
    assert org_state(city.tenant) == state


def test_full_width_letters_and_digits_in_codes_are_normalised(city, as_role):
    client = as_role("office_admin")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "人员"
    sheet.append(PERSON_HEAD)
    sheet.append(["ＷＩ００１", "全角工号", "Ｄ１", "一般干部", "", "", 1])
    response = upload(client, _save(wb))
    assert response.status_code == 200, response.get_data(as_text=True)
    found = person(city.tenant, "WI001")
    assert found is not None and found.name == "全角工号"
    # importing it again finds the same person (no duplicate)
    html = upload(client, _save(wb)).get_data(as_text=True)
    assert "没有任何改动" in html
