"""The office's cycle page: who is done and who is late, per phase."""

from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots.models import Voter
from appraisal.tenants.scoring.models import Score
from tests.helpers import login


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


def test_the_dashboard_counts_down_the_appeals_once_published(app, year):
    from datetime import date, timedelta

    from appraisal.tenants.results.models import Appeal, Publication

    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    url = f"/t/city/cycles/{year.ids['cycle']}"
    assert "公示与复核" not in office.get(url).get_data(as_text=True)
    with tenant_scope(year.tenant):
        today = date.today()
        db.session.add(
            Publication(
                cycle_id=year.ids["cycle"],
                publicity_ends_on=today + timedelta(days=5),
                appeals_end_on=today + timedelta(days=10),
            )
        )
        db.session.add(
            Appeal(
                cycle_id=year.ids["cycle"],
                appraisee_id=year.ids["appraisee"],
                reasons="有异议",
                answer_due_on=today + timedelta(days=4),
            )
        )
        db.session.commit()
    page = office.get(url).get_data(as_text=True)
    section = page[page.index("公示与复核") :]
    assert "1 / 2" in section  # one waiting of two (the fixture's answered appeal)
    assert "剩 4 天" in section and "不予采纳" in section
    # the other roles never see the office's dashboard
    lead = app.test_client()
    login(lead, year.tenant, year.users["sector_lead"])
    assert "公示与复核" not in lead.get(url).get_data(as_text=True)


def test_the_dashboard_counts_scoring_progress_in_one_query_whatever_the_populations(app, year):
    """One more population (its own scheme version) costs the dashboard the
    population's own reads, but no extra scoring-progress or scheme query."""
    import contextlib

    from sqlalchemy import event

    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.cycles.models import Cycle
    from appraisal.tenants.schemes import services as schemes

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    @contextlib.contextmanager
    def recording():
        statements.clear()

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", record)

    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    url = f"/t/city/cycles/{year.ids['cycle']}"

    def reads() -> tuple[int, int]:
        office.get(url)  # warm up
        with recording():
            assert office.get(url).status_code == 200
        progress = [s for s in statements if "FROM scores JOIN appraisees" in s]
        versions = [s for s in statements if "FROM scheme_versions" in s]
        return len(progress), len(versions)

    before = reads()
    with tenant_scope(year.tenant):
        extra = schemes.adopt_template(template_key="A_municipal_departments", key="more", name="另一套部门考核")
        cycles.add_population(
            db.session.get(Cycle, year.ids["cycle"]),
            key="more",
            name="另一群体",
            version=extra,
            selector={"unit_kinds": ["department"], "ranking": "parent"},
        )
        db.session.commit()
    after = reads()
    assert before == after == (1, 1)
