"""The demo city, loaded once for the module (``flask demo load``, as ``make demo``
runs it): a published, explainable 2026 on top of a finalised 2025.

The load takes most of this module's time (about a minute on SQLite); every
test reads the same database.
"""

from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import func, select

from appraisal.demo import content, loader, year
from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots.models import Ballot, Evaluation, EvaluationStatus, Voter
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.letters.models import Letter, LetterEvent, LetterStatus
from appraisal.tenants.org.models import Person
from appraisal.tenants.results.models import Appeal, Publication, ResultRow, ResultRun, RunStatus
from appraisal.tenants.results.services import leaderboard
from appraisal.tenants.scoring.models import AdjustmentClaim, ClaimStatus, DeductionNotice, Score, ScoreRevision, Veto
from tests.helpers import IsolatedClient, _config, _test_env, _truncate_all


@pytest.fixture(scope="module")
def demo(database, tmp_path_factory):
    """An app on its own database with the demo loaded by the CLI command: (app, outputs, seconds)."""
    from appraisal.platform.app import create_app

    tmp = tmp_path_factory.mktemp("demo")
    if database["kind"] == "sqlite":
        path = tmp / "demo.sqlite"
        shutil.copyfile(database["template"], path)
        url = f"sqlite:///{path}"
    else:
        url = database["url"]
    app = create_app(_config(url, tmp), env=_test_env())
    app.test_client_class = IsolatedClient
    with app.app_context():
        runner = app.test_cli_runner()
        started = time.perf_counter()
        first = runner.invoke(args=["demo", "load"])
        seconds = time.perf_counter() - started
        second = runner.invoke(args=["demo", "load"])
        db.session.remove()
        yield app, (first, second), seconds
        db.session.remove()
        if database["kind"] == "postgresql":
            _truncate_all(app)
        db.engine.dispose()


@pytest.fixture
def tenant(demo):
    tenant = loader.find_demo()
    with tenant_scope(tenant):
        yield tenant
    db.session.rollback()


def _cycle(year_: int) -> Cycle:
    return db.session.scalar(select(Cycle).where(Cycle.year == year_))


def _population(year_: int, key: str) -> Population:
    return db.session.scalar(select(Population).where(Population.cycle_id == _cycle(year_).id, Population.key == key))


def _rows(year_: int, key: str) -> dict[str, ResultRow]:
    population = _population(year_, key)
    return {
        name: row
        for row, name in db.session.execute(
            select(ResultRow, Appraisee.name)
            .join(Appraisee, Appraisee.id == ResultRow.appraisee_id)
            .join(ResultRun, ResultRun.id == ResultRow.run_id)
            .where(ResultRun.population_id == population.id, ResultRun.is_current.is_(True))
        )
    }


def test_the_load_command_creates_the_demo_once_and_prints_the_logins(demo):
    _, (first, second), seconds = demo
    assert first.exit_code == 0, first.output
    assert "已创建演示租户" in first.output
    for login in loader.LOGINS + (loader.OPERATOR,):
        assert login.email in first.output
    assert "http://127.0.0.1:5000/t/demo/" in first.output
    assert seconds < 180, seconds  # about a minute on SQLite
    assert second.exit_code == 0, second.output
    assert "已存在" in second.output and "staff@demo.cn" in second.output and "已创建" not in second.output


def test_the_load_command_prints_the_port_actually_served(demo):
    """``make demo PORT=8123`` serves on 8123: the printed addresses say so (they said 5000)."""
    import re
    from pathlib import Path

    app, _outputs, _seconds = demo
    runner = app.test_cli_runner()
    with app.app_context():
        given = runner.invoke(args=["demo", "load", "--port", "8123"])
        from_env = runner.invoke(args=["demo", "load"], env={"PORT": "8765", "HOST": "0.0.0.0"})
        db.session.remove()
    assert "http://127.0.0.1:8123/t/demo/" in given.output and "http://127.0.0.1:8123/platform/" in given.output
    assert "http://127.0.0.1:8765/t/demo/" in from_env.output
    assert ":5000" not in given.output + from_env.output
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    recipe = re.search(r"^demo:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert re.search(r"demo load .*--port \$\(PORT\)", recipe), recipe
    assert "--port $(PORT)" in recipe.split("flask --app wsgi run")[1]


def test_the_second_load_changed_nothing(tenant):
    assert year.is_complete()
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 2
    people = db.session.scalar(select(func.count()).select_from(Person))
    assert 1400 <= people <= 1600


def test_2026_is_published_with_current_results_for_every_population(tenant):
    cycle = _cycle(2026)
    assert cycle.phase == Phase.PUBLICITY
    assert db.session.scalar(select(Publication).where(Publication.cycle_id == cycle.id)) is not None
    populations = list(db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)))
    assert {p.key for p in populations} == set(year.POPULATIONS)
    for population in populations:
        run = db.session.scalar(
            select(ResultRun).where(ResultRun.population_id == population.id, ResultRun.is_current.is_(True))
        )
        assert run is not None and run.status == RunStatus.SUCCEEDED, population.name
        members = db.session.scalar(
            select(func.count()).select_from(Appraisee).where(Appraisee.population_id == population.id)
        )
        assert run.row_count == members > 0, population.name
    assert _cycle(2025).phase == Phase.FINAL
    assert cycle.previous_cycle_id == _cycle(2025).id
    # about 1,500 people appraised under the staff schemes
    staff = sum(len(_rows(2026, key)) for key in ("county_cadres", "section_staff"))
    assert 1200 <= staff <= 1500


def test_the_departments_leaderboard_has_five_groups_with_a_quota_line(tenant):
    population = _population(2026, "departments")
    run = db.session.scalar(
        select(ResultRun).where(ResultRun.population_id == population.id, ResultRun.is_current.is_(True))
    )
    groups = leaderboard.groups(run, previous=leaderboard.previous_ranks(population))
    assert len(groups) == 5
    for group in groups:
        # 10 % of 7–9 departments, rounded half up: one advanced collective per group
        holders = [line for line in group.lines if line.row.quotas.get("advanced_collective")]
        assert len(holders) == 1, group.name
        assert any("advanced_collective" in line.quota_lines for line in group.lines), group.name
    # last year's ranks are there to compare with
    assert any(line.rank_change not in (None, 0) for group in groups for line in group.lines)


def test_the_vetoed_department_has_no_quota_place_though_it_scored_highest(tenant):
    name = content.VETO[0]
    rows = _rows(2026, "departments")
    vetoed = rows[name]
    assert vetoed.vetoed and not vetoed.quotas["advanced_collective"]
    same_group = [row for row in rows.values() if row.group == vetoed.group]
    assert vetoed.composite == max(row.composite for row in same_group)
    assert sum(row.quotas["advanced_collective"] for row in same_group) == 1  # the place passed on
    assert db.session.scalar(select(func.count()).select_from(Veto)) == 1


def test_the_department_below_60_twice_is_flagged(tenant):
    before, now = _rows(2025, "departments")[year.LOW_DEPARTMENT], _rows(2026, "departments")[year.LOW_DEPARTMENT]
    assert before.composite < 60 and now.composite < 60
    assert "below_60_twice" in now.flags and "below_60_twice" not in before.flags
    flagged = [name for name, row in _rows(2026, "departments").items() if "below_60_twice" in row.flags]
    assert flagged == [year.LOW_DEPARTMENT]
    # and one section-level person incompetent two years running (dismissal procedure)
    staff = [row for row in _rows(2026, "section_staff").values() if "incompetent_twice" in row.flags]
    assert len(staff) == 1 and staff[0].grade == "incompetent"


def test_every_screen_has_something_to_show(tenant):
    cycle = _cycle(2026)
    letters = list(db.session.scalars(select(Letter).where(Letter.cycle_id == cycle.id)))
    assert len(letters) == 40 and {letter.status for letter in letters} == {LetterStatus.APPROVED}
    for letter in letters:
        assert sum(item.points for item in letter.items) == 70
    returns = db.session.scalar(select(func.count()).select_from(LetterEvent).where(LetterEvent.action == "return"))
    assert returns == sum(len(v) for v in content.RETURNED.values())
    statuses = dict(
        db.session.execute(
            select(AdjustmentClaim.status, func.count())
            .where(AdjustmentClaim.cycle_id == cycle.id)
            .group_by(AdjustmentClaim.status)
        ).all()
    )
    assert statuses[ClaimStatus.VERIFIED] > 5 and statuses[ClaimStatus.REJECTED] == 1
    rejected = db.session.scalar(select(AdjustmentClaim).where(AdjustmentClaim.status == ClaimStatus.REJECTED))
    assert rejected.reject_reason
    assert (
        db.session.scalar(select(func.count()).select_from(DeductionNotice).where(DeductionNotice.cycle_id == cycle.id))
        == 3
    )
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.cycle_id == cycle.id))
    assert evaluation.status == EvaluationStatus.CLOSED
    voted = db.session.scalar(
        select(func.count()).select_from(Voter).where(Voter.evaluation_id == evaluation.id, Voter.has_voted.is_(True))
    )
    assert (
        voted
        == db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.evaluation_id == evaluation.id))
        > 20
    )
    assert db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.cycle_id == cycle.id)) == 1
    # scores went through the scoring service: one revision per score, audited by "demo"
    scores = db.session.scalar(select(func.count()).select_from(Score))
    assert scores > 10000
    assert db.session.scalar(select(func.count()).select_from(ScoreRevision)) == scores
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "score.enter", AuditEntry.actor_label == "demo")
        )
        == scores
    )


def test_the_shared_project_counts_once_at_its_highest_level(tenant):
    row = _rows(2026, "departments")["市发展和改革委员会"]
    claims = [a for a in row.adjustments if a["rule"].startswith("innovation")]
    # the same project twice: +6 by a business department, +8 by the government; only +8 counts
    assert sorted(a["points_raw"] for a in claims) == [6.0, 8.0]
    assert sum(a["points_after_sharing"] for a in claims if a["counted"]) == 8.0
    a, b, *_ = content.SHARED_CLAIM  # a project two departments share: half each
    for name in (a, b):
        (shared,) = [x for x in _rows(2026, "departments")[name].adjustments if x["dedup_key"] == "河湖生态补偿"]
        assert shared["sharers"] == 2 and shared["points_after_sharing"] == shared["points_raw"] / 2


def test_every_demo_login_works(demo, tenant):
    app = demo[0]
    for login in loader.LOGINS:
        client = app.test_client()
        response = client.post("/t/demo/login", data={"email": login.email, "password": login.password})
        assert response.status_code == 302, login.email
        assert client.get("/t/demo/").status_code == 200, login.email
        assert client.get("/t/demo/results/").status_code == 200, login.email
    client = app.test_client()
    response = client.post(
        "/platform/login", data={"email": loader.OPERATOR.email, "password": loader.OPERATOR.password}
    )
    assert response.status_code == 302


def test_claims_penalties_scores_the_veto_and_the_appeal_carry_evidence_files(demo, tenant):
    from appraisal.tenants.evidence.models import Evidence
    from appraisal.tenants.results.models import Appeal
    from appraisal.tenants.scoring.models import Score

    files = list(db.session.scalars(select(Evidence)))
    assert {e.owner_type for e in files} == {"claim", "veto", "score", "appeal"}
    veto = db.session.scalar(select(Veto))
    (veto_file,) = [e for e in files if e.owner_type == "veto" and e.owner_id == veto.id]
    client = demo[0].test_client()
    client.post("/t/demo/login", data={"email": "admin@demo.cn", "password": loader.PASSWORD})
    response = client.get(f"/t/demo/scoring/vetoes/files/{veto_file.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    # the pending appeal's file, and an inspection record under its department's breakdown
    appeal = db.session.scalar(select(Appeal))
    (appeal_file,) = [e for e in files if e.owner_type == "appeal" and e.owner_id == appeal.id]
    assert client.get(f"/t/demo/results/appeals/files/{appeal_file.id}").data.startswith(b"%PDF")
    score_file = next(e for e in files if e.owner_type == "score")
    score = db.session.get(Score, score_file.owner_id)
    page = client.get(f"/t/demo/results/appraisees/{score.appraisee_id}").get_data(as_text=True)
    assert f"/t/demo/scoring/scores/files/{score_file.id}" in page and "检查记录" in page


def test_the_office_sees_the_leaderboard_and_a_breakdown(demo, tenant):
    app = demo[0]
    client = app.test_client()
    client.post("/t/demo/login", data={"email": "admin@demo.cn", "password": loader.PASSWORD})
    population = _population(2026, "departments")
    page = client.get(f"/t/demo/results/populations/{population.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "综合经济组" in html and content.VETO[0] in html and year.LOW_DEPARTMENT in html
    appraisee = db.session.scalar(
        select(Appraisee).where(Appraisee.population_id == population.id, Appraisee.name == "市财政局")
    )
    assert client.get(f"/t/demo/results/appraisees/{appraisee.id}").status_code == 200


def test_the_breakdown_charts_parts_and_years(demo, tenant):
    """The low department's page shows its parts and both years' composites."""
    app = demo[0]
    client = app.test_client()
    client.post("/t/demo/login", data={"email": "admin@demo.cn", "password": loader.PASSWORD})
    population = _population(2026, "departments")
    appraisee = db.session.scalar(
        select(Appraisee).where(Appraisee.population_id == population.id, Appraisee.name == year.LOW_DEPARTMENT)
    )
    html = client.get(f"/t/demo/results/appraisees/{appraisee.id}").get_data(as_text=True)
    assert "分项得分" in html and "业务目标" in html and "公共目标" in html
    before, now = _rows(2025, "departments")[year.LOW_DEPARTMENT], _rows(2026, "departments")[year.LOW_DEPARTMENT]
    assert "历年综合得分" in html and ">2025<" in html and ">2026<" in html
    assert f"{before.composite:.2f}" in html and f"{now.composite:.2f}" in html


def test_the_one_person_principal_group_is_a_confirmed_known_voter_group(tenant):
    """The bureau has one principal leader (weighted 30 %): the demo keeps that group
    only as a known-voter group, confirmed and audited, and no other group is below
    the minimum without that confirmation."""
    from appraisal.tenants.ballots import services as ballot_services
    from appraisal.tenants.ballots.models import RaterGroup

    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.cycle_id == _cycle(2026).id))
    sizes = ballot_services.group_sizes(evaluation)
    principal = db.session.scalar(
        select(RaterGroup).where(RaterGroup.evaluation_id == evaluation.id, RaterGroup.key == "principal")
    )
    assert sizes[principal.id] == 1 and principal.known_voters
    for group in ballot_services.groups_of(evaluation):
        assert not 0 < sizes.get(group.id, 0) < evaluation.min_group_size or group.known_voters, group.name
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ballots.known_group", AuditEntry.object_id == str(evaluation.id))
    ).all()
    assert any(
        e.after["group"] == "principal" and e.after["known_voters"] and "可被识别" in e.after["warning"]
        for e in entries
    )
    results = ballot_services.results(evaluation)
    column = next(c for c in results.columns if c.key == principal.id)
    assert column.known_voters and column.voters == 1
