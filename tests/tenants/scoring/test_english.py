"""Scoring's refusals speak the user's language: the services raise translatable
messages, so an English user reads English (Chinese stays the default)."""

from __future__ import annotations

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.scoring.services import adjustments
from tests.helpers import login
from tests.platform.test_translations import compiled_catalogue  # noqa: F401 - a fixture
from tests.tenants.scoring.conftest import dept


def _office(app, year, locale: str):
    client = app.test_client()
    login(client, year.tenant, year.users["office_admin"])
    client.post(f"/t/{year.tenant.slug}/account/locale", data={"lang-locale": locale})
    return client


def _claim(year) -> int:
    with tenant_scope(year.tenant):
        claim = adjustments.create_claim(
            dept(year, 0), rule_key="innovation_business", level="city", description="市级推广"
        )
        db.session.commit()
        return claim.id


def test_a_refused_rejection_says_why_in_english(compiled_catalogue, app, scoring_year):  # noqa: F811
    url = f"/t/{scoring_year.tenant.slug}/scoring/claims/{_claim(scoring_year)}/decide"
    english = _office(app, scoring_year, "en").post(url, data={"decision": "reject", "reason": ""})
    assert english.status_code == 422
    html = english.get_data(as_text=True)
    assert "A rejection needs a reason" in html and "不予认定时必须填写原因" not in html
    chinese = _office(app, scoring_year, "zh_Hans").post(url, data={"decision": "reject", "reason": ""})
    assert chinese.status_code == 422 and "不予认定时必须填写原因" in chinese.get_data(as_text=True)


def test_a_score_out_of_range_says_why_in_english(compiled_catalogue, app, scoring_year):  # noqa: F811
    with tenant_scope(scoring_year.tenant):
        cell = f"{dept(scoring_year, 0).id}|public.party_building"
    url = f"/t/{scoring_year.tenant.slug}/scoring/grid?population={scoring_year.ids['dept_pop']}"
    response = _office(app, scoring_year, "en").post(
        url, data={f"v|{cell}": "11", f"o|{cell}": "", f"s|{cell}": 0, "row": ""}
    )
    assert response.status_code == 422
    assert "Must be within 0–10 points" in response.get_data(as_text=True)
