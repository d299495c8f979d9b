"""Leaderboards: visible to the office before publication, to everyone after;
queries do not grow with the rows shown."""

import contextlib
from datetime import date

import pytest
from sqlalchemy import event

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Phase, Population
from appraisal.tenants.results import services
from appraisal.tenants.results.models import Publication
from appraisal.tenants.schemes.models import SchemeVersion
from tests.helpers import login


@pytest.fixture
def computed(year):
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        # a bigger population too: all section-level staff (10 people)
        version = db.session.get(SchemeVersion, year.ids["scheme_c"])
        big = cycles.add_population(
            cycle,
            key="section",
            name="科级干部",
            version=version,
            selector={"categories": ["section_level"], "ranking": "all"},
        )
        for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
            cycles.move_phase(cycle, phase)
        db.session.commit()
        for pop_id in (year.ids["dept_pop"], year.ids["staff_pop"], big.id):
            services.request_compute(db.session.get(Population, pop_id))
        year.ids["big_pop"] = big.id
    return year


def _publish(year):
    with tenant_scope(year.tenant):
        db.session.add(
            Publication(
                cycle_id=year.ids["cycle"], publicity_ends_on=date(2027, 1, 10), appeals_end_on=date(2027, 1, 20)
            )
        )
        db.session.commit()


def test_office_sees_results_before_publication_others_do_not(app, computed):
    office, staff, unit = app.test_client(), app.test_client(), app.test_client()
    login(office, computed.tenant, computed.users["office_admin"])
    login(staff, computed.tenant, computed.users["staff"])
    login(unit, computed.tenant, computed.users["unit_admin"])
    url = f"/t/city/results/populations/{computed.ids['dept_pop']}"
    page = office.get(url).get_data(as_text=True)
    assert "市财政局" in page and "市卫健委" in page and "综合经济组" in page and "尚未公示" in page
    assert staff.get(url).status_code == 403 and unit.get(url).status_code == 403
    assert staff.get(f"/t/city/results/appraisees/{computed.ids['appraisee']}").status_code == 403
    assert "市财政局" not in staff.get("/t/city/results/").get_data(as_text=True)
    _publish(computed)
    assert staff.get(url).status_code == 200
    detail = staff.get(f"/t/city/results/appraisees/{computed.ids['appraisee']}").get_data(as_text=True)
    assert "计分过程" in detail


def test_export_has_one_sheet_per_group(app, computed):
    from io import BytesIO

    from openpyxl import load_workbook

    office = app.test_client()
    login(office, computed.tenant, computed.users["office_admin"])
    response = office.get(f"/t/city/results/populations/{computed.ids['dept_pop']}/export.xlsx")
    workbook = load_workbook(BytesIO(response.data))
    assert set(workbook.sheetnames) == {"综合经济组", "社会事业组"}
    header = next(workbook["综合经济组"].iter_rows(values_only=True))
    assert header[:3] == ("名次", "考核对象", "综合得分")


@contextlib.contextmanager
def count_queries(app):
    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def before(*args, **kwargs):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_leaderboard_queries_do_not_grow_with_rows(app, computed):
    office = app.test_client()
    login(office, computed.tenant, computed.users["office_admin"])
    counts = {}
    for key in ("staff_pop", "big_pop"):  # 5 and 10 appraisees
        url = f"/t/city/results/populations/{computed.ids[key]}"
        office.get(url)  # warm up
        with count_queries(app) as counter:
            assert office.get(url).status_code == 200
        counts[key] = counter["n"]
    assert counts["staff_pop"] == counts["big_pop"], counts


def test_long_boards_show_one_group_at_a_time_in_pages(app, computed, monkeypatch):
    from appraisal.tenants.results.views import boards as views

    monkeypatch.setattr(views, "LONG_BOARD", 3)
    monkeypatch.setattr(views, "PAGE_ROWS", 4)
    office = app.test_client()
    login(office, computed.tenant, computed.users["office_admin"])
    url = f"/t/city/results/populations/{computed.ids['big_pop']}"  # 10 people in one group
    first = office.get(url).get_data(as_text=True)
    assert "按分组分页显示" in first and "第 1 / 3 页" in first
    last = office.get(url + "?page=3").get_data(as_text=True)
    assert "第 3 / 3 页" in last and last.count('class="num"><strong>') == 2  # rows 9 and 10


def test_printable_notice_lists_quota_places_and_vetoes(app, computed):
    office, staff = app.test_client(), app.test_client()
    login(office, computed.tenant, computed.users["office_admin"])
    login(staff, computed.tenant, computed.users["staff"])
    url = f"/t/city/results/cycles/{computed.ids['cycle']}/notice"
    assert staff.get(url).status_code == 403  # not before publication
    html = office.get(url).get_data(as_text=True)
    assert "结果的通报" in html and "市直部门" in html and "先进集体" in html and "未公示稿" in html
    _publish(computed)
    assert "未公示稿" not in staff.get(url).get_data(as_text=True)


def test_grade_counts_follow_the_board_order():
    from appraisal.tenants.results.models import ResultRow
    from appraisal.tenants.results.services.leaderboard import Group, Line, grade_counts

    def line(grade):
        return Line(ResultRow(data={"grade_zh": grade}, grade=""), "x", 1)

    board = [Group("a", [line("优秀"), line("称职"), line("称职")]), Group("b", [line("优秀"), line(None)])]
    assert grade_counts(board) == [("优秀", 2), ("称职", 2), ("—", 1)]


def test_own_results_are_shown_to_the_appraisee_once_published(app, computed):
    unit = app.test_client()
    login(unit, computed.tenant, computed.users["unit_admin"])
    assert "我的考核结果" not in unit.get("/t/city/results/").get_data(as_text=True)  # not yet published
    _publish(computed)
    page = unit.get("/t/city/results/").get_data(as_text=True)
    card = page[page.index("我的考核结果") : page.index("</section>", page.index("我的考核结果"))]
    # the unit admin's own unit, with its score and rank, linking to its breakdown
    assert "市财政局" in card and f"/results/appraisees/{computed.ids['appraisee']}" in card and "第 " in card
    assert "市卫健委" not in card


def test_the_home_page_shows_a_staff_members_own_published_result(app, computed):
    staff = app.test_client()
    login(staff, computed.tenant, computed.users["staff"])
    assert "我的考核结果" not in staff.get("/t/city/").get_data(as_text=True)
    _publish(computed)
    page = staff.get("/t/city/").get_data(as_text=True)
    card = page[page.index("我的考核结果") : page.index("</section>", page.index("我的考核结果"))]
    assert "科级干部" in card and "第 " in card and "/results/appraisees/" in card


def test_the_index_fails_dead_runs_with_one_query_and_one_commit(app, computed):
    """A GET of the results index still notices runs whose worker died, but in one
    query for all its populations and one commit for the page, not one each."""
    import re
    from datetime import timedelta

    from appraisal.platform.db import utcnow
    from appraisal.tenants.results.models import ResultRun, RunStatus

    with tenant_scope(computed.tenant):
        orphans = []
        for key in ("dept_pop", "staff_pop"):  # two populations, each with a run whose worker died
            population = db.session.get(Population, computed.ids[key])
            orphan = ResultRun(
                cycle_id=population.cycle_id,
                population_id=population.id,
                scheme_version_id=population.scheme_version_id,
                status=RunStatus.RUNNING,
                heartbeat_at=utcnow() - timedelta(seconds=app.config["STALE_RUN_SECONDS"] + 1),
            )
            db.session.add(orphan)
            db.session.flush()
            orphans.append(orphan.id)
        db.session.commit()
    office = app.test_client()
    login(office, computed.tenant, computed.users["office_admin"])
    with app.app_context():
        engine = db.engine
    seen = {"active": 0, "updates": 0, "commits": 0}

    def statement(conn, cursor, sql, *args):
        sql = " ".join(sql.lower().split())
        if re.search(r"from result_runs where .*result_runs\.status in", sql):
            seen["active"] += 1
        if sql.startswith("update result_runs"):
            seen["updates"] += 1

    def commit(conn):
        seen["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        page = office.get(f"/t/city/results/?cycle_id={computed.ids['cycle']}")
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert page.status_code == 200
    with tenant_scope(computed.tenant):
        db.session.expire_all()
        assert [db.session.get(ResultRun, i).status for i in orphans] == [RunStatus.FAILED, RunStatus.FAILED]
    # the request boundary's commit is the page's only one (there was one per population with a dead run)
    assert seen == {"active": 1, "updates": 1, "commits": 1}, seen
    # nothing dead left: the next GET looks once and fails nothing
    seen.update(active=0, updates=0, commits=0)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        assert office.get(f"/t/city/results/?cycle_id={computed.ids['cycle']}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert seen["active"] == 1 and seen["updates"] == 0 and seen["commits"] <= 1, seen
