"""Bonus claims (claimed → verified or rejected with a reason), penalties seen
by the appraisee as they happen, vetoes, quarterly deduction notices and
self-reports; phases, audit rows, nothing deleted."""

from __future__ import annotations

from io import BytesIO

from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Phase, Population
from appraisal.tenants.scoring.models import (
    AdjustmentClaim,
    ClaimStatus,
    DeductionNotice,
    SelfReport,
    Veto,
)
from tests.helpers import login
from tests.tenants.scoring.conftest import dept, link_person, move_to

PDF = b"%PDF-1.4\n%%EOF\n"


def client_for(app, year, role):
    client = app.test_client()
    login(client, year.tenant, year.users[role])
    return client


def finance(year) -> int:
    with tenant_scope(year.tenant):
        return dept(year, 0).id


def base(year) -> str:
    return f"/t/{year.tenant.slug}/scoring"


def claim_innovation(client, year, appraisee_id, **extra):
    data = {
        "rule": "innovation_business",
        "level": "province",
        "count": "1",
        "dedup_key": "预算绩效改革",
        "shared_with": "市发改委",
        "description": "预算绩效改革经验被省财政厅推广",
        "files": (BytesIO(PDF), "推广通知.pdf"),
    }
    data.update(extra)
    return client.post(
        f"{base(year)}/appraisees/{appraisee_id}/claims/new", data=data, content_type="multipart/form-data"
    )


def claims(year) -> list[AdjustmentClaim]:
    db.session.expire_all()  # the requests wrote in their own sessions
    with tenant_scope(year.tenant):
        return list(db.session.scalars(select(AdjustmentClaim).order_by(AdjustmentClaim.id)))


def actions(year) -> list[str]:
    with tenant_scope(year.tenant):
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_claim_is_verified_by_the_office(app, year):
    move_to(year, Phase.TRACKING)
    unit_admin = client_for(app, year, "unit_admin")
    page = unit_admin.get(f"{base(year)}/appraisees/{finance(year)}/claims/new").get_data(as_text=True)
    assert "创新加分(业务部门肯定推广)" in page and 'data-rule="innovation_business"' in page
    assert claim_innovation(unit_admin, year, finance(year)).status_code == 302
    [claim] = claims(year)
    assert (claim.status, claim.level, claim.sharers, claim.shared_with) == (
        ClaimStatus.CLAIMED,
        "province",
        2,
        "市发改委",
    )
    office = client_for(app, year, "office_admin")
    response = office.post(f"{base(year)}/claims/{claim.id}/decide", data={"decision": "verify"})
    assert response.status_code == 302
    [claim] = claims(year)
    assert claim.status == ClaimStatus.VERIFIED and claim.decided_by_id == year.users["office_admin"].id
    assert "claim.create" in actions(year) and "claim.verify" in actions(year)
    # decided once: a second decision is refused
    assert (
        office.post(f"{base(year)}/claims/{claim.id}/decide", data={"decision": "reject", "reason": "x"}).status_code
        == 422
    )


def test_a_rejected_claim_shows_its_reason_to_the_claimant(app, year):
    move_to(year, Phase.SCORING)
    unit_admin = client_for(app, year, "unit_admin")
    claim_innovation(unit_admin, year, finance(year))
    [claim] = claims(year)
    office = client_for(app, year, "office_admin")
    response = office.post(f"{base(year)}/claims/{claim.id}/decide", data={"decision": "reject"})
    assert response.status_code == 422 and "不予认定时必须填写原因" in response.get_data(as_text=True)
    assert claims(year)[0].status == ClaimStatus.CLAIMED
    office.post(
        f"{base(year)}/claims/{claim.id}/decide", data={"decision": "reject", "reason": "推广文件为市级，非省级"}
    )
    html = unit_admin.get(f"{base(year)}/appraisees/{finance(year)}").get_data(as_text=True)
    assert "未通过" in html and "推广文件为市级，非省级" in html


def test_only_the_mapped_assessor_verifies_a_rule(app, year):
    move_to(year, Phase.SCORING)
    claim_innovation(client_for(app, year, "unit_admin"), year, finance(year))
    [claim] = claims(year)
    claim_id = claim.id
    assessor = client_for(app, year, "assessor")  # 市委组织部, mapped only for party building
    assert assessor.post(f"{base(year)}/claims/{claim_id}/decide", data={"decision": "verify"}).status_code == 403
    with tenant_scope(year.tenant):
        population = db.session.get(Population, year.ids["dept_pop"])
        population.assessors = {**population.assessors, "adjustments.innovation_business": year.ids["depts"][2]}
        db.session.commit()
    assert assessor.post(f"{base(year)}/claims/{claim_id}/decide", data={"decision": "verify"}).status_code == 302
    assert claims(year)[0].status == ClaimStatus.VERIFIED


def test_claims_are_checked_against_the_scheme(app, year):
    move_to(year, Phase.SCORING)
    unit_admin = client_for(app, year, "unit_admin")
    for extra, message in (
        ({"rule": "criticism"}, "请从列表中选择"),  # a penalty rule is not claimable
        ({"level": "galaxy"}, "请选择级别"),
        ({"count": "0"}, "次数须为大于 0 的数"),
        ({"description": ""}, "请填写此项"),
    ):
        response = claim_innovation(unit_admin, year, finance(year), **extra)
        assert response.status_code == 422, extra
        assert message in response.get_data(as_text=True), extra
    assert claims(year) == []


def test_claims_wait_for_tracking_and_only_the_unit_claims(app, year):
    unit_admin = client_for(app, year, "unit_admin")  # still target setting
    response = claim_innovation(unit_admin, year, finance(year))
    assert response.status_code == 422 and "过程跟踪" in response.get_data(as_text=True)
    move_to(year, Phase.TRACKING)
    with tenant_scope(year.tenant):
        education = dept(year, 3).id
    assert claim_innovation(unit_admin, year, education).status_code == 403  # not their unit
    assert claim_innovation(client_for(app, year, "staff"), year, finance(year)).status_code == 403


def test_a_claimant_withdraws_with_a_reason_and_nothing_is_deleted(app, year):
    move_to(year, Phase.SCORING)
    unit_admin = client_for(app, year, "unit_admin")
    claim_innovation(unit_admin, year, finance(year))
    [claim] = claims(year)
    assert unit_admin.post(f"{base(year)}/claims/{claim.id}/withdraw", data={"reason": ""}).status_code == 422
    assert unit_admin.post(f"{base(year)}/claims/{claim.id}/withdraw", data={"reason": "材料不全"}).status_code == 302
    [claim] = claims(year)
    assert claim.status == ClaimStatus.WITHDRAWN and claim.reject_reason == "材料不全"


def test_a_penalty_is_seen_by_the_appraisee_as_it_happens(app, year):
    office = client_for(app, year, "office_admin")  # penalties are recorded from target setting on
    response = office.post(
        f"{base(year)}/appraisees/{finance(year)}/penalties/new",
        data={
            "rule": "criticism",
            "count": "1",
            "description": "市政府通报批评（2026年第3期）",
            "occurred_on": "2026-05-12",
            "files": (BytesIO(PDF), "通报.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [penalty] = claims(year)
    assert penalty.status == ClaimStatus.VERIFIED and penalty.kind.value == "penalty"
    html = client_for(app, year, "unit_admin").get(f"{base(year)}/appraisees/{finance(year)}").get_data(as_text=True)
    assert "通报批评" in html and "市政府通报批评（2026年第3期）" in html and "通报.pdf" in html
    assert "penalty.record" in actions(year)
    # a penalty needs a reason; the assessor of another indicator may not record one
    response = office.post(
        f"{base(year)}/appraisees/{finance(year)}/penalties/new",
        data={"rule": "criticism", "count": "1", "description": ""},
    )
    assert response.status_code == 422
    assert (
        client_for(app, year, "assessor").get(f"{base(year)}/appraisees/{finance(year)}/penalties/new").status_code
        == 403
    )
    # withdrawn with a reason, never deleted
    assert (
        office.post(f"{base(year)}/penalties/{penalty.id}/withdraw", data={"reason": "通报已撤销"}).status_code == 302
    )
    assert claims(year)[0].status == ClaimStatus.WITHDRAWN


def test_a_veto_is_recorded_by_the_office_and_shown_to_the_person(app, year, make_user):
    person_user = make_user(year.tenant, "staff", email="cadre@example.cn", name="县级干部")
    appraisee_id = link_person(year, person_user, 0)  # a county-level cadre of 市财政局
    office = client_for(app, year, "office_admin")
    data = {"rule": "complaint", "description": "工作态度被群众投诉，经查属实", "files": (BytesIO(PDF), "调查报告.pdf")}
    url = f"{base(year)}/appraisees/{appraisee_id}/vetoes/new"
    response = office.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "过程跟踪" in response.get_data(as_text=True)
    move_to(year, Phase.TRACKING)
    data["files"] = (BytesIO(PDF), "调查报告.pdf")
    assert office.post(url, data=data, content_type="multipart/form-data").status_code == 302
    cadre = app.test_client()
    login(cadre, year.tenant, person_user)
    html = cadre.get(f"{base(year)}/appraisees/{appraisee_id}").get_data(as_text=True)
    assert "已被一票否决" in html and "工作态度被群众投诉，经查属实" in html and "调查报告.pdf" in html
    # another staff member sees nothing of it
    assert client_for(app, year, "staff").get(f"{base(year)}/appraisees/{appraisee_id}").status_code == 403
    assert client_for(app, year, "unit_admin").get(url).status_code == 403  # the office records vetoes
    with tenant_scope(year.tenant):
        veto = db.session.scalar(select(Veto))
    assert office.post(f"{base(year)}/vetoes/{veto.id}/revoke", data={"reason": "复查不属实"}).status_code == 302
    db.session.expire_all()
    with tenant_scope(year.tenant):
        veto = db.session.scalar(select(Veto))
        assert veto.revoked and veto.revoke_reason == "复查不属实"
    assert "veto.record" in actions(year) and "veto.revoke" in actions(year)


def test_the_office_publishes_a_quarterly_deduction_notice(app, year):
    office = client_for(app, year, "office_admin")
    assert (
        office.post(
            f"{base(year)}/appraisees/{finance(year)}/penalties/new",
            data={"rule": "criticism", "count": "2", "description": "两次通报批评", "occurred_on": "2026-05-12"},
        ).status_code
        == 302
    )
    office.post(
        f"{base(year)}/appraisees/{finance(year)}/penalties/new",
        data={"rule": "criticism", "count": "1", "description": "一季度的事", "occurred_on": "2026-02-01"},
    )
    move_to(year, Phase.TRACKING)
    form = office.get(f"{base(year)}/notices/new?quarter=2").get_data(as_text=True)
    assert "两次通报批评" in form and "扣 10 分" in form and "一季度的事" not in form  # 2 × 5 points
    response = office.post(
        f"{base(year)}/notices/new",
        data={"quarter": 2, "title": "2026年第二季度扣分通报", "body": "市财政局：通报批评 2 次，扣 10 分。"},
    )
    assert response.status_code == 302
    again = office.post(f"{base(year)}/notices/new", data={"quarter": 2, "title": "重复", "body": ""})
    assert again.status_code == 422 and "已发布" in again.get_data(as_text=True)
    with tenant_scope(year.tenant):
        notice = db.session.scalar(select(DeductionNotice))
    staff = client_for(app, year, "staff")
    assert "2026年第二季度扣分通报" in staff.get(f"{base(year)}/notices").get_data(as_text=True)
    assert "扣 10 分" in staff.get(f"{base(year)}/notices/{notice.id}").get_data(as_text=True)
    assert staff.get(f"{base(year)}/notices/new").status_code == 403


def test_a_person_writes_their_self_report_for_those_who_score(app, year, make_user):
    person_user = make_user(year.tenant, "staff", email="cadre2@example.cn", name="述职人")
    appraisee_id = link_person(year, person_user, 3)  # the county-level cadre of 市发改委
    cadre = app.test_client()
    login(cadre, year.tenant, person_user)
    url = f"{base(year)}/appraisees/{appraisee_id}/self-report"
    move_to(year, Phase.TRACKING)
    response = cadre.post(url, data={"body": "太早了", "action": "submit"})
    assert response.status_code == 422 and "年终评分" in response.get_data(as_text=True)
    move_to(year, Phase.SCORING)
    response = cadre.post(
        url,
        data={"body": "一年来，认真履职……", "action": "submit", "files": (BytesIO(PDF), "述职报告.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with tenant_scope(year.tenant):
        report = db.session.scalar(select(SelfReport))
    assert report.submitted_at is not None and report.body == "一年来，认真履职……"
    html = client_for(app, year, "assessor").get(f"{base(year)}/appraisees/{appraisee_id}").get_data(as_text=True)
    assert "一年来，认真履职……" in html and "述职报告.pdf" in html
    assert client_for(app, year, "staff").get(url).status_code == 403  # someone else's
    assert "self_report.submit" in actions(year)


def test_lists_show_only_what_the_user_may_see(app, year):
    move_to(year, Phase.SCORING)
    claim_innovation(client_for(app, year, "unit_admin"), year, finance(year))
    assert "市财政局" in client_for(app, year, "office_admin").get(f"{base(year)}/claims").get_data(as_text=True)
    staff_list = client_for(app, year, "staff").get(f"{base(year)}/claims").get_data(as_text=True)
    assert "市财政局" not in staff_list
    response = client_for(app, year, "office_admin").get(f"{base(year)}/claims.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")


def test_the_veto_list_exports_what_the_user_may_see(app, year):
    from openpyxl import load_workbook

    move_to(year, Phase.TRACKING)
    office = client_for(app, year, "office_admin")
    office.post(
        f"{base(year)}/appraisees/{finance(year)}/vetoes/new",
        data={"rule": "work_safety", "description": "较大安全事故"},
    )

    def cells(client):
        response = client.get(f"{base(year)}/vetoes.xlsx")
        assert response.status_code == 200
        ws = load_workbook(BytesIO(response.get_data())).active
        return [row for row in ws.iter_rows(min_row=2, values_only=True)]

    [row] = cells(office)
    assert row[:4] == ("市财政局", "安全生产一票否决", "较大安全事故", "有效")
    assert cells(client_for(app, year, "unit_admin"))  # 市财政局's own admin
    assert cells(client_for(app, year, "staff")) == []


def test_a_refused_button_answers_422_with_its_reason_once_and_changes_nothing(app, year):
    """Refused decisions and withdrawals go through the platform's refuse(): rolled
    back, the reason shown once, a link back to the appraisee, status 422."""
    move_to(year, Phase.SCORING)
    unit_admin = client_for(app, year, "unit_admin")
    claim_innovation(unit_admin, year, finance(year))
    [claim] = claims(year)
    office = client_for(app, year, "office_admin")
    assert office.post(f"{base(year)}/claims/{claim.id}/decide", data={"decision": "verify"}).status_code == 302
    logged = actions(year)

    again = office.post(f"{base(year)}/claims/{claim.id}/decide", data={"decision": "reject", "reason": "x"})
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "操作未完成" in page and f'href="{base(year)}/appraisees/{finance(year)}"' in page
    reasons = [line for line in page.splitlines() if "flash-error" in line]
    assert len(reasons) == 1, reasons  # the reason, once
    empty = unit_admin.post(f"{base(year)}/claims/{claim.id}/withdraw", data={"reason": ""})
    assert empty.status_code == 422 and empty.get_data(as_text=True).count("撤回必须填写原因") == 1
    [claim] = claims(year)
    assert claim.status == ClaimStatus.VERIFIED and actions(year) == logged
