"""Publicity, appeals and the final archive."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.results import services
from appraisal.tenants.results.models import Appeal, AppealStatus
from appraisal.tenants.results.services import publication as pub
from tests.helpers import login


@pytest.fixture
def computing(year):
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
            cycles.move_phase(cycle, phase)
        db.session.commit()
    return year


def _compute_all(year):
    for key in ("dept_pop", "staff_pop"):
        services.request_compute(db.session.get(Population, year.ids[key]))


def test_publish_needs_every_population_computed_and_uses_the_scheme_days(computing):
    with tenant_scope(computing.tenant):
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        assert pub.procedure_days(cycle) == (5, 10, 10)  # seed 001: 5 days' publicity, 10 to appeal, 10 to answer
        services.request_compute(db.session.get(Population, computing.ids["dept_pop"]))
        with pytest.raises(pub.PublicationError, match="县级干部"):
            pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10)
        services.request_compute(db.session.get(Population, computing.ids["staff_pop"]))
        publication = pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10, today=date(2027, 1, 5))
        assert publication.publicity_ends_on == date(2027, 1, 10) and publication.appeals_end_on == date(2027, 1, 15)
        assert cycle.phase == Phase.PUBLICITY


def test_appeal_rejected_shows_its_reason_upheld_reopens_inputs(app, computing):
    with tenant_scope(computing.tenant):
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        _compute_all(computing)
        pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10)
        db.session.commit()
    unit, office = app.test_client(), app.test_client()
    login(unit, computing.tenant, computing.users["unit_admin"])
    login(office, computing.tenant, computing.users["office_admin"])
    appraisee_id = computing.ids["appraisee"]
    empty = unit.post(f"/t/city/results/appraisees/{appraisee_id}/appeal", data={"reasons": " "})
    assert empty.status_code == 422 and "理由" in empty.get_data(as_text=True)
    assert (
        unit.post(
            f"/t/city/results/appraisees/{appraisee_id}/appeal", data={"reasons": "党建得分漏计一项表彰"}
        ).status_code
        == 302
    )
    with tenant_scope(computing.tenant):
        appeal = db.session.scalar(select(Appeal).where(Appeal.reasons == "党建得分漏计一项表彰"))
    assert "剩" in office.get("/t/city/results/appeals/").get_data(as_text=True)
    office.post(f"/t/city/results/appeals/{appeal.id}", data={"decision": "reject", "answer": "该表彰不在加分范围"})
    page = unit.get(f"/t/city/results/appeals/{appeal.id}").get_data(as_text=True)
    assert "不予采纳" in page and "该表彰不在加分范围" in page
    # a second appeal, upheld: the cycle moves to the appeals phase, where recomputation is allowed
    unit.post(f"/t/city/results/appraisees/{appraisee_id}/appeal", data={"reasons": "再次申请"})
    with tenant_scope(computing.tenant):
        second = db.session.scalar(select(Appeal).where(Appeal.reasons == "再次申请"))
    office.post(f"/t/city/results/appeals/{second.id}", data={"decision": "uphold", "answer": "已核实，更正后重算"})
    upheld = office.get(f"/t/city/results/appeals/{second.id}").get_data(as_text=True)
    assert f"/scoring/appraisees/{appraisee_id}" in upheld and "重新计算" in upheld  # where to correct, then recompute
    assert "更正评分和加减分" not in unit.get(f"/t/city/results/appeals/{second.id}").get_data(as_text=True)
    db.session.expire_all()
    with tenant_scope(computing.tenant):
        assert db.session.get(Appeal, second.id).status == AppealStatus.UPHELD
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        assert cycle.phase == Phase.APPEALS
        services.request_compute(db.session.get(Population, computing.ids["dept_pop"]))


def test_finalise_after_the_window_with_every_appeal_answered(computing):
    with tenant_scope(computing.tenant):
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        _compute_all(computing)
        published = pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10, today=date(2027, 1, 5))
        appraisee = db.session.get(Appraisee, computing.ids["appraisee"])
        pub.file_appeal(appraisee, reasons="有异议", today=date(2027, 1, 6))
        with pytest.raises(pub.PublicationError, match="期满后"):
            pub.finalise(cycle, today=published.appeals_end_on)
        with pytest.raises(pub.PublicationError, match="未答复"):
            pub.finalise(cycle, today=published.appeals_end_on + timedelta(days=1))
        with pytest.raises(pub.PublicationError, match="截止"):
            pub.file_appeal(appraisee, reasons="太晚了", today=published.appeals_end_on + timedelta(days=1))
        # the fixture's appeal and this one are answered
        for appeal in db.session.scalars(select(Appeal).where(Appeal.status == AppealStatus.FILED)):
            pub.answer_appeal(appeal, upheld=False, answer="维持原结果")
        pub.finalise(cycle, today=published.appeals_end_on + timedelta(days=1))
        assert cycle.phase == Phase.FINAL and cycle.finalised_at is not None
        with pytest.raises(cycles.PhaseError, match="已归档"):
            services.request_compute(db.session.get(Population, computing.ids["dept_pop"]))


def test_the_appellant_withdraws_an_appeal_waiting_for_its_answer(app, computing):
    with tenant_scope(computing.tenant):
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        _compute_all(computing)
        pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10)
        appeal = pub.file_appeal(db.session.get(Appraisee, computing.ids["appraisee"]), reasons="有异议")
        db.session.commit()
        appeal_id = appeal.id
    unit, staff, office = app.test_client(), app.test_client(), app.test_client()
    login(unit, computing.tenant, computing.users["unit_admin"])
    login(staff, computing.tenant, computing.users["staff"])
    login(office, computing.tenant, computing.users["office_admin"])
    assert "撤回申请" in unit.get(f"/t/city/results/appeals/{appeal_id}").get_data(as_text=True)
    assert staff.post(f"/t/city/results/appeals/{appeal_id}/withdraw").status_code == 403
    unit.post(f"/t/city/results/appeals/{appeal_id}/withdraw", data={"reason": "已与考核办沟通清楚"})
    db.session.expire_all()
    with tenant_scope(computing.tenant):
        withdrawn = db.session.get(Appeal, appeal_id)
        assert withdrawn.status == AppealStatus.WITHDRAWN and withdrawn.answer == "已与考核办沟通清楚"
        assert pub.open_appeals(db.session.get(Cycle, computing.ids["cycle"])) == 0  # nothing left to answer
    page = office.get(f"/t/city/results/appeals/{appeal_id}").get_data(as_text=True)
    assert "申请人已撤回" in page and 'name="decision"' not in page  # nothing left to answer
    # once withdrawn (or answered) it cannot be withdrawn again
    again = unit.post(f"/t/city/results/appeals/{appeal_id}/withdraw", follow_redirects=True)
    assert "不能撤回" in again.get_data(as_text=True)


def test_publishing_refuses_days_that_are_not_whole_numbers(app, computing):
    with tenant_scope(computing.tenant):
        _compute_all(computing)
        db.session.commit()
    office = app.test_client()
    login(office, computing.tenant, computing.users["office_admin"])
    page = office.post(
        f"/t/city/results/cycles/{computing.ids['cycle']}/publish",
        data={"publicity_days": "五天", "appeal_days": "10", "answer_days": "10"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "天数须为整数：五天" in page
    with tenant_scope(computing.tenant):
        assert pub.publication_of(db.session.get(Cycle, computing.ids["cycle"])) is None
    # left empty, the scheme's days apply
    office.post(
        f"/t/city/results/cycles/{computing.ids['cycle']}/publish",
        data={"publicity_days": "", "appeal_days": "", "answer_days": ""},
    )
    db.session.expire_all()
    with tenant_scope(computing.tenant):
        publication = pub.publication_of(db.session.get(Cycle, computing.ids["cycle"]))
        assert (publication.appeals_end_on - publication.publicity_ends_on).days == 10 - 5  # scheme: 5 and 10


def test_rolling_back_before_publicity_withdraws_the_publication(app, computing):
    """Published, then rolled back to 年终评分 and recomputed: staff see nothing until
    the office publishes again, which opens a new publicity period from that day."""
    from appraisal.platform.audit import AuditEntry

    with tenant_scope(computing.tenant):
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        _compute_all(computing)
        pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10, today=date(2027, 1, 5))
        db.session.commit()
    staff, office = app.test_client(), app.test_client()
    login(staff, computing.tenant, computing.users["staff"])
    login(office, computing.tenant, computing.users["office_admin"])
    board = f"/t/city/results/populations/{computing.ids['dept_pop']}"
    assert staff.get(board).status_code == 200
    assert "已公示" in staff.get("/t/city/results/").get_data(as_text=True)

    assert (
        office.post(
            f"/t/city/cycles/{computing.ids['cycle']}/phase", data={"to": "scoring", "reason": "发现评分录入错误"}
        ).status_code
        == 302
    )
    with tenant_scope(computing.tenant):
        db.session.expire_all()
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        assert cycle.phase == Phase.SCORING
        assert pub.publication_of(cycle) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.withdraw"))
        assert entry is not None and entry.before["publicity_ends_on"] == "2027-01-10"
        assert entry.after == {"reason": "发现评分录入错误"}
        cycles.move_phase(cycle, Phase.COMPUTING)
        _compute_all(computing)  # recomputed, not published
        db.session.commit()
    assert staff.get(board).status_code == 403
    page = staff.get("/t/city/results/").get_data(as_text=True)
    assert "已公示" not in page and "2027-01-10" not in page
    office_page = office.get("/t/city/results/").get_data(as_text=True)
    assert "未公示" in office_page and "2027-01-10" not in office_page

    with tenant_scope(computing.tenant):
        cycle = db.session.get(Cycle, computing.ids["cycle"])
        again = pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10, today=date(2027, 2, 1))
        assert again.publicity_ends_on == date(2027, 2, 6) and again.appeals_end_on == date(2027, 2, 11)
        db.session.commit()
    assert staff.get(board).status_code == 200
