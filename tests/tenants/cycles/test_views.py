"""The office's cycle page: who is done and who is late, per phase."""

from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots.models import Voter
from appraisal.tenants.scoring.models import Score
from tests.conftest import login


def test_dashboard_shows_letters_scores_and_turnout(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    page = office.get(f"/t/city/cycles/{year.ids['cycle']}").get_data(as_text=True)
    assert "目标责任书进度" in page and "逾期未审定" in page
    assert "评分进度" in page and "市直部门" in page
    with tenant_scope(year.tenant):
        scored = db.session.scalar(select(func.count()).select_from(Score))
    assert scored == 1  # the year fixture's one party-building score…
    assert "1 / " in page  # …shows as one cell scored
    assert "民主测评投票" in page and "县级干部民主测评" in page
    with tenant_scope(year.tenant):
        assert db.session.scalar(select(func.count()).select_from(Voter)) == 0
    assert "0 / 0" in page


def test_only_the_office_sees_the_dashboard(app, year):
    lead = app.test_client()
    login(lead, year.tenant, year.users["sector_lead"])
    page = lead.get(f"/t/city/cycles/{year.ids['cycle']}").get_data(as_text=True)
    assert "评分进度" not in page and "目标责任书进度" not in page
