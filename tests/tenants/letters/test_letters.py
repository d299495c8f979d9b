"""Responsibility letters: draft → submit → return with a reason → approve (frozen)."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase
from appraisal.tenants.letters import services as letters
from appraisal.tenants.letters.models import Letter, LetterStatus
from tests.helpers import login


def _letter(year):
    db.session.expire_all()
    with tenant_scope(year.tenant):
        return db.session.scalar(
            select(Letter).options(selectinload(Letter.items)).where(Letter.appraisee_id == year.ids["appraisee"])
        )


def url(year, suffix=""):
    return f"/t/{year.tenant.slug}/letters/{year.ids['appraisee']}{suffix}"


def test_unit_drafts_submits_sector_group_returns_then_approves(app, year):
    unit, lead = app.test_client(), app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])
    login(lead, year.tenant, year.users["sector_lead"])
    # 30 points exist from the fixture; 70 are needed
    unit.post(url(year, "/items"), data={"title": "固定资产投资", "points": "25", "measure": "按完成率计分"})
    response = unit.post(url(year, "/submit"), follow_redirects=True)
    assert "业务目标分值合计为 55 分，应为 70 分" in response.get_data(as_text=True)
    assert _letter(year).status == LetterStatus.DRAFT
    unit.post(url(year, "/items"), data={"title": "营商环境", "points": "15"})
    assert unit.post(url(year, "/submit")).status_code == 302
    assert _letter(year).status == LetterStatus.SUBMITTED
    # while submitted the unit cannot change it
    page = unit.post(url(year, "/items"), data={"title": "偷改", "points": "1"}, follow_redirects=True)
    assert "不能修改" in page.get_data(as_text=True)
    # returning needs a reason, which the unit then sees
    version = _letter(year).version
    lead.post(url(year, "/decide"), data={"decision": "return", "reason": "", "version": version})
    assert _letter(year).status == LetterStatus.SUBMITTED
    lead.post(url(year, "/decide"), data={"decision": "return", "reason": "营商环境指标需量化", "version": version})
    assert _letter(year).status == LetterStatus.RETURNED
    assert "营商环境指标需量化" in unit.get(url(year)).get_data(as_text=True)
    unit.post(url(year, "/submit"))
    lead.post(url(year, "/decide"), data={"decision": "approve", "version": _letter(year).version})
    letter = _letter(year)
    assert letter.status == LetterStatus.APPROVED and len(letter.approved_hash) == 64
    # frozen
    unit.post(url(year, "/items"), data={"title": "事后补充", "points": "1"})
    assert len(_letter(year).items) == 3
    assert "年度目标管理责任书" in unit.get(url(year, "/print")).get_data(as_text=True)


def test_a_review_of_stale_content_is_refused(year):
    with tenant_scope(year.tenant):
        letter = db.session.scalar(select(Letter).where(Letter.appraisee_id == year.ids["appraisee"]))
        letters.save_item(letter, title="补足", points="40")
        letters.submit(letter)
        seen = letter.version
        letter.status = LetterStatus.RETURNED  # e.g. the office bounced it meanwhile
        letters.save_item(letter, title="新增", points="1")
        letters.remove_item(letter, letter.items[-1])
        letters.submit(letter)
        assert letter.version != seen
        with pytest.raises(letters.LetterError, match="已被修改"):
            letters.decide(letter, approve=True, seen_version=seen)


def test_sector_lead_of_another_group_cannot_review(app, year, make_user):
    with tenant_scope(year.tenant):
        other_group_dept = db.session.scalar(select(Appraisee).where(Appraisee.ranking_group == "社会事业组"))
    lead = app.test_client()
    login(lead, year.tenant, year.users["sector_lead"])  # lead of 综合经济组
    assert lead.get(f"/t/city/letters/{other_group_dept.id}").status_code == 403
    assert lead.post(f"/t/city/letters/{other_group_dept.id}/decide", data={"decision": "approve"}).status_code == 403
    unit = app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])  # admin of 市财政局
    assert (
        unit.post(f"/t/city/letters/{other_group_dept.id}/items", data={"title": "x", "points": "1"}).status_code == 403
    )


def test_letters_only_while_setting_targets(app, year):
    with tenant_scope(year.tenant):
        cycles.move_phase(db.session.get(Cycle, year.ids["cycle"]), Phase.TRACKING)
        db.session.commit()
    unit = app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])
    page = unit.post(url(year, "/items"), data={"title": "迟到", "points": "1"}, follow_redirects=True)
    assert "此操作只能在“目标制定”阶段进行" in page.get_data(as_text=True)


def test_office_sees_late_letters(app, year):
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        rows = [
            r
            for r in letters.overview(cycle, today=date(2026, 3, 16))
            if r.appraisee.population_id == year.ids["dept_pop"]
        ]
    assert len(rows) == 5 and all(r.late for r in rows)
    assert [r.status for r in rows].count("draft") == 1 and [r.status for r in rows].count("missing") == 4
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    listing = office.get("/t/city/letters/?status=missing").get_data(as_text=True)
    assert "市教育局" in listing and "市财政局" not in listing
    export = office.get("/t/city/letters/?export=1")
    assert export.status_code == 200 and export.mimetype.endswith("sheet")


def test_unit_admin_lists_only_their_own_unit(app, year):
    unit = app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])
    listing = unit.get("/t/city/letters/").get_data(as_text=True)
    assert "市财政局" in listing and "市教育局" not in listing
    staff = app.test_client()
    login(staff, year.tenant, year.users["staff"])
    assert staff.get("/t/city/letters/").status_code == 403


@pytest.mark.parametrize("version", ["abc", "1.5", str(2**40)])
def test_a_decision_with_a_garbled_version_is_refused_not_a_server_error(app, year, version):
    unit, lead = app.test_client(), app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])
    login(lead, year.tenant, year.users["sector_lead"])
    unit.post(url(year, "/items"), data={"title": "固定资产投资", "points": "40"})
    assert unit.post(url(year, "/submit")).status_code == 302
    response = lead.post(url(year, "/decide"), data={"decision": "approve", "version": version})
    assert response.status_code == 400
    assert _letter(year).status == LetterStatus.SUBMITTED


def test_the_edit_link_fills_the_form_with_that_item_only(app, year, other_year):
    unit = app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])
    item_id = year.ids["letter_item"]
    page = unit.get(url(year), query_string={"edit": item_id}).get_data(as_text=True)
    assert f'name="item_id" value="{item_id}"' in page and 'value="财政收入增长"' in page
    for other in ("abc", str(2**40), str(other_year.ids["letter_item"])):
        page = unit.get(url(year), query_string={"edit": other}).get_data(as_text=True)
        assert 'name="item_id"' not in page, other
