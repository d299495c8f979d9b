"""Issue 12: an evaluation held as per-department sessions, and the ballot rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Ballot, BallotLine, BallotReason, Evaluation, Voter
from appraisal.tenants.ballots.services import sessions as sessions_mod
from tests.tenants.ballots.conftest import appraisee_of, make_evaluation, sheet_ids, voter_id


def _everyone_staff(evaluation):
    staff = next(g for g in services.groups_of(evaluation) if g.key == "staff")
    return {"principal": staff.id, "deputy": staff.id, "none": staff.id}


def _by_department(city) -> tuple[int, dict[str, int]]:
    eid = make_evaluation(city, voters=False, open_=False)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        made = services.create_department_sessions(evaluation, role_groups=_everyone_staff(evaluation))
        db.session.commit()
        return eid, {s.unit.code: s.id for s in made}


def test_one_action_makes_a_session_per_department_each_with_its_people(city):
    eid, made = _by_department(city)
    assert set(made) == {"D1", "D2"}
    with tenant_scope(city.tenant):
        sessions = services.sessions_of(db.session.get(Evaluation, eid))
        assert [s.name for s in sessions] == ["市财政局", "市统计局"]  # the empty whole-population session went
        per_session = dict(
            db.session.execute(
                select(Voter.session_id, func.count()).where(Voter.evaluation_id == eid).group_by(Voter.session_id)
            ).all()
        )
    assert per_session == {made["D1"]: 9, made["D2"]: 1}


def test_a_ballot_lists_only_its_sessions_appraisees(city):
    eid, made = _by_department(city)
    d1_appraisees = {appraisee_of(city, "county", k) for k in ("principal", "deputy1", "deputy2")}
    staff1 = voter_id(city, eid, "staff1")
    assert set(sheet_ids(city, eid, staff1)) == d1_appraisees  # not 市统计局's 统计局长
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        session = services.session_of(evaluation, made["D1"])
        services.open_evaluation(evaluation, [session])
        db.session.commit()
        other = {aid: 80 for aid in d1_appraisees}
        other[next(iter(set(_county(city)) - d1_appraisees))] = 80
        with pytest.raises(services.BallotInvalid) as refused:
            services.cast_ballot(staff1, other)
        assert refused.value.errors[0] == "选票中有不属于本次测评的考核对象"


def _county(city) -> list[int]:
    from appraisal.tenants.cycles.models import Appraisee

    with tenant_scope(city.tenant):
        return list(db.session.scalars(select(Appraisee.id).where(Appraisee.population_id == city.ids["county"])))


def test_sessions_open_and_close_on_their_own_and_feed_one_computation(city):
    eid, made = _by_department(city)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        d1, d2 = services.session_of(evaluation, made["D1"]), services.session_of(evaluation, made["D2"])
        # 市统计局 has one voter: its group is too small to open (identifiable) …
        with pytest.raises(services.BallotError, match="场次“市统计局”的组别“干部职工”只有 1 名投票人"):
            services.open_evaluation(evaluation, [d2])
        db.session.rollback()
        # … 市财政局 opens alone
        services.open_evaluation(evaluation, [d1])
        db.session.commit()
        assert evaluation.is_open and d1.is_open and d2.is_draft
    for key in ("staff1", "staff2", "deputy1"):
        sheet = sheet_ids(city, eid, voter_id(city, eid, key))
        with tenant_scope(city.tenant):
            services.cast_ballot(voter_id(city, eid, key), {a: 90 for a in sheet})
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        statistics_voter = db.session.scalar(
            select(Voter).where(Voter.evaluation_id == eid, Voter.session_id == made["D2"])
        )
        with pytest.raises(services.NotEligible, match="尚未开始投票"):
            services.cast_ballot(statistics_voter.id, {})
        turnout = services.session_turnouts(evaluation)
        assert [(t.group.key, t.voted, t.eligible) for t in turnout[made["D1"]]] == [("staff", 3, 9)]
        assert [(t.group.key, t.voted, t.eligible) for t in turnout[made["D2"]]] == [("staff", 0, 1)]
        services.close_session(evaluation, services.session_of(evaluation, made["D1"]))
        db.session.commit()
    late = voter_id(city, eid, "staff3")
    sheet = sheet_ids(city, eid, late)
    with tenant_scope(city.tenant), pytest.raises(services.NotEligible, match="已结束投票"):
        services.cast_ballot(late, {a: 90 for a in sheet})
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        assert services.close_evaluation(evaluation) == 3
        db.session.commit()
        assert all(s.is_closed for s in services.sessions_of(evaluation))
        frame = services.population_ballots_frame(evaluation.population, indicator="x")
    d1_appraisees = {str(appraisee_of(city, "county", k)) for k in ("principal", "deputy1", "deputy2")}
    assert set(frame["appraisee_id"]) <= d1_appraisees and len(frame) > 0


def test_an_evaluation_has_one_whole_session_by_default(city):
    eid = make_evaluation(city)
    with tenant_scope(city.tenant):
        sessions = services.sessions_of(db.session.get(Evaluation, eid))
        assert [(s.name, s.unit_id, s.status.value) for s in sessions] == [("全体", None, "open")]
        assert db.session.scalar(select(func.count()).select_from(Voter).where(Voter.session_id.is_(None))) == 0


# ---------------------------------------------------------------------------
# Ballot rules
# ---------------------------------------------------------------------------


def _agency(city, **rules) -> int:
    return make_evaluation(city, population="agency", rules=rules)


def _cast(city, eid, key, answers, reasons=None):
    with tenant_scope(city.tenant):
        services.cast_ballot(voter_id(city, eid, key), answers, reasons)


def test_at_most_n_excellent_per_ballot_with_a_message_on_each_line(city):
    eid = _agency(city, top_score=90, top_max_count=1)
    sheet = sheet_ids(city, eid, voter_id(city, eid, "staff1"))
    answers = {a: 80 for a in sheet}
    answers[sheet[0]] = answers[sheet[1]] = 95
    with pytest.raises(services.BallotInvalid) as refused:
        _cast(city, eid, "staff1", answers)
    assert refused.value.errors[sheet[0]] == "评为“90 分及以上”的不能超过 1 个（本票已评 2 个），请调整"
    assert set(refused.value.errors) == {sheet[0], sheet[1]}
    answers[sheet[1]] = 85
    _cast(city, eid, "staff1", answers)  # corrected: accepted


def test_percent_limit_and_grade_scale(city):
    eid = make_evaluation(city, population="agency", scale="grade", rules={"top_score": 95, "top_max_percent": 20})
    sheet = sheet_ids(city, eid, voter_id(city, eid, "staff1"))  # 8 lines: 20 % → at most 1
    answers = {a: "称职" for a in sheet}
    answers[sheet[0]] = answers[sheet[1]] = "优秀"
    with pytest.raises(services.BallotInvalid) as refused:
        _cast(city, eid, "staff1", answers)
    assert "评为“优秀”的不能超过 1 个" in refused.value.errors[sheet[1]]


def test_extreme_scores_need_a_reason_kept_unlinked_after_the_close(city):
    eid = _agency(city, reason_at_or_above=100, reason_below=60)
    sheet = sheet_ids(city, eid, voter_id(city, eid, "staff1"))
    answers = {a: 80 for a in sheet}
    answers[sheet[0]], answers[sheet[1]] = 100, 50
    with pytest.raises(services.BallotInvalid) as refused:
        _cast(city, eid, "staff1", answers, {sheet[0]: "成绩突出"})
    assert refused.value.errors == {sheet[1]: "评 50 分须填写理由"}
    _cast(city, eid, "staff1", answers, {sheet[0]: "成绩突出", sheet[1]: "多次迟到"})
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        services.close_evaluation(evaluation)
        db.session.commit()
        reasons = db.session.execute(select(BallotReason.appraisee_id, BallotReason.score, BallotReason.reason)).all()
        assert sorted(reasons) == sorted(
            [(sheet[0], Decimal("100.00"), "成绩突出"), (sheet[1], Decimal("50.00"), "多次迟到")]
        )
        assert services.results(evaluation).reasons[sheet[1]][0][2] == "多次迟到"


def test_unknown_is_allowed_only_by_the_rules_and_not_counted(city):
    eid = _agency(city)
    sheet = sheet_ids(city, eid, voter_id(city, eid, "staff1"))
    answers = {a: 80 for a in sheet}
    answers[sheet[0]] = services.UNKNOWN
    with pytest.raises(services.BallotInvalid) as refused:
        _cast(city, eid, "staff1", answers)
    assert refused.value.errors == {sheet[0]: "本次测评不能选“不了解”"}

    eid = _agency(city, allow_unknown=True)
    for key in ("staff1", "staff2", "staff3", "staff4"):
        sheet = sheet_ids(city, eid, voter_id(city, eid, key))
        target = appraisee_of(city, "agency", "principal")
        answers = {a: 70 for a in sheet}
        answers[target] = services.UNKNOWN if key == "staff1" else 90
        _cast(city, eid, key, answers)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        services.close_evaluation(evaluation)
        db.session.commit()
        scores = db.session.scalars(
            select(BallotLine.score).where(BallotLine.evaluation_id == eid, BallotLine.appraisee_id == target)
        ).all()
    assert sorted(scores) == [Decimal("90.00")] * 3  # 不了解: no line, not in the mean


def test_invalid_ballots_refused_at_submit(city):
    eid = _agency(city, invalid_same_score=True, invalid_mode="refuse")
    sheet = sheet_ids(city, eid, voter_id(city, eid, "staff1"))
    with pytest.raises(services.BallotInvalid) as refused:
        _cast(city, eid, "staff1", {a: 80 for a in sheet})
    assert refused.value.errors[0].startswith("选票无效：所有考核对象的评分都相同")


def test_invalid_ballots_counted_at_the_close(city):
    eid = _agency(city, allow_unknown=True, invalid_unknown_half=True, invalid_same_score=True, invalid_mode="count")
    for key, kind in (("staff1", "same"), ("staff2", "unknown"), ("staff3", "fine")):
        sheet = sheet_ids(city, eid, voter_id(city, eid, key))
        if kind == "same":
            answers = {a: 80 for a in sheet}
        elif kind == "unknown":
            answers = {a: (services.UNKNOWN if i < len(sheet) // 2 + 1 else 70) for i, a in enumerate(sheet)}
        else:
            answers = {a: 70 + i for i, a in enumerate(sheet)}
        _cast(city, eid, key, answers)  # accepted: counted at the close
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        assert services.close_evaluation(evaluation) == 3
        db.session.commit()
        assert evaluation.invalid_ballots == 2
        assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.evaluation_id == eid)) == 3
        lines = db.session.scalar(select(func.count()).select_from(BallotLine).where(BallotLine.evaluation_id == eid))
        assert lines == len(sheet)  # only the valid ballot's lines
        assert services.results(evaluation).invalid_ballots == 2


def test_rules_are_checked_when_set(city):
    with pytest.raises(services.BallotError, match="请填写“优秀”的分数线"):
        services.parse_rules({"top_max_count": 1})
    with pytest.raises(services.BallotError, match="0 到 100"):
        services.parse_rules({"reason_below": "abc"})
    assert sessions_mod.WHOLE == "全体"
