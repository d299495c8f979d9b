"""The screens end to end: the office runs an evaluation at a staff meeting;
a unit admin runs their own; staff vote in the app."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Evaluation, RaterGroup, Voter
from appraisal.tenants.cycles.models import Phase
from appraisal.tenants.scoring.models import SelfReport
from tests.tenants.ballots.conftest import (
    appraisee_of,
    group_id,
    make_evaluation,
    move_to,
    recorded_statements,
    sealed_count,
    vote,
    voter_id,
)


def _groups_form(rows):
    data = {}
    for i, (key, name, weight, include) in enumerate(rows):
        data.update({f"groups-{i}-key": key, f"groups-{i}-name": name, f"groups-{i}-weight": weight})
        if include:
            data[f"groups-{i}-include"] = "y"
    return data


STANDARD_ROWS = [
    ("principal", "主要领导", "0.3", True),
    ("deputy", "副职领导", "0.2", True),
    ("staff", "干部职工", "0.4", True),
    ("outside", "服务对象代表", "0.1", True),
]


def _new_form(title: str, population_id, owner_unit_id="0", groups=None) -> dict:
    """The new-evaluation form: a 0–100 scale, minimum group size 3, small groups merged."""
    data = {
        "title": title,
        "population_id": population_id,
        "owner_unit_id": owner_unit_id,
        "scale": "score",
        "min_group_size": "3",
        "small_group_policy": "merge",
    }
    return {**data, **_groups_form(groups)} if groups else data


def test_the_office_runs_an_evaluation_at_a_staff_meeting(city, as_role):
    move_to(city.tenant, city.ids["cycle"], Phase.SCORING)
    office = as_role("office_admin")
    page = office.get("/t/city/ballots/")
    assert page.status_code == 200 and "本年度还没有民主测评" in page.get_data(as_text=True)
    form = office.get("/t/city/ballots/new")
    assert form.status_code == 200 and "县级干部" in form.get_data(as_text=True)
    assert "方案已规定组别" in form.get_data(as_text=True)  # the agency population (scheme E)

    # weights that do not add up are refused with the reason
    bad = office.post(
        "/t/city/ballots/new",
        data=_new_form(
            "县级干部民主测评",
            city.ids["county"],
            groups=[
                ("principal", "主要领导", "0.5", True),
                ("deputy", "副职领导", "0.2", True),
                ("staff", "干部职工", "0.4", True),
                ("outside", "服务对象代表", "", False),
            ],
        ),
    )
    assert bad.status_code == 422 and "权重之和须等于 1（现在是 1.1）" in bad.get_data(as_text=True)
    created = office.post(
        "/t/city/ballots/new",
        data=_new_form("县级干部民主测评", city.ids["county"], groups=STANDARD_ROWS),
    )
    assert created.status_code == 302
    with tenant_scope(city.tenant):
        evaluation = db.session.scalars(select(Evaluation)).one()
        eid = evaluation.id
        assert [g.key for g in services.groups_of(evaluation)] == ["principal", "deputy", "staff", "outside"]
    assert created.headers["Location"].endswith(f"/ballots/{eid}/voters")

    # voters: the whole 市财政局, by leader role
    voters = office.get(f"/t/city/ballots/{eid}/voters")
    assert voters.status_code == 200
    groups = {k: group_id(city, eid, k) for k in ("principal", "deputy", "staff", "outside")}
    added = office.post(
        f"/t/city/ballots/{eid}/voters/units",
        data={
            "unit-unit_id": city.ids["d1"],
            "unit-subtree": "y",
            "unit-group_principal": groups["principal"],
            "unit-group_deputy": groups["deputy"],
            "unit-group_none": groups["staff"],
        },
    )
    assert added.status_code == 303
    listing = office.get(f"/t/city/ballots/{eid}/voters").get_data(as_text=True)
    assert "科员6" in listing and "局长甲" in listing
    assert (
        office.post(
            f"/t/city/ballots/{eid}/voters/person", data={"one-staff_no": "NOPE", "one-group_id": groups["staff"]}
        ).status_code
        == 422
    )

    # printed slips for the outside representatives: shown once, stored as hashes
    slips = office.post(f"/t/city/ballots/{eid}/codes", data={"anon-group_id": groups["outside"], "anon-count": "4"})
    body = slips.get_data(as_text=True)
    assert slips.status_code == 200 and slips.headers["Cache-Control"] == "no-store"
    assert "@media print" in body and "/t/city/vote" in body
    codes = re.findall(r'<div class="code">([A-Z0-9]{5}-[A-Z0-9]{5})</div>', body)
    assert len(codes) == 4
    again = office.get(f"/t/city/ballots/{eid}/codes").get_data(as_text=True)
    assert not any(code in again for code in codes)  # never shown again
    with tenant_scope(city.tenant):
        assert db.session.scalar(select(func.count()).select_from(Voter).where(Voter.code_hash.is_not(None))) == 4

    # open (after a confirmation page), vote, watch the turnout, close
    assert "确认开始投票" in office.get(f"/t/city/ballots/{eid}/open").get_data(as_text=True)
    # one principal and two deputies: below the minimum of 3, refused until the office
    # confirms each as a known-voter group (its voters are identifiable)
    assert office.post(f"/t/city/ballots/{eid}/open").status_code == 303
    page = office.get(f"/t/city/ballots/{eid}").get_data(as_text=True)
    assert "组别“主要领导”只有 1 名投票人" in page and "其投票人可被识别" in page and "记名组" in page
    with tenant_scope(city.tenant):
        assert db.session.get(Evaluation, eid).is_draft
    for key in ("principal", "deputy"):
        unconfirmed = office.post(f"/t/city/ballots/{eid}/known-group", data={"group_id": groups[key], "known": "1"})
        assert unconfirmed.status_code == 303
        assert (
            office.post(
                f"/t/city/ballots/{eid}/known-group", data={"group_id": groups[key], "known": "1", "confirm": "y"}
            ).status_code
            == 303
        )
    with tenant_scope(city.tenant):
        assert [g.known_voters for g in services.groups_of(db.session.get(Evaluation, eid))] == [
            True,
            True,
            False,
            False,
        ]
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ballots.known_group")).all()
        assert len(entries) == 2 and all("可被识别" in e.after["warning"] for e in entries)
    assert office.post(f"/t/city/ballots/{eid}/open").status_code == 303
    staff = as_role("staff")
    mine = staff.get("/t/city/my-evaluations").get_data(as_text=True)
    assert "县级干部民主测评" in mine and "去投票" in mine
    ballot = staff.get(f"/t/city/my-evaluations/{eid}")
    assert ballot.status_code == 200
    appraisees = [int(a) for a in re.findall(r'name="score-(\d+)"', ballot.get_data(as_text=True))]
    assert len(appraisees) == 4
    incomplete = staff.post(f"/t/city/my-evaluations/{eid}", data={f"score-{appraisees[0]}": "90"})
    assert incomplete.status_code == 422 and "请评分" in incomplete.get_data(as_text=True)
    done = staff.post(f"/t/city/my-evaluations/{eid}", data={f"score-{a}": "90" for a in appraisees})
    assert done.status_code == 303
    assert "已投票" in staff.get("/t/city/my-evaluations").get_data(as_text=True)
    assert staff.get(f"/t/city/my-evaluations/{eid}").status_code == 302  # no second ballot
    for code in codes[:3]:
        entered = office.post("/t/city/vote", data={"code": code})
        ids = re.findall(r'name="score-(\d+)"', entered.get_data(as_text=True))
        assert (
            office.post(
                "/t/city/vote", data={"code": code, "cast": "1", **{f"score-{i}": "70" for i in ids}}
            ).status_code
            == 200
        )
    for key in ("staff2", "staff3"):
        vote(city, eid, key, 80)
    live = office.get(f"/t/city/ballots/{eid}/turnout").get_json()
    assert (live["voted"], live["eligible"]) == (6, 13)
    figures = {g["id"]: (g["voted"], g["eligible"]) for g in live["groups"]}
    assert figures[groups["staff"]] == (3, 6) and figures[groups["outside"]] == (3, 4)
    index = office.get("/t/city/ballots/").get_data(as_text=True)
    assert "县级干部民主测评" in index and '3</span> / <span class="eligible">6' in index

    hidden = office.get(f"/t/city/ballots/{eid}/results").get_data(as_text=True)
    assert "结果在结束投票后才能查看" in hidden
    assert office.post(f"/t/city/ballots/{eid}/close").status_code == 303
    results = office.get(f"/t/city/ballots/{eid}/results")
    text = results.get_data(as_text=True)
    assert results.status_code == 200 and "共收到 6 张选票" in text
    assert "83.33" in text and "70.00" in text and 'class="chart"' in text  # staff 90/80/80, outside 70
    assert "记名组，1 人" in text and "记名组，2 人" in text
    assert "已结束" in office.get(f"/t/city/ballots/{eid}").get_data(as_text=True)


def test_frozen_settings_are_refused_with_the_reason(city, as_role):
    eid = make_evaluation(city)
    office = as_role("office_admin")
    editable = office.get(f"/t/city/ballots/{eid}/edit").get_data(as_text=True)
    assert "评价人组别与权重" in editable and "已有选票投入" not in editable
    vote(city, eid, "staff1")
    page = office.get(f"/t/city/ballots/{eid}/edit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "已有选票投入" in text and 'name="min_group_size"' not in text
    response = office.post(
        f"/t/city/ballots/{eid}/edit",
        data={
            "title": "县级干部测评（改）",
            "scale": "grade",
            "min_group_size": "9",
            "small_group_policy": "drop",
            **_groups_form(STANDARD_ROWS),
        },
    )
    assert response.status_code == 302
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        assert (evaluation.title, evaluation.scale, evaluation.min_group_size, evaluation.small_group_policy) == (
            "县级干部测评（改）",
            "score",
            3,
            "merge",
        )


def test_a_change_before_the_first_ballot_is_saved(city, as_role):
    # known-voter groups: raising the minimum to 4 must not make an open (unconfirmed) group identifiable
    eid = make_evaluation(city, known=("principal", "deputy"))
    office = as_role("office_admin")
    response = office.post(
        f"/t/city/ballots/{eid}/edit",
        data={
            "title": "县级干部民主测评",
            "scale": "grade",
            "grade_values": "优秀=95\n称职=80\n基本称职=60\n不称职=30",
            "min_group_size": "4",
            "small_group_policy": "drop",
            **_groups_form(
                [
                    ("principal", "主要领导", "0.3", True),
                    ("deputy", "副职领导", "0.2", True),
                    ("staff", "干部职工", "0.5", True),
                    ("outside", "服务对象代表", "", False),
                ]
            ),
        },
    )
    assert response.status_code == 302
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        assert evaluation.grade_values == {"优秀": 95, "称职": 80, "基本称职": 60, "不称职": 30}
        assert [g.key for g in services.groups_of(evaluation)] == ["principal", "deputy", "staff"]
    staff = as_role("staff")
    form = staff.get(f"/t/city/my-evaluations/{eid}").get_data(as_text=True)
    assert '<option value="基本称职"' in form


def test_a_unit_admin_runs_their_own_units_evaluation(city, as_role):
    move_to(city.tenant, city.ids["cycle"], Phase.TRACKING)
    admin = as_role("unit_admin")
    form = admin.get("/t/city/ballots/new").get_data(as_text=True)
    assert "财政局干部" in form and "县级干部" not in form  # only populations inside their unit
    assert "考核办（全市统一组织）" not in form
    refused = admin.post(
        "/t/city/ballots/new",
        data=_new_form("越权", city.ids["agency"]),
    )
    assert refused.status_code == 403
    created = admin.post(
        "/t/city/ballots/new",
        data=_new_form("财政局干部民主测评", city.ids["agency"], owner_unit_id=city.ids["d1"]),
    )
    assert created.status_code == 302
    with tenant_scope(city.tenant):
        evaluation = db.session.scalars(select(Evaluation)).one()
        assert evaluation.owner_unit_id == city.ids["d1"]
        assert [g.key for g in services.groups_of(evaluation)] == ["principal", "deputy", "staff"]  # scheme E
    listing = admin.get("/t/city/ballots/").get_data(as_text=True)
    assert "财政局干部民主测评" in listing
    assert admin.get(f"/t/city/ballots/{evaluation.id}/voters").status_code == 200
    # the office's own evaluations are not theirs
    office_eid = make_evaluation(city, phase=Phase.TRACKING, open_=False)
    assert admin.get(f"/t/city/ballots/{office_eid}").status_code == 403
    assert "县级干部民主测评" not in admin.get("/t/city/ballots/").get_data(as_text=True)


def test_the_ballot_links_the_self_reports(city, as_role):
    eid = make_evaluation(city)
    from appraisal.platform.db import utcnow

    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        head = appraisee_of(city, "county", "other_head")
        db.session.add(
            SelfReport(
                cycle_id=evaluation.cycle_id, appraisee_id=head, body="一年来，我认真履职……", submitted_at=utcnow()
            )
        )
        draft = appraisee_of(city, "county", "principal")
        db.session.add(SelfReport(cycle_id=evaluation.cycle_id, appraisee_id=draft, body="草稿，未提交"))
        db.session.commit()
    page = as_role("staff").get(f"/t/city/my-evaluations/{eid}").get_data(as_text=True)
    assert "一年来，我认真履职" in page and "草稿，未提交" not in page


def test_lost_slips_are_voided_by_removing_their_voter(city, as_role):
    eid = make_evaluation(city)
    office = as_role("office_admin")
    # four slips: voiding one leaves three, the minimum (a smaller group is refused while open)
    body = office.post(
        f"/t/city/ballots/{eid}/codes", data={"anon-group_id": group_id(city, eid, "outside"), "anon-count": "4"}
    ).get_data(as_text=True)
    code = re.search(r'<div class="code">([A-Z0-9-]{11})</div>', body).group(1)
    with tenant_scope(city.tenant):
        slip_voter = services.voter_for_code(code).id
    assert office.post(f"/t/city/ballots/{eid}/voters/remove", data={"voter_id": slip_voter}).status_code == 303
    assert office.post("/t/city/vote", data={"code": code}).status_code == 422
    # a voter who has voted stays
    vote(city, eid, "staff1")
    assert (
        office.post(
            f"/t/city/ballots/{eid}/voters/remove", data={"voter_id": voter_id(city, eid, "staff1")}
        ).status_code
        == 303
    )
    with tenant_scope(city.tenant):
        assert db.session.get(Voter, voter_id(city, eid, "staff1")) is not None
        assert sealed_count(eid) == 1  # sealed while voting is open


def test_named_slips_print_the_holders_name(city, as_role):
    eid = make_evaluation(city)
    office = as_role("office_admin")
    body = office.post(
        f"/t/city/ballots/{eid}/codes/named", data={"named-group_id": group_id(city, eid, "staff")}
    ).get_data(as_text=True)
    assert "科员2" in body and "科员1" not in body  # 科员1 has an account
    assert len(re.findall(r'<div class="code">', body)) == 5
    with tenant_scope(city.tenant):
        assert db.session.scalar(select(func.count()).select_from(RaterGroup)) == 4


def test_the_voters_and_codes_pages_read_the_groups_once(app, city, as_role):
    """Every group select of the page (and the default group of each leader
    role) comes from one read of the evaluation's groups; the turnout reads its own."""
    eid = make_evaluation(city, open_=False)
    office = as_role("office_admin")
    for url, reads in ((f"/t/city/ballots/{eid}/voters", 2), (f"/t/city/ballots/{eid}/codes", 1)):
        with recorded_statements(app) as statements:
            page = office.get(url)
        assert page.status_code == 200 and "服务对象代表" in page.get_data(as_text=True)
        assert sum("FROM rater_groups" in s for s in statements) == reads, url
