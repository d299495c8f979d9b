"""Running a democratic evaluation: groups and weights, voters, codes, the
ballot's rules and frozen settings (turnout, results and the engine's input:
:mod:`.test_tallies`)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import (
    Ballot,
    Evaluation,
    EvaluationStatus,
    RaterGroup,
    Voter,
)
from appraisal.tenants.ballots.services.codes import CODE_ALPHABET, hash_code
from appraisal.tenants.cycles.models import Cycle, Phase, Population
from appraisal.tenants.org.models import OrgUnit, Person
from tests.tenants.ballots.conftest import (
    appraisee_of,
    group_id,
    groups_spec,
    make_evaluation,
    move_to,
    opened_lines,
    sealed_count,
    sheet_ids,
    vote,
    voter_id,
)

# ---------------------------------------------------------------------------
# Creating: groups from the scheme, or chosen with weights adding up to 1
# ---------------------------------------------------------------------------


def test_rater_groups_come_from_the_scheme_when_it_defines_them(city):
    move_to(city.tenant, city.ids["cycle"], Phase.TRACKING)
    with tenant_scope(city.tenant):
        cycle, agency = db.session.get(Cycle, city.ids["cycle"]), db.session.get(Population, city.ids["agency"])
        evaluation = services.create_evaluation(cycle, agency, title="财政局干部测评")
        groups = services.groups_of(evaluation)
        assert [(g.key, g.name, g.weight) for g in groups] == [
            ("principal", "主要负责同志", Decimal("0.3")),
            ("deputy", "单位副职", Decimal("0.2")),
            ("staff", "干部职工", Decimal("0.5")),
        ]
        with pytest.raises(services.BallotError, match="方案已规定评价人组别及权重"):
            services.create_evaluation(cycle, agency, title="改权重", groups=groups_spec())


def test_otherwise_the_office_chooses_groups_whose_weights_add_up_to_one(city):
    move_to(city.tenant, city.ids["cycle"], Phase.TRACKING)
    with tenant_scope(city.tenant):
        cycle, county = db.session.get(Cycle, city.ids["cycle"]), db.session.get(Population, city.ids["county"])
        with pytest.raises(services.BallotError, match="请选择评价人组别"):
            services.create_evaluation(cycle, county, title="无组别")
        with pytest.raises(services.BallotError, match=r"权重之和须等于 1（现在是 0.9）"):
            services.create_evaluation(
                cycle,
                county,
                title="差一点",
                groups=groups_spec(
                    [("principal", "主要领导", "0.3"), ("deputy", "副职领导", "0.3"), ("staff", "干部职工", "0.3")]
                ),
            )
        with pytest.raises(services.BallotError, match="权重最多保留四位小数"):
            services.groups_from_form([{"include": True, "key": "staff", "name": "干部职工", "weight": "0.33333"}])
        with pytest.raises(services.BallotError, match="请填写“干部职工”的权重"):
            services.groups_from_form([{"include": True, "key": "staff", "name": "干部职工", "weight": ""}])
        evaluation = services.create_evaluation(cycle, county, title="县级干部测评", groups=groups_spec())
        assert [g.key for g in services.groups_of(evaluation)] == ["principal", "deputy", "staff", "outside"]
        assert evaluation.status == EvaluationStatus.DRAFT and evaluation.min_group_size == 3


def test_settings_are_checked(city):
    move_to(city.tenant, city.ids["cycle"], Phase.TRACKING)
    with tenant_scope(city.tenant):
        cycle, county = db.session.get(Cycle, city.ids["cycle"]), db.session.get(Population, city.ids["county"])
        with pytest.raises(services.BallotError, match="个人的评分可被推算出来"):
            services.create_evaluation(cycle, county, title="两人组", groups=groups_spec(), min_group_size=2)
        with pytest.raises(services.BallotError, match="合并或舍弃"):
            services.create_evaluation(cycle, county, title="x", groups=groups_spec(), small_group_policy="keep")
        with pytest.raises(services.BallotError, match="至少需要两个等次"):
            services.create_evaluation(
                cycle, county, title="x", groups=groups_spec(), scale="grade", grade_values={"好": 90}
            )
        evaluation = services.create_evaluation(cycle, county, title="等次", groups=groups_spec(), scale="grade")
        assert evaluation.grade_values == services.DEFAULT_GRADES
        assert services.parse_grades("优秀=95\n称职：80，基本称职 60") == {"优秀": "95", "称职": "80", "基本称职": "60"}


def test_only_in_the_phases_that_allow_it(city):
    with tenant_scope(city.tenant):  # the cycle is still setting targets
        cycle, county = db.session.get(Cycle, city.ids["cycle"]), db.session.get(Population, city.ids["county"])
        with pytest.raises(services.BallotError, match="过程跟踪、年终评分"):
            services.create_evaluation(cycle, county, title="太早", groups=groups_spec())


def test_a_unit_evaluation_covers_only_the_units_own_appraisees_and_voters(city):
    move_to(city.tenant, city.ids["cycle"], Phase.TRACKING)
    with tenant_scope(city.tenant):
        cycle = db.session.get(Cycle, city.ids["cycle"])
        d1 = db.session.get(OrgUnit, city.ids["d1"])
        county = db.session.get(Population, city.ids["county"])  # includes 统计局长 of D2
        with pytest.raises(services.BallotError, match="只能评价本单位"):
            services.create_evaluation(cycle, county, title="越界", owner_unit=d1, groups=groups_spec())
        evaluation = services.create_evaluation(
            cycle, db.session.get(Population, city.ids["agency"]), title="财政局测评", owner_unit=d1
        )
        assert evaluation.unit_path == d1.path
        staff_group = next(g for g in services.groups_of(evaluation) if g.key == "staff")
        with pytest.raises(services.BallotError, match="只能从本单位选取投票人"):
            services.add_voter(evaluation, db.session.get(Person, city.ids["other_head"]), staff_group)
        with pytest.raises(services.BallotError, match="只能从本单位选取投票人"):
            services.add_voters_by_unit(
                evaluation,
                db.session.get(OrgUnit, city.ids["d2"]),
                role_groups=services.default_role_groups(evaluation),
            )
        office_eval = services.create_evaluation(cycle, county, title="全市", groups=groups_spec())
        assert office_eval.unit_path == ""


# ---------------------------------------------------------------------------
# Voters
# ---------------------------------------------------------------------------


def test_voters_by_unit_follow_the_leader_role_and_are_added_once(city):
    eid = make_evaluation(city, voters=False, open_=False)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        d1 = db.session.get(OrgUnit, city.ids["d1"])
        added, already = services.add_voters_by_unit(
            evaluation, d1, role_groups=services.default_role_groups(evaluation)
        )
        assert (added, already) == (9, 0)
        counts = dict(
            db.session.execute(
                select(RaterGroup.key, func.count(Voter.id))
                .join(Voter, Voter.rater_group_id == RaterGroup.id)
                .where(RaterGroup.evaluation_id == eid)
                .group_by(RaterGroup.key)
            ).all()
        )
        assert counts == {"principal": 1, "deputy": 2, "staff": 6}
        # again, and only the leaders, without the sections: nothing new
        roles = {"principal": group_id(city, eid, "principal"), "deputy": group_id(city, eid, "deputy"), "none": 0}
        assert services.add_voters_by_unit(evaluation, d1, subtree=False, role_groups=roles) == (0, 3)
        with pytest.raises(services.BallotError, match="已是本测评的投票人"):
            services.add_voter(
                evaluation,
                db.session.get(Person, city.ids["staff1"]),
                db.session.get(RaterGroup, group_id(city, eid, "staff")),
            )
        outsider = services.add_voter(
            evaluation,
            db.session.get(Person, city.ids["other_head"]),
            db.session.get(RaterGroup, group_id(city, eid, "outside")),
        )
        services.remove_voter(evaluation, outsider)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Voter).where(Voter.evaluation_id == eid)) == 9


def test_a_voter_who_has_voted_cannot_be_removed(city):
    eid = make_evaluation(city)
    vote(city, eid, "staff1")
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        with pytest.raises(services.BallotError, match="已投票，不能移除"):
            services.remove_voter(evaluation, db.session.get(Voter, voter_id(city, eid, "staff1")))


def test_opening_needs_voters(city):
    eid = make_evaluation(city, voters=False, open_=False)
    with tenant_scope(city.tenant), pytest.raises(services.BallotError, match="还没有投票人"):
        services.open_evaluation(db.session.get(Evaluation, eid))


# ---------------------------------------------------------------------------
# The ballot
# ---------------------------------------------------------------------------


def test_voters_never_rate_themselves(city):
    eid = make_evaluation(city)  # county: 局长甲, 副局长乙, 副局长丙, 统计局长
    own = appraisee_of(city, "county", "deputy1")
    vid = voter_id(city, eid, "deputy1")
    sheet = sheet_ids(city, eid, vid)
    assert own not in sheet and len(sheet) == 3
    with tenant_scope(city.tenant):
        with pytest.raises(services.BallotInvalid) as refused:
            services.cast_ballot(vid, {**{a: 80 for a in sheet}, own: 100})
        assert refused.value.errors == {0: "不能给本人（本单位）评分"}
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0 == sealed_count()
        assert db.session.get(Voter, vid).has_voted is False
        services.cast_ballot(vid, {a: 80 for a in sheet})
        lines = [a for _g, a, _s in opened_lines(eid)]
        assert sorted(lines) == sorted(sheet) and own not in lines


def test_in_a_population_of_units_voters_skip_their_own_unit(city):
    from appraisal.tenants.cycles.models import Appraisee

    eid = make_evaluation(city)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        d1 = db.session.get(OrgUnit, city.ids["d1"])
        unit_appraisee = Appraisee(
            cycle_id=evaluation.cycle_id,
            population_id=evaluation.population_id,
            subject_key=f"u:{d1.id}",
            org_unit_id=d1.id,
            unit_id=d1.id,
            unit_path=d1.path,
            name="市财政局",
            sort_order=99,
        )
        db.session.add(unit_appraisee)
        db.session.commit()
        staff_voter = db.session.get(Voter, voter_id(city, eid, "staff3"))  # in 综合科, inside 市财政局
        assert unit_appraisee.id not in [r.appraisee.id for r in services.ballot_sheet(evaluation, staff_voter)]


def test_every_appraisee_needs_a_score_between_0_and_100(city):
    eid = make_evaluation(city)
    vid = voter_id(city, eid, "staff1")
    sheet = sheet_ids(city, eid, vid)
    with tenant_scope(city.tenant):
        answers = {sheet[0]: "101", sheet[1]: "abc", sheet[2]: "80.123"}
        with pytest.raises(services.BallotInvalid) as refused:
            services.cast_ballot(vid, answers)
        assert refused.value.errors == {
            sheet[0]: "请输入 0 到 100 之间的分数",
            sheet[1]: "请输入 0 到 100 之间的分数",
            sheet[2]: "分数最多保留两位小数",
            sheet[3]: "请评分",
        }
        with pytest.raises(services.BallotInvalid) as refused:
            services.cast_ballot(vid, {**{a: 90 for a in sheet}, 999999: 50})
        assert refused.value.errors == {0: "选票中有不属于本次测评的考核对象"}
        services.cast_ballot(vid, {a: "99.5" for a in sheet})
        assert {score for _g, _a, score in opened_lines(eid)} == {Decimal("99.50")}


def test_grades_are_converted_by_the_evaluations_values(city):
    eid = make_evaluation(city, scale="grade", grade_values={"好": 95, "较好": 85, "一般": 70, "差": 50})
    vid = voter_id(city, eid, "staff1")
    sheet = sheet_ids(city, eid, vid)
    with tenant_scope(city.tenant):
        with pytest.raises(services.BallotInvalid) as refused:
            services.cast_ballot(vid, {a: "优秀" for a in sheet})
        assert set(refused.value.errors.values()) == {"请从列表中选择等次"}
        services.cast_ballot(vid, dict(zip(sheet, ["好", "较好", "一般", "差"])))
        assert sorted(score for _g, _a, score in opened_lines(eid)) == [50, 70, 85, 95]


def test_one_ballot_per_voter(city):
    eid = make_evaluation(city)
    vote(city, eid, "staff1")
    with pytest.raises(services.AlreadyVoted):
        vote(city, eid, "staff1")
    with tenant_scope(city.tenant):
        assert sealed_count(eid) == 1


def test_voting_only_while_open_and_in_the_scoring_phase(city):
    eid = make_evaluation(city, phase=Phase.TRACKING)
    with pytest.raises(services.NotEligible, match="年终评分"):
        vote(city, eid, "staff1")
    move_to(city.tenant, city.ids["cycle"], Phase.SCORING)
    vote(city, eid, "staff1")
    with tenant_scope(city.tenant):
        services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.commit()
    with pytest.raises(services.NotEligible, match="已结束"):
        vote(city, eid, "staff2")
    draft = make_evaluation(city, open_=False)
    with pytest.raises(services.NotEligible, match="尚未开始"):
        vote(city, draft, "staff2")


# ---------------------------------------------------------------------------
# Anonymity settings freeze at the first ballot
# ---------------------------------------------------------------------------


def test_settings_can_change_until_the_first_ballot_then_not(city):
    # known-voter groups: raising the minimum to 4 must not make an open (unconfirmed) group identifiable
    eid = make_evaluation(city, known=("principal", "deputy"))
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        # open, no ballot yet: allowed
        assert services.update_evaluation(
            evaluation,
            min_group_size=4,
            groups=groups_spec(
                [
                    ("principal", "主要领导", "0.25"),
                    ("deputy", "副职领导", "0.25"),
                    ("staff", "干部职工", "0.4"),
                    ("outside", "服务对象代表", "0.1"),
                ]
            ),
        )
        db.session.commit()
    vote(city, eid, "staff1")
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        db.session.refresh(evaluation)
        assert evaluation.settings_frozen
        for change in (
            {"scale": "grade"},
            {"min_group_size": 5},
            {"small_group_policy": "drop"},
            {"groups": groups_spec()},
        ):
            with pytest.raises(services.SettingsFrozen, match="已有选票投入"):
                services.update_evaluation(evaluation, **change)
            db.session.rollback()
        assert services.update_evaluation(evaluation, title="改个名字")  # the title is not a setting
        db.session.commit()
        db.session.refresh(evaluation)
        assert (evaluation.title, evaluation.min_group_size) == ("改个名字", 4)
        assert [g.weight for g in services.groups_of(evaluation)][:2] == [Decimal("0.25"), Decimal("0.25")]


def test_a_group_with_voters_cannot_be_dropped(city):
    eid = make_evaluation(city, open_=False)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        with pytest.raises(services.BallotError, match="已有 6 名投票人"):
            services.update_evaluation(
                evaluation,
                groups=groups_spec(
                    [
                        ("principal", "主要领导", "0.5"),
                        ("deputy", "副职领导", "0.4"),
                        ("outside", "服务对象代表", "0.1"),
                    ]
                ),
            )


# ---------------------------------------------------------------------------
# One-time codes
# ---------------------------------------------------------------------------


def test_codes_are_shown_once_stored_as_hashes_and_used_once(city):
    eid = make_evaluation(city)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        outside = db.session.get(RaterGroup, group_id(city, eid, "outside"))
        slips = services.generate_codes(evaluation, outside, 5)
        db.session.commit()
        assert [s.label for s in slips] == ["001", "002", "003", "004", "005"]
        codes = [s.code for s in slips]
        assert all(len(c) == 11 and c[5] == "-" for c in codes)
        assert all(set(c.replace("-", "")) <= set(CODE_ALPHABET) for c in codes)
        assert not set("01ILO") & set("".join(codes))
        stored = db.session.execute(
            select(Voter.code_hash, Voter.label, Voter.person_id).where(Voter.rater_group_id == outside.id)
        ).all()
        assert {h for h, _l, _p in stored} == {hash_code(c) for c in codes}
        assert all(p is None for _h, _l, p in stored)
        for code in codes:  # the plain code is nowhere in the voters table
            assert all(code.replace("-", "") not in str(value) for row in stored for value in row)

        typed = codes[0].lower().replace("-", " ")
        voter = services.voter_for_code(typed)
        assert voter is not None and voter.rater_group_id == outside.id
        assert services.voter_for_code("ABCDE-FGHJK") is None
        assert services.voter_for_code("short") is None
        sheet = [r.appraisee.id for r in services.ballot_sheet(evaluation, voter)]
        assert len(sheet) == 4  # an anonymous slip is nobody: every appraisee
        services.cast_ballot(voter.id, {a: 70 for a in sheet})
        assert services.voter_for_code(typed) is None  # used
        more = services.generate_codes(evaluation, outside, 2)
        assert [s.label for s in more] == ["006", "007"]
        assert services.code_stats(evaluation)[outside.id] == {"anonymous": 7, "anonymous_used": 1, "named": 0}


def test_named_codes_for_voters_without_an_account(city):
    eid = make_evaluation(city)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        staff = db.session.get(RaterGroup, group_id(city, eid, "staff"))
        slips = services.issue_named_codes(evaluation, staff)
        # 科员1 has an account (votes in the app): five slips for the others
        assert sorted(s.person_name for s in slips) == [f"科员{i}" for i in range(2, 7)]
        with pytest.raises(services.BallotError, match="没有需要发放投票码的投票人"):
            services.issue_named_codes(evaluation, staff)
        again = services.issue_named_codes(evaluation, staff, reissue=True)
        assert services.voter_for_code(slips[0].code) is None  # the old slip no longer works
        voter = services.voter_for_code(again[0].code)
        assert voter.person_id == city.ids["staff2"]
        deputy = db.session.get(RaterGroup, group_id(city, eid, "deputy"))
        deputy_slip = services.issue_named_codes(evaluation, deputy)[0]
        holder = services.voter_for_code(deputy_slip.code)
        own = appraisee_of(city, "county", "deputy1" if holder.person_id == city.ids["deputy1"] else "deputy2")
        assert own not in [r.appraisee.id for r in services.ballot_sheet(evaluation, holder)]


def test_codes_of_a_closed_or_draft_evaluation_do_not_open_a_ballot(city):
    eid = make_evaluation(city, open_=False)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        # three slips: a one-voter group would be refused at opening (its voter identifiable)
        slip = services.generate_codes(evaluation, db.session.get(RaterGroup, group_id(city, eid, "outside")), 3)[0]
        db.session.commit()
        assert services.voter_for_code(slip.code) is None
        services.open_evaluation(evaluation)
        db.session.commit()
        assert services.voter_for_code(slip.code) is not None
        services.close_evaluation(evaluation)
        db.session.commit()
        assert services.voter_for_code(slip.code) is None
