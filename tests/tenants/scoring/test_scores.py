"""Score entry: the grid, values checked against the indicator, reasons for
lowered scores, optimistic locking (a stale save is refused with both values),
phases, revisions and the audit log."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Phase
from appraisal.tenants.scoring.models import Score, ScoreRevision
from appraisal.tenants.scoring.services import scores
from appraisal.tenants.scoring.services.common import ScoringError
from tests.helpers import login
from tests.tenants.scoring.conftest import approve_letter, dept, move_to

PARTY = "public.party_building"


def grid_url(year) -> str:
    return f"/t/{year.tenant.slug}/scoring/grid?population={year.ids['dept_pop']}"


def cell(year, index: int, code: str = PARTY) -> str:
    with tenant_scope(year.tenant):
        return f"{dept(year, index).id}|{code}"


def seen_version(html: str, cell_id: str) -> int:
    match = re.search(r'name="s\|' + re.escape(cell_id) + r'" value="(\d+)"', html)
    assert match, f"no version for {cell_id} on the page"
    return int(match.group(1))


def post_cell(client, url, cell_id, value, *, original="", version=0, reason=""):
    row = cell_id.split("|")[0]
    return client.post(
        url,
        data={f"v|{cell_id}": value, f"o|{cell_id}": original, f"s|{cell_id}": version, f"r|{row}": reason, "row": ""},
    )


def stored(year, index: int, code: str = PARTY, item: str = "") -> Score | None:
    with tenant_scope(year.tenant):
        return db.session.scalar(
            select(Score).where(
                Score.appraisee_id == dept(year, index).id, Score.indicator_key == code, Score.item_key == item
            )
        )


@pytest.fixture
def assessor(app, scoring_year):
    client = app.test_client()
    login(client, scoring_year.tenant, scoring_year.users["assessor"])
    return client


@pytest.fixture
def office(app, scoring_year):
    client = app.test_client()
    login(client, scoring_year.tenant, scoring_year.users["office_admin"])
    return client


def test_the_assessor_sees_only_the_indicators_their_department_assesses(assessor, office, scoring_year):
    html = assessor.get(grid_url(scoring_year)).get_data(as_text=True)
    assert "党的建设" in html and "党风廉政建设" not in html
    assert "市财政局" in html and "已评 0 / 5" in html  # 5 departments × 1 indicator
    html = office.get(grid_url(scoring_year)).get_data(as_text=True)
    for name in ("党的建设", "党风廉政建设", "精神文明建设", "招商引资"):
        assert name in html
    assert "已评 0 / 20" in html


def test_a_saved_score_keeps_a_revision_and_an_audit_row(assessor, scoring_year):
    c = cell(scoring_year, 0)
    response = post_cell(assessor, grid_url(scoring_year), c, "8.5")
    assert response.status_code == 302
    score = stored(scoring_year, 0)
    assert score.value == Decimal("8.5") and score.version == 1
    assert score.entered_by_id == scoring_year.users["assessor"].id
    with tenant_scope(scoring_year.tenant):
        revisions = list(db.session.scalars(select(ScoreRevision).where(ScoreRevision.score_id == score.id)))
        audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "score.enter")).all()
    assert [(r.value_before, r.value_after) for r in revisions] == [(None, Decimal("8.5"))]
    assert (len(audit) == 1 and audit[0].after["value"] == "8.500") or audit[0].after["value"] == "8.5"
    html = assessor.get(grid_url(scoring_year)).get_data(as_text=True)
    assert "已评 1 / 5" in html and 'value="8.5"' in html


def test_a_stale_save_is_refused_with_both_values(app, assessor, scoring_year):
    other = app.test_client()
    login(other, scoring_year.tenant, scoring_year.users["office_admin"])
    c = cell(scoring_year, 1)
    mine = assessor.get(grid_url(scoring_year)).get_data(as_text=True)
    theirs = other.get(grid_url(scoring_year)).get_data(as_text=True)
    assert seen_version(mine, c) == seen_version(theirs, c) == 0
    assert post_cell(other, grid_url(scoring_year), c, "9").status_code == 302
    # the assessor saves what they typed on the page they loaded before
    response = post_cell(assessor, grid_url(scoring_year), c, "7", version=seen_version(mine, c), reason="复核")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert re.search(r'class="num yours">7<', body) and re.search(r'class="num theirs">9<', body)
    assert stored(scoring_year, 1).value == Decimal(9)

    # both reload (version 1); the first save wins, the second is refused again
    mine = assessor.get(grid_url(scoring_year)).get_data(as_text=True)
    theirs = other.get(grid_url(scoring_year)).get_data(as_text=True)
    assert seen_version(mine, c) == seen_version(theirs, c) == 1
    assert post_cell(other, grid_url(scoring_year), c, "10", original="9", version=1).status_code == 302
    response = post_cell(assessor, grid_url(scoring_year), c, "6", original="9", version=1, reason="扣减")
    assert response.status_code == 409
    assert "10" in response.get_data(as_text=True)
    assert stored(scoring_year, 1).value == Decimal(10) and stored(scoring_year, 1).version == 2


def test_the_database_refuses_a_write_over_a_newer_version(app, scoring_year):
    """Two sessions hold version 1; the second flush finds version 2 and is refused."""
    from appraisal.tenants.scoring.services.scores import Entry, save_entries

    with app.test_request_context(), tenant_scope(scoring_year.tenant):
        user = _office_user(scoring_year)
        appraisee = dept(scoring_year, 2)
        column = next(c for c in scores.scheme_columns(appraisee.population) if c.indicator_key == PARTY)
        save_entries([Entry(appraisee, column, "5")], user)
        db.session.commit()
        score = stored(scoring_year, 2)
        # someone else's transaction bumps the version behind our back
        db.session.execute(
            Score.__table__.update().where(Score.__table__.c.id == score.id).values(value=Decimal(6), version=2)
        )
        with pytest.raises(scores.ScoreConflict):
            save_entries([Entry(appraisee, column, "4", seen_version=1, reason="更正")], user)


def _office_user(year):
    from appraisal.platform.models import User

    return db.session.get(User, year.users["office_admin"].id)


def test_lowering_a_score_needs_a_reason(assessor, scoring_year):
    c = cell(scoring_year, 0)
    assert post_cell(assessor, grid_url(scoring_year), c, "9").status_code == 302
    response = post_cell(assessor, grid_url(scoring_year), c, "6", original="9", version=1)
    assert response.status_code == 422
    assert "降低分数须填写原因" in response.get_data(as_text=True)
    assert stored(scoring_year, 0).value == Decimal(9)
    response = post_cell(assessor, grid_url(scoring_year), c, "6", original="9", version=1, reason="党建检查发现问题")
    assert response.status_code == 302
    with tenant_scope(scoring_year.tenant):
        last = db.session.scalars(select(ScoreRevision).order_by(ScoreRevision.id.desc())).first()
    assert (last.value_before, last.value_after, last.reason) == (Decimal(9), Decimal(6), "党建检查发现问题")


@pytest.mark.parametrize(
    "value, message",
    [
        ("10.5", "须在 0–10分 之间"),  # party building is worth 10
        ("-1", "须在 0–10分 之间"),
        ("八分", "须为数字"),
        ("7.1234", "最多三位小数"),
    ],
)
def test_values_outside_the_indicator_are_refused(assessor, scoring_year, value, message):
    c = cell(scoring_year, 0)
    response = post_cell(assessor, grid_url(scoring_year), c, value)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(scoring_year, 0) is None


def test_one_bad_cell_saves_nothing(office, scoring_year):
    a, b = cell(scoring_year, 0), cell(scoring_year, 1, "public.civilisation")
    response = office.post(
        grid_url(scoring_year),
        data={f"v|{a}": "8", f"o|{a}": "", f"s|{a}": 0, f"v|{b}": "6", f"o|{b}": "", f"s|{b}": 0},
    )
    assert response.status_code == 422
    assert "须在 0–5分 之间" in response.get_data(as_text=True)  # civilisation is worth 5
    assert stored(scoring_year, 0) is None


def test_scores_are_entered_only_in_the_scoring_phase(assessor, scoring_year):
    move_to(scoring_year, Phase.TRACKING)
    html = assessor.get(grid_url(scoring_year)).get_data(as_text=True)
    assert "当前阶段不能录入评分" in html and 'name="v|' not in html
    response = post_cell(assessor, grid_url(scoring_year), cell(scoring_year, 0), "8")
    assert response.status_code == 422
    assert stored(scoring_year, 0) is None


def test_a_sector_lead_scores_the_business_items_of_their_departments(app, scoring_year):
    finance = approve_letter(scoring_year, 0, [("财政收入增长", "40"), ("预算执行", "30")])
    education = approve_letter(scoring_year, 3, [("教育质量", "70")])
    client = app.test_client()
    login(client, scoring_year.tenant, scoring_year.users["sector_lead"])
    url = f"/t/{scoring_year.tenant.slug}/scoring/items?population={scoring_year.ids['dept_pop']}"
    html = client.get(url).get_data(as_text=True)
    assert "财政收入增长" in html and "教育质量" not in html  # 市教育局 is in the other sector group
    c = cell(scoring_year, 0, f"business:{finance[0]}")
    assert client.post(url, data={f"v|{c}": "41", f"o|{c}": "", f"s|{c}": 0}).status_code == 422
    assert (
        client.post(
            url, data={f"v|{c}": "38", f"o|{c}": "", f"s|{c}": 0, f"c|{c}": "基本完成", f"oc|{c}": ""}
        ).status_code
        == 302
    )
    score = stored(scoring_year, 0, "business", str(finance[0]))
    assert score.value == Decimal(38) and score.comment == "基本完成"
    # the other group's department is not theirs to score
    other = cell(scoring_year, 3, f"business:{education[0]}")
    assert client.post(url, data={f"v|{other}": "60", f"o|{other}": "", f"s|{other}": 0}).status_code == 403
    # nor is party building
    assert client.get(grid_url(scoring_year)).status_code == 403


def test_the_appraisee_page_saves_a_comment_and_shows_who_entered(office, scoring_year):
    with tenant_scope(scoring_year.tenant):
        appraisee_id = dept(scoring_year, 0).id
    c = f"{appraisee_id}|public.investment"
    url = f"/t/{scoring_year.tenant.slug}/scoring/appraisees/{appraisee_id}/scores"
    response = office.post(url, data={f"v|{c}": "4", f"o|{c}": "", f"s|{c}": 0, f"c|{c}": "引资到位", f"oc|{c}": ""})
    assert response.status_code == 302
    html = office.get(f"/t/{scoring_year.tenant.slug}/scoring/appraisees/{appraisee_id}").get_data(as_text=True)
    assert "引资到位" in html and scoring_year.users["office_admin"].display_name in html


# --- the rules of values, per method ------------------------------------------------------


def _column(kind, **kw):
    base = {
        "indicator_key": "x",
        "item_key": "",
        "name": "x",
        "item_name": "",
        "kind": kind,
        "points": Decimal(10),
        "low": Decimal(0),
        "high": None,
        "integer": False,
        "assessor_unit_id": None,
        "by_sector": False,
    }
    base.update(kw)
    return scores.Column(**base)


def test_deduction_counts_are_whole_and_any_deduction_needs_a_reason():
    deduction = _column("deduction", integer=True, lower_when_up=True)
    assert scores.parse_value(deduction, "3") == 3
    with pytest.raises(ScoringError, match="整数"):
        scores.parse_value(deduction, "1.5")
    with pytest.raises(ScoringError):
        scores.parse_value(deduction, "-1")
    assert deduction.lowers(None, Decimal(1))  # the first deduction already lowers the score
    assert not deduction.lowers(Decimal(2), Decimal(1))  # fewer deductions raise it
    percent = _column("percent", high=Decimal(100))
    assert scores.parse_value(percent, "95%") == Decimal(95)
    with pytest.raises(ScoringError):
        scores.parse_value(percent, "101")
    target = _column("target", lower_when_up=True)
    with pytest.raises(ScoringError, match="大于 0"):
        scores.parse_value(target, "0")
    assert not target.lowers(None, Decimal(100))  # setting a target is not a deduction
