"""Refusals raised by the services reach each reader in their own language.

The message ids are the Chinese texts; a user who chose English gets the
English wording of the same refusal, another user of the same tenant keeps
Chinese, and outside a request (CLI commands, background jobs) the services
speak the default language, Chinese.
"""

import html
import io

import pytest
from sqlalchemy import select

from appraisal.platform import tenant_admin
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope, unscoped
from appraisal.tenants.ballots import services as ballots
from appraisal.tenants.ballots.models import Evaluation
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Phase
from appraisal.tenants.letters import services as letters
from appraisal.tenants.letters.models import Letter
from tests.helpers import login


def signed_in(app, year, role: str, locale: str | None = None):
    client = app.test_client()
    login(client, year.tenant, year.users[role])
    if locale:
        client.post(f"/t/{year.tenant.slug}/account/locale", data={"lang-locale": locale})
    return client


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _move(year, to: Phase) -> None:
    with tenant_scope(year.tenant):
        cycles.move_phase(db.session.get(Cycle, year.ids["cycle"]), to)
        db.session.commit()


def test_a_refused_phase_move_reads_in_each_users_language(app, year, make_user):
    english = signed_in(app, year, "office_admin", "en")
    chinese = app.test_client()  # another office admin, who kept the default
    login(chinese, year.tenant, make_user(year.tenant, "office_admin"))
    url = f"/t/city/cycles/{year.ids['cycle']}/phase"
    # target setting → year-end scoring skips tracking
    page = text_of(english.post(url, data={"to": "scoring"}, follow_redirects=True))
    assert "You can only move forward to the next phase, “Progress tracking”" in page
    assert "只能前进到下一阶段" not in page
    page = text_of(chinese.post(url, data={"to": "scoring"}, follow_redirects=True))
    assert "只能前进到下一阶段“过程跟踪”" in page


def test_a_letter_refused_on_its_points_reads_in_english(app, year):
    unit = signed_in(app, year, "unit_admin", "en")
    # the fixture's letter has one 30-point target; the scheme's business share is 70
    page = text_of(unit.post(f"/t/city/letters/{year.ids['appraisee']}/submit", follow_redirects=True))
    assert "The business targets add up to 30 points; they should add up to 70" in page
    assert "业务目标分值合计" not in page


def test_a_refused_roster_row_reads_in_english(app, year):
    office = signed_in(app, year, "office_admin", "en")
    csv = "编码,名称,类型\nX1,甲单位,部门\nX1,乙单位,部门\n".encode()
    response = office.post(
        "/t/city/org/import", data={"file": (io.BytesIO(csv), "units.csv")}, content_type="multipart/form-data"
    )
    page = text_of(response)
    assert response.status_code != 200
    # which sheet, row, column — and why, in English
    assert "Unit code X1 repeats row 2" in page
    assert "重复" not in page


def test_a_ballot_setup_refusal_reads_in_english(app, year):
    _move(year, Phase.TRACKING)  # evaluations are managed while tracking and scoring
    office = signed_in(app, year, "office_admin", "en")
    page = text_of(office.post(f"/t/city/ballots/{year.ids['evaluation']}/open", follow_redirects=True))
    assert "At least one rater group is needed" in page
    with tenant_scope(year.tenant):
        assert db.session.get(Evaluation, year.ids["evaluation"]).is_draft


def test_without_a_request_services_speak_chinese(app, year):
    """CLI commands and jobs run in an app context with no request: the default language."""
    # an English request first: its language must not leak into the app context
    signed_in(app, year, "office_admin", "en").post(f"/t/city/cycles/{year.ids['cycle']}/phase", data={"to": "scoring"})
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        with pytest.raises(cycles.PhaseError, match=r"^只能前进到下一阶段“过程跟踪”$"):
            cycles.move_phase(cycle, Phase.SCORING)
        letter = db.session.scalar(select(Letter).where(Letter.appraisee_id == year.ids["appraisee"]))
        with pytest.raises(letters.LetterError, match=r"^业务目标分值合计为 30 分，应为 70 分$"):
            letters.submit(letter)
        evaluation = db.session.get(Evaluation, year.ids["evaluation"])
        with pytest.raises(
            ballots.BallotError, match=r"^当前阶段为“目标制定”，此操作只能在“过程跟踪、年终评分”阶段进行$"
        ):
            ballots.open_evaluation(evaluation)
        db.session.rollback()
    with unscoped(), pytest.raises(tenant_admin.TenantError, match=r"^租户代码 city 已被使用$"):
        tenant_admin.create_tenant(slug="city", name="重复")


def test_the_cli_reports_refusals_in_chinese(app):
    result = app.test_cli_runner().invoke(
        args=[
            "tenants",
            "create",
            "Bad Slug",
            "--name",
            "X",
            "--admin-email",
            "a@b.cn",
            "--admin-password",
            "Welcome2026a",
        ]
    )
    assert result.exit_code != 0
    assert "租户代码 'bad slug' 无效：须以小写字母开头" in result.output
