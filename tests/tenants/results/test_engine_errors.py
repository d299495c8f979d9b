"""A democratic evaluation needs a ballot indicator; engine failures reach the
page as one complete Chinese sentence; a failed population blocks 公示."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services as ballots
from appraisal.tenants.ballots.models import Ballot, BallotLine, Evaluation, EvaluationStatus, RaterGroup
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.results import services
from appraisal.tenants.results.models import RunStatus
from appraisal.tenants.results.services import publication as pub
from tests.helpers import login

STANDARD = [("principal", "主要领导", "0.3"), ("deputy", "副职领导", "0.2"), ("staff", "干部职工", "0.5")]


def _move(cycle, *phases):
    for phase in phases:
        cycles.move_phase(cycle, phase)


def test_an_evaluation_needs_a_ballot_indicator_in_the_scheme(app, year):
    """市直部门 uses template A, which has no 民主测评 indicator: its scores could count for nothing."""
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        _move(cycle, Phase.TRACKING)
        groups = [ballots.GroupSpec(k, n, Decimal(w)) for k, n, w in STANDARD]
        with pytest.raises(ballots.BallotError, match="没有民主测评指标"):
            ballots.create_evaluation(
                cycle, db.session.get(Population, year.ids["dept_pop"]), title="市直部门民主测评", groups=groups
            )
        # an evaluation created before this check existed cannot be opened either
        legacy = Evaluation(cycle_id=cycle.id, population_id=year.ids["dept_pop"], title="旧测评")
        db.session.add(legacy)
        db.session.flush()
        with pytest.raises(ballots.BallotError, match="没有民主测评指标"):
            ballots.open_evaluation(legacy)
        # 县级干部 (template C) has one: fine
        ballots.create_evaluation(
            cycle, db.session.get(Population, year.ids["staff_pop"]), title="县级干部民主测评2", groups=groups
        )


def _closed_evaluation_on_departments(year) -> None:
    """Ballots on a population whose scheme has no ballot indicator, as data from
    before the check (written directly)."""
    evaluation = Evaluation(
        cycle_id=year.ids["cycle"],
        population_id=year.ids["dept_pop"],
        title="旧测评",
        status=EvaluationStatus.CLOSED,
        closed_on=date(2026, 12, 20),
    )
    db.session.add(evaluation)
    db.session.flush()
    group = RaterGroup(evaluation_id=evaluation.id, key="staff", name="干部职工", weight=Decimal(1))
    db.session.add(group)
    db.session.flush()
    appraisees = db.session.scalars(select(Appraisee.id).where(Appraisee.population_id == year.ids["dept_pop"])).all()
    for _ in range(4):
        ballot = Ballot(id=uuid4().hex, evaluation_id=evaluation.id, rater_group_id=group.id, cast_on=date(2026, 12, 1))
        db.session.add(ballot)
        db.session.flush()
        db.session.add_all(
            BallotLine(
                id=uuid4().hex, evaluation_id=evaluation.id, rater_group_id=group.id, appraisee_id=a, score=Decimal(90)
            )
            for a in appraisees
        )
    db.session.flush()


def test_ballots_that_cannot_count_are_left_out_and_the_run_says_so(app, year):
    """Ballots from before the check, on a population with no ballot indicator: the
    computation no longer fails for good; it leaves them out and says so."""
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        _move(cycle, Phase.TRACKING, Phase.SCORING, Phase.COMPUTING)
        _closed_evaluation_on_departments(year)
        db.session.commit()
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    office.post(f"/t/city/results/populations/{year.ids['dept_pop']}/compute")
    with tenant_scope(year.tenant):
        run = services.last_run(db.session.get(Population, year.ids["dept_pop"]))
        assert run.status == RunStatus.SUCCEEDED and run.is_current, run.error
        assert "未计入" in run.message
        assert db.session.query(BallotLine).count() == 20  # 4 ballots × 5 departments, all kept
    page = office.get("/t/city/results/").get_data(as_text=True)
    assert page.count("已结束的民主测评得分未计入本次结果") == 1


def _bad_claim(year) -> None:
    """A claim under a rule the scheme does not have (written directly, as damaged
    data could be): the engine refuses its inputs."""
    from appraisal.tenants.scoring.models import AdjustmentClaim, AdjustmentKind

    db.session.add(
        AdjustmentClaim(
            cycle_id=year.ids["cycle"],
            appraisee_id=year.ids["appraisee"],
            kind=AdjustmentKind.BONUS,
            rule_key="no_such_rule",
            level="",
            description="规则已删除",
        )
    )
    db.session.flush()


def test_an_engine_failure_shows_one_complete_chinese_sentence_and_blocks_publicity(app, year):
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        _move(cycle, Phase.TRACKING, Phase.SCORING, Phase.COMPUTING)
        _bad_claim(year)
        db.session.commit()
        services.request_compute(db.session.get(Population, year.ids["staff_pop"]))
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    response = office.post(f"/t/city/results/populations/{year.ids['dept_pop']}/compute", follow_redirects=True)
    page = response.get_data(as_text=True)
    with tenant_scope(year.tenant):
        run = services.last_run(db.session.get(Population, year.ids["dept_pop"]))
        assert run.status == RunStatus.FAILED
        error = run.error
        assert "unknown adjustment rule" in run.message  # the engine's words, kept for the operator
    # one sentence, in Chinese, complete, saying what to do
    assert error == "计算失败：考核数据中有计算程序无法处理的内容，请联系考核办。"
    assert page.count(error) == 1, page
    assert "unknown adjustment rule" not in page and "InputErrors" not in page
    status = office.get(f"/t/city/results/populations/{year.ids['dept_pop']}/status").get_json()
    assert status["error"] == error and "unknown" not in str(status)

    # the latest run of 市直部门 failed: no 公示, neither by publishing nor by the phase form
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        with pytest.raises(pub.PublicationError, match="市直部门"):
            pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10)
        with pytest.raises(cycles.CycleError, match="市直部门"):
            cycles.move_phase(cycle, Phase.PUBLICITY)
        db.session.rollback()
    refused = office.post(
        f"/t/city/cycles/{year.ids['cycle']}/phase", data={"to": "publicity"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "最近一次计算失败" in refused
    with tenant_scope(year.tenant):
        assert db.session.get(Cycle, year.ids["cycle"]).phase == Phase.COMPUTING


def test_known_engine_errors_have_their_own_sentence(app):
    from appraisal import engine
    from appraisal.tenants.results.services import engine_errors

    no_indicator = engine.InputErrors(
        [engine.InputError("ballots", None, None, "the scheme has no ballot indicator")]
        + [engine.InputError("ballots", r, "indicator", "unknown ballot indicator") for r in range(1, 25)]
    )
    with app.test_request_context():
        assert engine_errors.describe(no_indicator).startswith("计算失败：本群体有已结束的民主测评")
        assert engine_errors.describe(engine.SchemeErrors([engine.SchemeError("a.yaml", "x", "bad")])).startswith(
            "计算失败：考核方案有误"
        )
        assert engine_errors.describe(RuntimeError("boom")) == "计算失败：计算程序出错，请联系考核办。"
