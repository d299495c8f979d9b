"""Roster import through its preview: the office uploads a file with a title row,
reads what it would add and change, and only "确认导入" writes it."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from tests.browser.conftest import require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402

SHOTS = Path("/tmp/shots_grid")


def _names(city) -> dict[str, str]:
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.org.models import Person

    with tenant_scope(city.tenant):
        names = dict(db.session.execute(select(Person.staff_no, Person.name)).all())
    db.session.remove()
    return names


def test_a_roster_is_imported_through_its_preview(city, page_as, tmp_path):
    wb = Workbook()
    sheet = wb.active
    sheet.title = "人员"
    sheet.append(["2026年度人员名册（市财政局）"])
    sheet.append(["工号", "姓名", "单位编码", "类别", "职务", "领导职务", "排序"])
    sheet.append(["D1-1", "财政科长（更名）", "D1", "科级及以下", "科长", "无", 2])  # a change
    sheet.append(["N001", "新来的科员", "D1", "一般干部", "科员", "", 9])  # an addition
    path = tmp_path / "名册.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    before = _names(city)

    office = page_as("office_admin")
    office.goto(f"/t/{city.slug}/org/import")
    office.set_input_files("input[type=file]", str(path))
    office.get_by_role("button", name="上传并预览").click()
    preview = office.locator("#import-preview")
    expect(preview).to_contain_text("将新增 1 行")
    expect(preview).to_contain_text("将修改 1 行")
    expect(preview.locator("ins", has_text="财政科长（更名）")).to_be_visible()
    expect(office.locator(".flash-info").first).to_contain_text("是标题，已跳过；第 2 行作为表头")
    SHOTS.mkdir(exist_ok=True)
    office.screenshot(path=str(SHOTS / "roster-preview.png"), full_page=True)
    assert _names(city) == before  # the preview writes nothing

    office.get_by_role("button", name="确认导入").click()
    expect(office.locator(".flash-success")).to_contain_text("已导入并保存")
    office.screenshot(path=str(SHOTS / "roster-imported.png"), full_page=True)
    after = _names(city)
    assert after["D1-1"] == "财政科长（更名）" and after["N001"] == "新来的科员"
