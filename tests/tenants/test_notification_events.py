"""Events wired to the notification service: each feature's service tells the
right people (and only them), in the inbox and on e-mail (a real SMTP server)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from appraisal.platform import notifications
from appraisal.platform.db import db
from appraisal.platform.notifications.models import Notification
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase
from tests.helpers import login


def _inbox(year, role):
    db.session.expire_all()
    with tenant_scope(year.tenant):
        return list(
            db.session.scalars(
                select(Notification).where(Notification.user_id == year.users[role].id).order_by(Notification.id)
            )
        )


def _kinds(year, role):
    return [n.kind for n in _inbox(year, role) if n.kind != "test.event"]


def _mail_to(smtp_server, user):
    return [m for _f, rcpts, m in smtp_server.messages if user.email in rcpts]


def test_letter_submitted_returned_approved(app, year, smtp_server):
    unit, lead = app.test_client(), app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])
    login(lead, year.tenant, year.users["sector_lead"])
    base = f"/t/{year.tenant.slug}/letters/{year.ids['appraisee']}"
    unit.post(base + "/items", data={"title": "固定资产投资", "points": "40"})
    assert unit.post(base + "/submit").status_code == 302
    assert _kinds(year, "sector_lead") == ["letter.submitted"]
    (mail,) = _mail_to(smtp_server, year.users["sector_lead"])
    assert mail["Subject"] == "市财政局 提交了目标责任书，请审核"
    assert f"https://kaohe.example.cn{base}" in mail.get_body(("plain",)).get_content()
    # nobody else hears of it: not the office, not the assessor, not the unit itself
    assert _kinds(year, "assessor") == [] and _kinds(year, "unit_admin") == [] and _kinds(year, "office_admin") == []

    from appraisal.tenants.letters.models import Letter

    with tenant_scope(year.tenant):
        version = db.session.scalar(select(Letter.version).where(Letter.appraisee_id == year.ids["appraisee"]))
    lead.post(base + "/decide", data={"decision": "return", "reason": "营商环境指标需量化", "version": version})
    assert _kinds(year, "unit_admin") == ["letter.returned"]
    assert "营商环境指标需量化" in _inbox(year, "unit_admin")[-1].body
    unit.post(base + "/submit")
    with tenant_scope(year.tenant):
        version = db.session.scalar(select(Letter.version).where(Letter.appraisee_id == year.ids["appraisee"]))
    lead.post(base + "/decide", data={"decision": "approve", "version": version})
    assert _kinds(year, "unit_admin") == ["letter.returned", "letter.approved"]
    assert len(_mail_to(smtp_server, year.users["unit_admin"])) == 2
    assert _kinds(year, "sector_lead") == ["letter.submitted", "letter.submitted"]


def test_a_veto_is_told_to_the_units_admin(app, year, smtp_server):
    from appraisal.tenants.scoring import services as scoring

    with tenant_scope(year.tenant):
        db.session.get(Cycle, year.ids["cycle"]).phase = Phase.TRACKING
        scoring.record_veto(
            db.session.get(Appraisee, year.ids["appraisee"]), rule_key="work_safety", description="发生较大安全事故"
        )
        db.session.commit()
    notifications.dispatch_ready()
    assert _kinds(year, "unit_admin") == ["veto.recorded"]
    assert _inbox(year, "unit_admin")[0].body == "发生较大安全事故"
    assert _kinds(year, "sector_lead") == [] and _kinds(year, "staff") == []
    assert len(_mail_to(smtp_server, year.users["unit_admin"])) == 1


def test_an_appeal_filed_goes_to_the_office_and_its_answer_to_the_appellant(app, year, smtp_server):
    from appraisal.tenants.results import services as results
    from appraisal.tenants.results.models import Publication

    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        cycle.phase = Phase.PUBLICITY
        db.session.add(
            Publication(
                cycle_id=cycle.id,
                publicity_ends_on=date.today() + timedelta(days=7),
                appeals_end_on=date.today() + timedelta(days=7),
                answer_days=10,
            )
        )
        db.session.commit()
    unit = app.test_client()
    login(unit, year.tenant, year.users["unit_admin"])
    with app.test_request_context():  # filed as the unit admin (the appellant)
        from flask_login import login_user

        from appraisal.platform.models import User

        with tenant_scope(year.tenant):
            login_user(db.session.get(User, year.users["unit_admin"].id))
            appeal = results.publication.file_appeal(
                db.session.get(Appraisee, year.ids["appraisee"]), reasons="党建得分计算有误"
            )
            db.session.commit()
            appeal_id = appeal.id
    notifications.dispatch_ready()
    assert _kinds(year, "office_admin") == ["appeal.filed"]
    assert _kinds(year, "unit_admin") == []
    from appraisal.tenants.results.models import Appeal

    with tenant_scope(year.tenant):
        results.publication.answer_appeal(db.session.get(Appeal, appeal_id), upheld=False, answer="经复核，得分无误")
        db.session.commit()
    notifications.dispatch_ready()
    assert _kinds(year, "unit_admin") == ["appeal.answered"]
    assert _inbox(year, "unit_admin")[-1].body == "经复核，得分无误"
    assert _kinds(year, "office_admin") == ["appeal.filed"]
    assert _kinds(year, "sector_lead") == []


def test_urge_from_the_dashboard_reaches_the_unit_and_is_shown_on_its_page(app, year, smtp_server):
    office, lead, staff = app.test_client(), app.test_client(), app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    login(lead, year.tenant, year.users["sector_lead"])
    login(staff, year.tenant, year.users["staff"])
    slug, cycle = year.tenant.slug, year.ids["cycle"]
    dept, other_group_dept = year.ids["depts"][0], year.ids["depts"][3]
    dashboard = office.get(f"/t/{slug}/cycles/{cycle}").get_data(as_text=True)
    assert f"/cycles/{cycle}/urge/{dept}" in dashboard
    response = office.post(
        f"/t/{slug}/cycles/{cycle}/urge/{dept}", data={"audience": "unit_admins", "message": "请本周内提交责任书"}
    )
    assert response.status_code == 302
    (note,) = [n for n in _inbox(year, "unit_admin") if n.kind == "urge"]
    assert note.body == "请本周内提交责任书" and note.title.startswith("考核办催办")
    (mail,) = _mail_to(smtp_server, year.users["unit_admin"])
    assert mail["Subject"].startswith("考核办催办")
    page = office.get(f"/t/{slug}/org/units/{dept}").get_data(as_text=True)
    assert "催办记录" in page and "请本周内提交责任书" in page
    # a sector lead urges the units of its group only; staff not at all
    assert lead.post(f"/t/{slug}/cycles/{cycle}/urge/{dept}", data={"audience": "unit_admins"}).status_code == 302
    assert (
        lead.post(f"/t/{slug}/cycles/{cycle}/urge/{other_group_dept}", data={"audience": "unit_admins"}).status_code
        == 403
    )
    assert staff.post(f"/t/{slug}/cycles/{cycle}/urge/{dept}", data={"audience": "unit_admins"}).status_code == 403
    assert len([n for n in _inbox(year, "unit_admin") if n.kind == "urge"]) == 2
    # a unit without such accounts: refused, said plainly, nothing recorded
    response = office.post(
        f"/t/{slug}/cycles/{cycle}/urge/{other_group_dept}", data={"audience": "unit_admins"}, follow_redirects=True
    )
    assert "还没有单位管理员账号" in response.get_data(as_text=True)
    from appraisal.platform import notifications as service

    with tenant_scope(year.tenant):
        assert service.urges_of(other_group_dept) == []
        assert len(service.urges_of(dept)) == 2


def test_home_page_lists_what_waits_for_me_newest_first(app, year, smtp_server):
    from appraisal.platform import notifications as service

    with tenant_scope(year.tenant):
        service.notify(year.tenant, [year.users["unit_admin"].id], "letter.returned", "较早的待办")
        service.notify(year.tenant, [year.users["unit_admin"].id], "urge", "最新的催办")
        service.notify(year.tenant, [year.users["staff"].id], "urge", "别人的待办")
        db.session.commit()
    client = app.test_client()
    login(client, year.tenant, year.users["unit_admin"])
    page = client.get(f"/t/{year.tenant.slug}/").get_data(as_text=True)
    assert "我的待办" in page and "别人的待办" not in page
    assert page.index("最新的催办") < page.index("较早的待办")


def test_a_claim_goes_to_the_assessors_who_verify_it(app, year, smtp_server):
    from appraisal.platform.models import User
    from appraisal.platform.permissions import can
    from appraisal.tenants.scoring import services as scoring
    from appraisal.tenants.scoring.models import AdjustmentClaim

    with tenant_scope(year.tenant):
        db.session.get(Cycle, year.ids["cycle"]).phase = Phase.TRACKING
        from appraisal.tenants.cycles.models import Population

        population = db.session.get(Population, year.ids["dept_pop"])  # the organisation department verifies it
        population.assessors = {**population.assessors, "adjustments.innovation_business": year.ids["depts"][2]}
        claim = scoring.create_claim(
            db.session.get(Appraisee, year.ids["appraisee"]),
            rule_key="innovation_business",
            level="city",
            description="改革经验被全市推广",
        )
        db.session.commit()
        claim = db.session.get(AdjustmentClaim, claim.id)
        verifiers = {
            role
            for role, user in year.users.items()
            if role != "office_admin" and can(db.session.get(User, user.id), "claims.verify", claim)
        }
    notifications.dispatch_ready()
    told = {role for role in year.users if "claim.to_verify" in _kinds(year, role)}
    assert told == verifiers - {"unit_admin"} and told  # the verifying department's assessors, nobody else
    assert _inbox(year, "assessor")[-1].body == "改革经验被全市推广"


def test_results_published_reach_every_user_of_the_tenant_only(app, year, other_year, smtp_server):
    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.cycles.models import Population
    from appraisal.tenants.results import services as results

    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
            cycles.move_phase(cycle, phase)
        for key in ("dept_pop", "staff_pop"):
            results.request_compute(db.session.get(Population, year.ids[key]))
        results.publication.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10)
        db.session.commit()
    notifications.dispatch_ready()
    for role in year.users:
        assert _kinds(year, role) == ["results.published"], role
    for role in other_year.users:
        assert _kinds(other_year, role) == [], role
    published = [m for _f, rcpts, m in smtp_server.messages if "考核结果已公示" in m["Subject"]]
    assert len(published) == len(year.users)  # (other mail: the fixtures' own test notifications)
