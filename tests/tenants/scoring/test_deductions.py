"""Per-occurrence deduction items (template G, seed 002/003): recorded all year
in the score sheet as whole counts with a reason, listed in the quarterly
notice, read by the engine as occurrences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from appraisal import engine
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.schemes import services as schemes
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.models import Score, ScoreRevision
from tests.helpers import login
from tests.tenants.scoring.conftest import move_to

ITEM = "assessment:key_task_undone"  # 重点工作未按要求完成, 5 points each


@pytest.fixture
def union(app, year):
    """The departments also appraised under template G (100 minus deductions)."""
    with tenant_scope(year.tenant):
        version = schemes.adopt_template(template_key="G_trade_union_departments", key="union", name="部室创先争优")
        population = cycles.add_population(
            db.session.get(Cycle, year.ids["cycle"]),
            key="union",
            name="部室考核",
            version=version,
            selector={"unit_kinds": ["department"], "ranking": "all"},
        )
        db.session.commit()
        first = db.session.scalar(
            select(Appraisee.id).where(Appraisee.population_id == population.id).order_by(Appraisee.sort_order)
        )
        population_id = population.id
    move_to(year, Phase.TRACKING)
    client = app.test_client()
    login(client, year.tenant, year.users["office_admin"])
    return client, population_id, first


def post(client, year, population_id, appraisee_id, value, reason="", original="", version=0):
    cell = f"{appraisee_id}|{ITEM}"
    return client.post(
        f"/t/{year.tenant.slug}/scoring/grid?population={population_id}",
        data={f"v|{cell}": value, f"o|{cell}": original, f"s|{cell}": version, f"r|{appraisee_id}": reason},
    )


def test_deductions_are_recorded_during_the_year_with_a_reason(year, union):
    client, population_id, appraisee_id = union
    html = client.get(f"/t/{year.tenant.slug}/scoring/grid?population={population_id}").get_data(as_text=True)
    assert "重点工作未按要求完成（每次扣5分）" in html and f'name="v|{appraisee_id}|{ITEM}"' in html
    response = post(client, year, population_id, appraisee_id, "2")
    assert response.status_code == 422 and "扣分须填写原因" in response.get_data(as_text=True)
    response = post(client, year, population_id, appraisee_id, "1.5", reason="x")
    assert response.status_code == 422 and "次数须为整数" in response.get_data(as_text=True)
    assert post(client, year, population_id, appraisee_id, "2", reason="两项重点工作未完成").status_code == 302
    # fewer occurrences raise the score: no reason needed
    assert post(client, year, population_id, appraisee_id, "1", original="2", version=1).status_code == 302


def test_the_quarterly_notice_lists_the_deductions(year, union):
    client, population_id, appraisee_id = union
    post(client, year, population_id, appraisee_id, "2", reason="两项重点工作未完成")
    with tenant_scope(year.tenant):  # entered in August
        db.session.execute(update(ScoreRevision).values(at=datetime(2026, 8, 3, 9, tzinfo=UTC)))
        db.session.commit()
    html = client.get(f"/t/{year.tenant.slug}/scoring/notices/new?quarter=3").get_data(as_text=True)
    # 2 occurrences × 5 points = 10
    assert "考核小组评分·重点工作未按要求完成（每次扣5分） 2 次，扣 10 分（两项重点工作未完成）" in html


def test_the_engine_reads_them_as_occurrences(year, union):
    client, population_id, appraisee_id = union
    post(client, year, population_id, appraisee_id, "2", reason="两项重点工作未完成")
    with tenant_scope(year.tenant):
        population = db.session.get(Population, population_id)
        frames = services.engine_inputs(population)
        scheme = services.scheme_of(population)
        assert db.session.scalar(select(Score.value).where(Score.appraisee_id == appraisee_id)) == 2
    assert frames["scores"][["appraisee_id", "indicator", "item", "value"]].values.tolist() == [
        [str(appraisee_id), "assessment", "key_task_undone", 2.0]
    ]
    results = engine.compute(scheme, engine.Inputs(**frames)).appraisees.set_index("appraisee_id")
    assert results.loc[str(appraisee_id), "score_assessment"] == pytest.approx(100 - 2 * 5)


def test_the_hub_lists_the_indicator_once_and_no_letter_items(year, union):
    client, population_id, _ = union
    html = client.get(f"/t/{year.tenant.slug}/scoring/").get_data(as_text=True)
    assert html.count('<span class="badge">考核小组评分</span>') == 1  # 15 deduction items, one indicator
    assert f"grid?population={population_id}" in html
    assert f"items?population={population_id}" not in html  # template G has no letter items
    assert f"items?population={year.ids['dept_pop']}" in html  # template A has
