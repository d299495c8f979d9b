"""The REST API v1: tokens issued on the settings page (shown once, revocable),
reads with pages and ETags, problem details in both languages, the roster upsert
(all or nothing, idempotent), the statistics bureau's district figures, an
assessor's scores limited to its department's indicators, and the rate limit."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.api.models import ApiToken
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.scoring.models import Score
from tests.helpers import csrf_token_from, login

NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()
ALL = ["read:org", "read:results", "write:roster", "write:scores", "write:statistics"]


def _issue(app, year, *, scopes=ALL, name="统计局数据接口", assessor=None) -> str:
    """Create a token through the office's page; the secret is read off the page shown once."""
    client = app.test_client()
    assert login(client, year.tenant, year.users["office_admin"]).status_code == 302
    page = client.get(f"/t/{year.tenant.slug}/settings/api-tokens/new")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "name": name,
        "scopes": scopes,
        "assessor_unit": str(assessor or (year.ids["depts"][2] if "write:scores" in scopes else "")),
        "expires_on": NEXT_YEAR,
    }
    response = client.post(f"/t/{year.tenant.slug}/settings/api-tokens/new", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    secret = re.search(r"apr_[A-Za-z0-9_\-]{40}", response.get_data(as_text=True)).group(0)
    return secret


def _h(secret, **more):
    return {"Authorization": f"Bearer {secret}", **more}


def test_a_token_is_stored_hashed_shown_once_and_revocable(app, year):
    secret = _issue(app, year)
    with tenant_scope(year.tenant):
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash != secret and secret not in (token.prefix + token.token_hash)
        assert token.created_by_id == year.users["office_admin"].id
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.create")) is not None
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    listing = office.get(f"/t/{year.tenant.slug}/settings/api-tokens/").get_data(as_text=True)
    assert "统计局数据接口" in listing and secret not in listing
    client = app.test_client()
    assert client.get(f"/api/v1/t/{year.tenant.slug}/units", headers=_h(secret)).status_code == 200
    csrf = csrf_token_from(listing)
    assert (
        office.post(
            f"/t/{year.tenant.slug}/settings/api-tokens/{token.id}/revoke", data={"csrf_token": csrf}
        ).status_code
        == 302
    )
    response = client.get(f"/api/v1/t/{year.tenant.slug}/units", headers=_h(secret))
    assert response.status_code == 401
    assert response.json["detail"] == "此接口令牌已被撤销。"


def test_only_the_office_creates_tokens_and_write_scores_needs_a_department(app, year):
    unit_admin = app.test_client()
    login(unit_admin, year.tenant, year.users["unit_admin"])
    assert unit_admin.get(f"/t/{year.tenant.slug}/settings/api-tokens/new").status_code == 403
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    page = office.get(f"/t/{year.tenant.slug}/settings/api-tokens/new")
    response = office.post(
        f"/t/{year.tenant.slug}/settings/api-tokens/new",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "name": "评分",
            "scopes": ["write:scores"],
            "assessor_unit": "",
            "expires_on": NEXT_YEAR,
        },
    )
    assert response.status_code == 422
    assert "须指定一个考核部门" in response.get_data(as_text=True)
    with tenant_scope(year.tenant):
        assert db.session.scalar(select(ApiToken)) is None


def test_reads_are_paged_counted_not_audited_and_results_carry_etags(app, year):
    secret = _issue(app, year, scopes=["read:org", "read:results"])
    client = app.test_client()
    base = f"/api/v1/t/{year.tenant.slug}"
    first = client.get(f"{base}/units?per_page=3", headers=_h(secret)).json
    assert first["total"] == 8 and len(first["items"]) == 3 and first["pages"] == 3
    assert first["items"][0]["depth"] == 0 and first["items"][1]["parent_code"] == first["items"][0]["code"]
    people = client.get(f"{base}/people?page=2&per_page=10", headers=_h(secret)).json
    assert people["total"] == 15 and len(people["items"]) == 5
    response = client.get(f"{base}/cycles", headers=_h(secret))
    etag = response.headers["ETag"]
    again = client.get(f"{base}/cycles", headers=_h(secret, **{"If-None-Match": etag}))
    assert again.status_code == 304 and again.get_data() == b""
    with tenant_scope(year.tenant):
        token = db.session.scalar(select(ApiToken))
        assert token.use_count == 4 and token.last_used_at is not None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.actor_label.contains("接口令牌"))) is None


def test_problems_are_in_the_readers_language(app, year):
    secret = _issue(app, year, scopes=["read:org"])
    client = app.test_client()
    url = f"/api/v1/t/{year.tenant.slug}/units?per_page=0"
    zh = client.get(url, headers=_h(secret))
    assert zh.status_code == 422 and zh.mimetype == "application/problem+json"
    assert zh.json["title"] == "请求内容未通过校验"
    assert zh.json["errors"][0]["pointer"].endswith("per_page")
    en = client.get(url, headers=_h(secret, **{"Accept-Language": "en-US,en;q=0.9"}))
    assert en.json["title"] == "The request did not pass validation"
    assert en.headers["Content-Language"] == "en"
    missing = client.get(f"/api/v1/t/{year.tenant.slug}/cycles", headers=_h(secret))
    assert missing.status_code == 403


def test_roster_upsert_is_all_or_nothing_and_idempotent(app, year):
    secret = _issue(app, year, scopes=["write:roster", "read:org"])
    client = app.test_client()
    url = f"/api/v1/t/{year.tenant.slug}/roster"
    bad = {
        "units": [{"code": "QX01", "name": "市中区", "kind": "district", "parent_code": "OFF"}],
        "people": [{"staff_no": "QX01-1", "name": "张三", "unit_code": "NOPE", "category": "county_level"}],
    }
    response = client.put(url, json=bad, headers=_h(secret))
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/people/0/unit_code"
    with tenant_scope(year.tenant):
        assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "QX01")) is None  # nothing written
    good = {
        "units": [{"code": "QX01", "name": "市中区", "kind": "district", "parent_code": "OFF"}],
        "people": [{"staff_no": "QX01-1", "name": "张三", "unit_code": "QX01", "category": "county_level"}],
    }
    key = {"Idempotency-Key": "push-2026-12-04-1"}
    first = client.put(url, json=good, headers=_h(secret, **key))
    assert first.status_code == 200, first.json
    assert first.json["units"]["created"] == 1 and first.json["people"]["created"] == 1
    replay = client.put(url, json=good, headers=_h(secret, **key))
    assert replay.status_code == 200 and replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = client.put(url, json={"units": []}, headers=_h(secret, **key))
    assert other.status_code == 422
    with tenant_scope(year.tenant):
        assert len(list(db.session.scalars(select(Person).where(Person.staff_no == "QX01-1")))) == 1
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.actor_label.contains("统计局数据接口"))))
        assert entries, "the writes are audited with the token's name"


@pytest.fixture
def districts(year):
    """Two districts appraised under template B, the cycle in its scoring phase."""
    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.cycles.models import Cycle, Phase
    from appraisal.tenants.org import services as org
    from appraisal.tenants.schemes import services as schemes

    with tenant_scope(year.tenant):
        office = db.session.get(OrgUnit, year.ids["office"])
        for i in (1, 2):
            org.create_unit(code=f"QX0{i}", name=f"第{i}区", kind="district", parent=office)
        b = schemes.adopt_template(template_key="B_districts", key="districts", name="区县考核")
        cycle = db.session.get(Cycle, year.ids["cycle"])
        population = cycles.add_population(
            cycle, key="districts", name="区县", version=b, selector={"unit_kinds": ["district"]}
        )
        for phase in (Phase.TRACKING, Phase.SCORING):
            cycles.move_phase(cycle, phase)
        db.session.commit()
        return population.id


def test_statistics_write_districts_actuals_with_the_verifying_department(app, year, districts):
    from appraisal.tenants.cycles.models import Population
    from appraisal.tenants.scoring import services as scoring

    with tenant_scope(year.tenant):
        columns = scoring.scheme_columns(db.session.get(Population, districts))
        gdp = next(c.indicator_key for c in columns if c.kind == "actual")
    secret = _issue(app, year, scopes=["write:statistics"])
    client = app.test_client()
    url = f"/api/v1/t/{year.tenant.slug}/populations/{districts}/statistics"
    body = {
        "verified_by": "市统计局",
        "values": [
            {"unit_code": "QX01", "indicator_key": gdp, "actual": "105.5", "target": 100},
            {"unit_code": "QX02", "indicator_key": gdp, "actual": 90, "target": "100"},
        ],
    }
    response = client.put(url, json=body, headers=_h(secret))
    assert response.status_code == 200, response.json
    assert response.json["saved"] == 4
    with tenant_scope(year.tenant):
        scores = list(db.session.scalars(select(Score).where(Score.indicator_key == gdp)))
        assert sorted(f"{s.value.normalize():f}" for s in scores) == ["100", "100", "105.5", "90"]
        assert {s.verified_by for s in scores} == {"市统计局"}
        audit = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "score.enter")))
        assert len(audit) == 4
        assert all("统计局数据接口" in e.actor_label and e.after["verified_by"] == "市统计局" for e in audit)
    wrong = dict(body, values=[{"unit_code": "QX01", "indicator_key": gdp, "actual": -1}])
    refused = client.put(url, json=wrong, headers=_h(secret))
    assert refused.status_code == 422 and refused.json["errors"][0]["pointer"] == "/values/0/actual"
    not_ratio = dict(body, values=[{"unit_code": "D1", "indicator_key": gdp, "actual": 1}])
    assert client.put(url, json=not_ratio, headers=_h(secret)).status_code == 422


def test_a_scores_token_writes_only_its_departments_indicators(app, year, districts):
    from appraisal.tenants.cycles.models import Appraisee

    with tenant_scope(year.tenant):
        appraisee = db.session.scalar(select(Appraisee).where(Appraisee.population_id == year.ids["dept_pop"]))
    secret = _issue(app, year, scopes=["write:scores"], assessor=year.ids["depts"][2], name="组织部评分")
    client = app.test_client()
    url = f"/api/v1/t/{year.tenant.slug}/populations/{year.ids['dept_pop']}/scores"
    ours = {"appraisee_id": appraisee.id, "indicator_key": "public.party_building", "value": 9, "reason": "复核"}
    response = client.put(url, json={"scores": [ours]}, headers=_h(secret))
    assert response.status_code == 200, response.json
    theirs = {"appraisee_id": appraisee.id, "indicator_key": "public.clean_governance", "value": 5}
    refused = client.put(url, json={"scores": [theirs]}, headers=_h(secret))
    assert refused.status_code == 422
    assert refused.json["errors"][0]["detail"] == "您无权录入此项"


def test_the_rate_limit_is_per_token(app_factory, make_tenant, make_user):
    from tests.helpers import build_year

    app = app_factory(API_RATE_LIMIT="3 per minute")
    with app.app_context():
        year = build_year(make_tenant("rate", "限流市"), make_user)
        secret = _issue(app, year, scopes=["read:org"])
        other = _issue(app, year, scopes=["read:org"], name="另一个")
        client = app.test_client()
        url = f"/api/v1/t/{year.tenant.slug}/units"
        assert [client.get(url, headers=_h(secret)).status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = client.get(url, headers=_h(secret))
        assert limited.mimetype == "application/problem+json" and int(limited.headers["Retry-After"]) >= 1
        assert client.get(url, headers=_h(other)).status_code == 200


def test_the_next_computation_uses_the_pushed_statistics(app, year, districts):
    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
    from appraisal.tenants.results import services as results
    from appraisal.tenants.results.models import ResultExplanation
    from appraisal.tenants.scoring import services as scoring

    with tenant_scope(year.tenant):
        columns = scoring.scheme_columns(db.session.get(Population, districts))
        gdp = next(c.indicator_key for c in columns if c.kind == "actual")
    secret = _issue(app, year, scopes=["write:statistics"])
    body = {
        "verified_by": "市统计局",
        "values": [
            {"unit_code": "QX01", "indicator_key": gdp, "actual": 120, "target": 100},
            {"unit_code": "QX02", "indicator_key": gdp, "actual": 90, "target": 100},
        ],
    }
    url = f"/api/v1/t/{year.tenant.slug}/populations/{districts}/statistics"
    assert app.test_client().put(url, json=body, headers=_h(secret)).status_code == 200
    with tenant_scope(year.tenant):
        cycles.move_phase(db.session.get(Cycle, year.ids["cycle"]), Phase.COMPUTING)
        db.session.commit()
        population = db.session.get(Population, districts)
        results.request_compute(population)  # no Redis: computed at once
        db.session.commit()
        run = results.current_run(population)
        assert run is not None
        qx02 = db.session.scalar(
            select(Appraisee.id)
            .join(OrgUnit, OrgUnit.id == Appraisee.org_unit_id)
            .where(Appraisee.population_id == districts, OrgUnit.code == "QX02")
        )
        lines = db.session.scalars(
            select(ResultExplanation.zh).where(
                ResultExplanation.run_id == run.id, ResultExplanation.appraisee_id == qx02
            )
        ).all()
        assert "国内生产总值和人均GDP: 4.5 / 5" in lines, lines[:5]  # 5 points × min(90 / 100, 1)
