"""A unit admin scores their own staff: every cell, claim and penalty of a
population their unit runs (``Population.owner_unit_id``) — and nothing of
the office's populations, not even their own department among the departments,
nor another unit's staff, nor another tenant's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Phase
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.schemes import services as schemes
from appraisal.tenants.schemes.models import SchemeVersion
from appraisal.tenants.scoring.models import AdjustmentClaim, ClaimStatus, Score
from appraisal.tenants.scoring.services import adjustments
from tests.helpers import csrf_token_from, login
from tests.tenants.scoring.conftest import dept, move_to

SELF_BUILDING = "targets.public.self_building"  # template C: entered, 0–2.5 points


def _staff_population(year, key: str, dept_index: int, version_id: int | None = None, name: str = ""):
    """A population of department ``dept_index``'s section-level staff, run by that department."""
    unit = db.session.get(OrgUnit, year.ids["depts"][dept_index])
    cycle = db.session.get(cycles.Cycle, year.ids["cycle"])
    version = db.session.get(SchemeVersion, version_id or year.ids["scheme_c"])
    return cycles.add_population(
        cycle,
        key=key,
        name=name or f"{unit.name}干部职工",
        version=version,
        owner_unit=unit,
        selector={"categories": ["section_level"], "under": unit.id, "ranking": "all"},
    )


def _add_staff_populations(year) -> None:
    with tenant_scope(year.tenant):
        own = _staff_population(year, "finance_staff", 0)  # 市财政局, the unit admin's department
        other = _staff_population(year, "ndrc_staff", 1)  # 市发改委
        agency = schemes.adopt_template(
            template_key="E_agency_staff_differentiated",
            key="agency",
            name="机关干部差别化考核",
            allowed_for_units=True,
        )
        claims = _staff_population(year, "finance_claims", 0, agency.id, name="市财政局干部奖惩")
        db.session.commit()
        year.ids.update(own_staff=own.id, other_staff=other.id, claims_staff=claims.id)


@pytest.fixture
def unit_year(year, other_year):
    """The year with staff populations run by 市财政局 (the unit admin's) and 市发改委,
    moved to year-end scoring; ``other_year`` (another tenant) has one too."""
    _add_staff_populations(year)
    _add_staff_populations(other_year)
    move_to(year, Phase.SCORING)
    return year


@pytest.fixture
def unit_admin(app, unit_year):
    client = app.test_client()
    login(client, unit_year.tenant, unit_year.users["unit_admin"])
    return client


def _members(year, key: str) -> list[Appraisee]:
    with tenant_scope(year.tenant):
        return list(
            db.session.scalars(
                select(Appraisee)
                .where(Appraisee.population_id == year.ids[key])
                .order_by(Appraisee.sort_order, Appraisee.id)
            )
        )


def _grid(year, key: str) -> str:
    return f"/t/{year.tenant.slug}/scoring/grid?population={year.ids[key]}"


def _post(client, url, cell, value, **extra):
    return client.post(url, data={f"v|{cell}": value, f"o|{cell}": "", f"s|{cell}": 0, "row": "", **extra})


def _stored(year, appraisee_id: int, key: str) -> Score | None:
    with tenant_scope(year.tenant):
        return db.session.scalar(select(Score).where(Score.appraisee_id == appraisee_id, Score.indicator_key == key))


def test_the_hub_and_home_lead_the_unit_admin_to_their_staff_grid(unit_admin, unit_year):
    slug = unit_year.tenant.slug
    own, other = unit_year.ids["own_staff"], unit_year.ids["other_staff"]
    for url in (f"/t/{slug}/scoring/", f"/t/{slug}/"):
        html = unit_admin.get(url).get_data(as_text=True)
        assert f"/scoring/grid?population={own}" in html, url
        assert f"/scoring/grid?population={other}" not in html, url
        assert f"/scoring/grid?population={unit_year.ids['dept_pop']}" not in html, url
    html = unit_admin.get(_grid(unit_year, "own_staff")).get_data(as_text=True)
    for name in ("自身建设", "依法行政", "党风廉政建设", "效能服务"):
        assert name in html
    assert "已评 0 / 8" in html  # 2 section-level staff × 4 entered indicators
    assert "批量上传" in html and 'name="v|' in html


def test_the_unit_admin_enters_a_score_for_their_staff_through_the_form(app_factory, unit_year):
    protected = app_factory(WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    token = csrf_token_from(client.get(f"/t/{unit_year.tenant.slug}/login").get_data(as_text=True))
    assert (
        client.post(
            f"/t/{unit_year.tenant.slug}/login",
            data={"email": unit_year.users["unit_admin"].email, "password": "Passw0rd-for-tests", "csrf_token": token},
        ).status_code
        == 302
    )
    person = _members(unit_year, "own_staff")[0]
    cell = f"{person.id}|{SELF_BUILDING}"
    assert _post(client, _grid(unit_year, "own_staff"), cell, "2").status_code == 400  # no token: refused
    token = csrf_token_from(client.get(_grid(unit_year, "own_staff")).get_data(as_text=True))
    response = _post(client, _grid(unit_year, "own_staff"), cell, "2", csrf_token=token)
    assert response.status_code == 302
    score = _stored(unit_year, person.id, SELF_BUILDING)
    assert score is not None and score.value == 2 and score.entered_by_id == unit_year.users["unit_admin"].id


def test_the_unit_admin_never_scores_their_own_department_among_the_departments(unit_admin, unit_year):
    with tenant_scope(unit_year.tenant):
        own_department = dept(unit_year, 0)  # 市财政局 itself, in the office's departments population
        assert f"/{unit_year.ids['depts'][0]}/" in own_department.unit_path
    for code in ("public.party_building", "public.clean_governance"):
        response = _post(unit_admin, _grid(unit_year, "dept_pop"), f"{own_department.id}|{code}", "8")
        assert response.status_code == 403, code
        assert _stored(unit_year, own_department.id, code) is None
    assert unit_admin.get(_grid(unit_year, "dept_pop")).status_code == 403
    response = unit_admin.post(
        f"/t/{unit_year.tenant.slug}/scoring/appraisees/{own_department.id}/scores",
        data={f"v|{own_department.id}|public.party_building": "8"},
    )
    assert response.status_code == 403
    page = unit_admin.get(f"/t/{unit_year.tenant.slug}/scoring/appraisees/{own_department.id}")
    assert page.status_code == 200 and 'name="v|' not in page.get_data(as_text=True)  # sees, may not score


def test_another_units_staff_and_another_tenants_are_refused(unit_admin, unit_year, other_year):
    other_person = _members(unit_year, "other_staff")[0]
    assert unit_admin.get(_grid(unit_year, "other_staff")).status_code == 403
    response = _post(unit_admin, _grid(unit_year, "other_staff"), f"{other_person.id}|{SELF_BUILDING}", "2")
    assert response.status_code == 403
    assert _stored(unit_year, other_person.id, SELF_BUILDING) is None
    foreign = f"/t/{unit_year.tenant.slug}/scoring/grid?population={other_year.ids['own_staff']}"
    assert unit_admin.get(foreign).status_code == 404
    foreign_person = _members(other_year, "own_staff")[0]
    assert _post(unit_admin, foreign, f"{foreign_person.id}|{SELF_BUILDING}", "2").status_code == 404
    assert _stored(other_year, foreign_person.id, SELF_BUILDING) is None


def test_staff_still_cannot_score(app, unit_year):
    client = app.test_client()
    login(client, unit_year.tenant, unit_year.users["staff"])
    person = _members(unit_year, "own_staff")[0]
    assert client.get(_grid(unit_year, "own_staff")).status_code == 403
    assert _post(client, _grid(unit_year, "own_staff"), f"{person.id}|{SELF_BUILDING}", "2").status_code == 403
    assert _stored(unit_year, person.id, SELF_BUILDING) is None
    assert "/scoring/grid" not in client.get(f"/t/{unit_year.tenant.slug}/scoring/").get_data(as_text=True)


def test_the_unit_admin_uploads_scores_for_their_staff(unit_admin, unit_year):
    slug, pid = unit_year.tenant.slug, unit_year.ids["own_staff"]
    template = unit_admin.get(f"/t/{slug}/scoring/template.xlsx?population={pid}")
    assert template.status_code == 200 and template.mimetype.endswith("spreadsheetml.sheet")
    assert unit_admin.get(f"/t/{slug}/scoring/upload?population={pid}").status_code == 200
    assert unit_admin.get(f"/t/{slug}/scoring/upload?population={unit_year.ids['dept_pop']}").status_code == 403


def test_the_unit_admin_verifies_claims_and_records_penalties_for_their_staff(unit_admin, unit_year):
    slug = unit_year.tenant.slug
    person = _members(unit_year, "claims_staff")[0]
    with tenant_scope(unit_year.tenant):
        staff_claim = adjustments.create_claim(person, rule_key="web_article", description="网宣文章被采用")
        department_claim = adjustments.create_claim(
            dept(unit_year, 0), rule_key="innovation_business", level="city", description="市级推广"
        )
        db.session.flush()
        staff_claim_id, department_claim_id = staff_claim.id, department_claim.id
        own_department, person_id = dept(unit_year, 0).id, person.id
        db.session.commit()
    page = unit_admin.get(f"/t/{slug}/scoring/appraisees/{person_id}").get_data(as_text=True)
    assert f"/claims/{staff_claim_id}/decide" in page and f"/appraisees/{person_id}/penalties/new" in page
    assert (
        unit_admin.post(f"/t/{slug}/scoring/claims/{staff_claim_id}/decide", data={"decision": "verify"}).status_code
        == 302
    )
    # their own department's claim is the office's (or its mapped assessor's) to verify
    page = unit_admin.get(f"/t/{slug}/scoring/appraisees/{own_department}").get_data(as_text=True)
    assert f"/claims/{department_claim_id}/decide" not in page and "/penalties/new" not in page
    assert (
        unit_admin.post(
            f"/t/{slug}/scoring/claims/{department_claim_id}/decide", data={"decision": "verify"}
        ).status_code
        == 403
    )
    assert unit_admin.get(f"/t/{slug}/scoring/appraisees/{own_department}/penalties/new").status_code == 403
    response = unit_admin.post(
        f"/t/{slug}/scoring/appraisees/{person_id}/penalties/new",
        data={"rule": "absent_meeting", "count": "1", "description": "无故缺席集中学习"},
    )
    assert response.status_code == 302
    with tenant_scope(unit_year.tenant):
        assert db.session.get(AdjustmentClaim, staff_claim_id).status == ClaimStatus.VERIFIED
        assert db.session.get(AdjustmentClaim, department_claim_id).status == ClaimStatus.CLAIMED
        penalty = db.session.scalar(
            select(AdjustmentClaim).where(
                AdjustmentClaim.appraisee_id == person_id, AdjustmentClaim.rule_key == "absent_meeting"
            )
        )
        assert penalty is not None and penalty.created_by_id == unit_year.users["unit_admin"].id
