"""Bulk upload of scores from Excel: the template, and all-or-nothing checking
with every problem named by sheet, row, column and reason."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.scoring.models import Score
from tests.helpers import login
from tests.tenants.scoring.conftest import dept


def urls(year) -> tuple[str, str]:
    base = f"/t/{year.tenant.slug}/scoring"
    return f"{base}/template.xlsx?population={year.ids['dept_pop']}", f"{base}/upload?population={year.ids['dept_pop']}"


@pytest.fixture
def assessor(app, scoring_year):
    client = app.test_client()
    login(client, scoring_year.tenant, scoring_year.users["assessor"])
    return client


def template(client, year):
    response = client.get(urls(year)[0])
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(BytesIO(response.get_data()))


def preview(client, year, wb, name="评分.xlsx"):
    """The upload: checked and previewed, nothing written."""
    buffer = BytesIO()
    wb.save(buffer)
    return client.post(
        urls(year)[1], data={"file": (BytesIO(buffer.getvalue()), name)}, content_type="multipart/form-data"
    )


def confirm_form(html: str) -> dict[str, str] | None:
    if 'class="confirm-import' not in html:
        return None
    form = html.split('class="confirm-import', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form))


def upload(client, year, wb, name="评分.xlsx"):
    """Upload, then "确认导入" when the preview offers it: the upload as a user does it."""
    response = preview(client, year, wb, name)
    fields = confirm_form(response.get_data(as_text=True))
    if response.status_code != 200 or fields is None:
        return response
    return client.post(urls(year)[1], data=fields)


def score_count(year) -> int:
    with tenant_scope(year.tenant):
        return db.session.scalar(select(func.count()).select_from(Score))


def issues(response) -> list[tuple[str, str, str]]:
    """(row, column, reason) of every problem listed on the page."""
    html = response.get_data(as_text=True)
    body = html.split('class="table issues"', 1)[1]
    rows = re.findall(
        r"<tr><td[^>]*>[^<]*</td><td class=\"num[^\"]*\">([^<]*)</td><td[^>]*>([^<]*)</td>\s*"
        r"<td[^>]*>.*?</td><td>([^<]*)</td></tr>",
        body,
        flags=re.DOTALL,
    )
    return rows


def test_the_template_has_the_assessors_indicator_and_every_appraisee(assessor, scoring_year):
    ws = template(assessor, scoring_year)["评分"]
    headers = [c.value for c in ws[1]]
    assert headers[:2] == ["ID", "考核对象"]
    assert headers[2].startswith("党的建设") and headers[2].endswith("[public.party_building]")
    assert headers[-1].startswith("说明")
    assert len(headers) == 4  # only party building: the other public indicators are not theirs
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == [
        "市财政局",
        "市发改委",
        "市委组织部",
        "市教育局",
        "市卫健委",
    ]


def test_a_good_file_saves_every_score(assessor, scoring_year):
    wb = template(assessor, scoring_year)
    ws = wb["评分"]
    for row, value in zip(range(2, 7), (9, 8.5, 10, 7, 6), strict=True):
        ws.cell(row=row, column=3, value=value)
    response = upload(assessor, scoring_year, wb)
    assert response.status_code == 200, issues(response)
    assert "保存 5 项评分" in response.get_data(as_text=True)
    with tenant_scope(scoring_year.tenant):
        assert db.session.scalar(select(Score.value).where(Score.appraisee_id == dept(scoring_year, 1).id)) == Decimal(
            "8.5"
        )
    # the same file again changes nothing
    response = upload(assessor, scoring_year, template(assessor, scoring_year))
    assert response.status_code == 200 and "保存 0 项评分" in response.get_data(as_text=True)


def test_any_problem_writes_nothing_and_every_problem_is_named(assessor, scoring_year):
    wb = template(assessor, scoring_year)
    ws = wb["评分"]
    ws.cell(row=2, column=3, value=9)  # fine, but not saved: the file has problems
    ws.cell(row=3, column=3, value=12)  # over the 10 points
    ws.cell(row=4, column=3, value="优")  # not a number
    ws.cell(row=5, column=1, value=99999)  # not an appraisee of this population
    ws.cell(row=7, column=1, value=ws.cell(row=2, column=1).value)  # the first row again
    ws.cell(row=7, column=3, value=5)
    ws.cell(row=1, column=5, value="奖励分 [bonus_points]")  # not a template column
    ws.cell(row=2, column=5, value=1)
    response = upload(assessor, scoring_year, wb)
    assert response.status_code == 422
    found = issues(response)
    assert ("1", "E（奖励分 [bonus_points]）", "无法识别的列：请使用模板中的列标题（方括号内为指标代码）") in found
    assert any(r == "3" and c.startswith("C（党的建设") and "0–10分" in m for r, c, m in found)
    assert any(r == "4" and c.startswith("C") and m == "须为数字" for r, c, m in found)
    assert ("5", "A（ID）", "不是本群体的考核对象") in found
    assert ("7", "A（ID）", "与第 2 行重复") in found
    assert score_count(scoring_year) == 0


def test_a_column_of_someone_elses_indicator_is_refused(assessor, scoring_year):
    wb = template(assessor, scoring_year)
    ws = wb["评分"]
    ws.cell(row=1, column=5, value="党风廉政建设 [public.clean_governance]")
    ws.cell(row=2, column=5, value=8)
    response = upload(assessor, scoring_year, wb)
    assert response.status_code == 422
    assert ("1", "E（党风廉政建设 [public.clean_governance]）", "您无权录入此指标，请删除该列") in issues(response)


def test_lowering_in_a_file_needs_the_reason_column(app, assessor, scoring_year):
    wb = template(assessor, scoring_year)
    wb["评分"].cell(row=2, column=3, value=9)
    assert upload(assessor, scoring_year, wb).status_code == 200
    wb = template(assessor, scoring_year)
    wb["评分"].cell(row=2, column=3, value=7)
    response = upload(assessor, scoring_year, wb)
    assert response.status_code == 422
    assert any(r == "2" and m == "降低分数须填写原因" for r, _, m in issues(response))
    wb["评分"].cell(row=2, column=4, value="年底检查发现问题")
    assert upload(assessor, scoring_year, wb).status_code == 200


def test_a_score_changed_since_the_download_is_not_overwritten(app, assessor, scoring_year):
    stale = template(assessor, scoring_year)  # downloaded while nothing was scored
    office = app.test_client()
    login(office, scoring_year.tenant, scoring_year.users["office_admin"])
    fresh = template(office, scoring_year)
    fresh["评分"].cell(row=2, column=3, value=9)  # the office's template: party building is column C too
    assert upload(office, scoring_year, fresh).status_code == 200
    stale["评分"].cell(row=2, column=3, value=6)
    response = upload(assessor, scoring_year, stale)
    assert response.status_code == 422
    assert any(r == "2" and "已被他人修改为 9" in m for r, _, m in issues(response))


def test_not_an_excel_file(assessor, scoring_year):
    response = assessor.post(
        urls(scoring_year)[1], data={"file": (BytesIO(b"a,b"), "scores.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "请上传 Excel 文件" in response.get_data(as_text=True)


def test_the_preview_writes_nothing_and_a_changed_score_is_caught_at_confirmation(assessor, scoring_year, app):
    wb = template(assessor, scoring_year)
    ws = wb["评分"]
    for row, value in zip(range(2, 7), (9, 8.5, 10, 7, 6), strict=True):
        ws.cell(row=row, column=3, value=value)
    response = preview(assessor, scoring_year, wb)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, issues(response)
    assert score_count(scoring_year) == 0  # nothing written before "确认导入"
    assert "将保存 5 项评分" in html and "<ins>8.5</ins>" in html
    fields = confirm_form(html)
    assert fields is not None
    # someone else scores 市发改委 meanwhile, in the grid
    other = app.test_client()
    login(other, scoring_year.tenant, scoring_year.users["office_admin"])
    with tenant_scope(scoring_year.tenant):
        appraisee_id = dept(scoring_year, 1).id
    grid = f"/t/{scoring_year.tenant.slug}/scoring/grid?population={scoring_year.ids['dept_pop']}"
    cell = f"{appraisee_id}|public.party_building"
    saved = other.post(grid, data={f"v|{cell}": "7", f"o|{cell}": "", f"s|{cell}": "0", "row": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    response = assessor.post(urls(scoring_year)[1], data=fields)
    assert response.status_code == 422
    assert "已被他人修改为 7" in response.get_data(as_text=True)
    assert score_count(scoring_year) == 1  # only the other person's score
