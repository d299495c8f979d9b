"""Who reaches which scoring screen, route by route: the office everywhere,
the organisation department on party building, the sector group on its
departments' letter items, the unit and the person on their own records;
another tenant's ids are 404 for everyone."""

from __future__ import annotations

from io import BytesIO

import pytest
from flask import g
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Phase, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.scoring.models import DeductionNotice
from appraisal.tenants.scoring.services import adjustments, reports, scores
from tests.helpers import login
from tests.tenants.scoring.conftest import approve_letter, dept, move_to

ROLES = ("office_admin", "sector_lead", "assessor", "unit_admin", "staff")
PDF = b"%PDF-1.4\n%%EOF\n"


def objects(app, year) -> dict:
    """A scored cell, a claim, a penalty, a veto, a self-report, a notice and a file
    of each, all on 市财政局 (in the sector lead's group and the unit admin's unit)."""
    move_to(year, Phase.SCORING)
    [item] = approve_letter(year, 0, [("财政收入", "70")])
    with app.test_request_context(), tenant_scope(year.tenant):
        g.audit_actor = "test"
        office = db.session.get(User, year.users["office_admin"].id)
        finance = dept(year, 0)
        population = db.session.get(Population, year.ids["dept_pop"])
        party = next(c for c in scores.scheme_columns(population) if c.indicator_key == "public.party_building")
        letter = scores.item_columns(population, [finance.id])[finance.id][0]
        [party_score, item_score] = scores.save_entries(
            [scores.Entry(finance, party, "9"), scores.Entry(finance, letter, "60")], office
        )
        claim = adjustments.create_claim(finance, rule_key="innovation_business", level="city", description="推广")
        penalty = adjustments.record_penalty(finance, rule_key="criticism", description="通报批评")
        veto = adjustments.record_veto(finance, rule_key="work_safety", description="安全事故")
        report = reports.save_self_report(finance, body="述职", submit=True)
        notice = reports.publish_notice(
            db.session.get(type(population.cycle), population.cycle_id), quarter=4, title="第四季度扣分通报", body=""
        )
        files = {
            kind: evidence.attach(owner, obj.id, f"{kind}.pdf", PDF).id
            for kind, owner, obj in (
                ("score_file", "score", party_score),
                ("claim_file", "claim", claim),
                ("veto_file", "veto", veto),
                ("report_file", "self_report", report),
            )
        }
        ids = {
            "appraisee": finance.id,
            "other_appraisee": dept(year, 3).id,
            "score": party_score.id,
            "item_score": item_score.id,
            "claim": claim.id,
            "penalty": penalty.id,
            "veto": veto.id,
            "notice": notice.id,
            "population": population.id,
            "item": item,
            **files,
        }
        db.session.commit()
    return ids


@pytest.fixture
def world(app, year):
    return year, objects(app, year)


def status(app, year, role, url) -> int:
    client = app.test_client()
    login(client, year.tenant, year.users[role])
    with client.get(f"/t/{year.tenant.slug}/scoring{url}") as response:
        return response.status_code


#: url (ids filled in) → the roles that may open it (others get 403)
EXPECTED = {
    "/": set(ROLES),
    "/grid?population={population}": {"office_admin", "assessor"},
    "/items?population={population}": {"office_admin", "sector_lead", "assessor"},  # assessors: none shown
    "/upload?population={population}": {"office_admin", "assessor"},
    "/template.xlsx?population={population}": {"office_admin", "assessor"},
    "/appraisees/{appraisee}": {"office_admin", "sector_lead", "assessor", "unit_admin"},
    "/appraisees/{other_appraisee}": {"office_admin", "assessor"},  # the other sector group's department
    "/appraisees/{appraisee}/claims/new": {"office_admin", "unit_admin"},
    "/appraisees/{other_appraisee}/claims/new": {"office_admin"},
    "/appraisees/{appraisee}/penalties/new": {"office_admin"},
    "/appraisees/{appraisee}/vetoes/new": {"office_admin"},
    "/appraisees/{appraisee}/self-report": {"office_admin", "unit_admin"},
    "/scores/{score}": {"office_admin", "assessor"},  # party building: the organisation department's
    "/scores/{item_score}": {"office_admin", "sector_lead"},  # a letter item: the sector group's
    "/scores/files/{score_file}": {"office_admin", "assessor"},
    "/claims/files/{claim_file}": {"office_admin", "sector_lead", "assessor", "unit_admin"},
    "/vetoes/files/{veto_file}": {"office_admin", "sector_lead", "assessor", "unit_admin"},
    "/self-reports/files/{report_file}": {"office_admin", "sector_lead", "assessor", "unit_admin"},
    "/claims": set(ROLES),
    "/claims.xlsx": set(ROLES),
    "/vetoes": set(ROLES),
    "/vetoes.xlsx": set(ROLES),
    "/notices": set(ROLES),
    "/notices/new": {"office_admin"},
    "/notices/{notice}": set(ROLES),
}


def test_each_role_reaches_exactly_its_screens(app, world):
    year, ids = world
    wrong = []
    for url, allowed in EXPECTED.items():
        for role in ROLES:
            got = status(app, year, role, url.format(**ids))
            want = 200 if role in allowed else 403
            if got != want:
                wrong.append((url, role, got, want))
    assert not wrong


def test_every_write_refuses_the_wrong_role(app, world):
    year, ids = world
    posts = {
        f"/claims/{ids['claim']}/decide": ({"decision": "verify"}, {"office_admin"}),
        f"/claims/{ids['claim']}/withdraw": ({"reason": "x"}, {"office_admin", "unit_admin"}),
        f"/penalties/{ids['penalty']}/withdraw": ({"reason": "x"}, {"office_admin"}),
        f"/vetoes/{ids['veto']}/revoke": ({"reason": "x"}, {"office_admin"}),
    }
    for url, (data, allowed) in posts.items():
        for role in ROLES:
            if role in allowed:
                continue
            client = app.test_client()
            login(client, year.tenant, year.users[role])
            assert client.post(f"/t/{year.tenant.slug}/scoring{url}", data=data).status_code == 403, (url, role)
    for role in ("unit_admin", "staff", "sector_lead"):
        client = app.test_client()
        login(client, year.tenant, year.users[role])
        response = client.post(
            f"/t/{year.tenant.slug}/scoring/scores/{ids['score']}/evidence",
            data={"files": (BytesIO(PDF), "x.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 403, role


def test_another_tenants_ids_are_404(app, world, other_year):
    _year, ids = world
    for role in ROLES:
        client = app.test_client()
        login(client, other_year.tenant, other_year.users[role])
        for url in EXPECTED:
            if "{" not in url:
                continue
            with client.get(f"/t/{other_year.tenant.slug}/scoring{url.format(**ids)}") as response:
                # a role that may not open the screen at all is refused before any lookup
                expected = {403, 404} if "?" in url else {404}
                assert response.status_code in expected, (role, url)
                assert "市财政局" not in response.get_data(as_text=True)
        for url in (
            f"/claims/{ids['claim']}/decide",
            f"/vetoes/{ids['veto']}/revoke",
            f"/appraisees/{ids['appraisee']}/scores",
            f"/scores/{ids['score']}/evidence",
        ):
            assert client.post(f"/t/{other_year.tenant.slug}/scoring{url}", data={}).status_code == 404, (role, url)


def test_a_person_sees_their_own_page_only(app, world, make_user):
    from tests.tenants.scoring.conftest import link_person

    year, ids = world
    person = make_user(year.tenant, "staff", email="self@example.cn")
    own = link_person(year, person, 0)
    client = app.test_client()
    login(client, year.tenant, person)
    assert client.get(f"/t/{year.tenant.slug}/scoring/appraisees/{own}").status_code == 200
    assert client.get(f"/t/{year.tenant.slug}/scoring/appraisees/{own}/self-report").status_code == 200
    assert client.get(f"/t/{year.tenant.slug}/scoring/appraisees/{ids['appraisee']}").status_code == 403
    with tenant_scope(year.tenant):
        assert db.session.scalar(select(DeductionNotice.id)) == ids["notice"]
