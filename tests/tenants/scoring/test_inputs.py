"""engine_inputs: the engine's input frames for a population, read with
explicit tenant filters, accepted by compute()."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from appraisal import engine
from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Phase, Population
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.models import AdjustmentClaim, ClaimStatus
from appraisal.tenants.scoring.services import adjustments, scores
from tests.tenants.scoring.conftest import approve_letter, dept, move_to

PUBLIC = {
    "public.party_building": "9",
    "public.clean_governance": "8",
    "public.civilisation": "4.5",
    "public.investment": "5",
}


def fill(app, year) -> None:
    """Every public indicator scored, two letters with item scores, claims in each
    state, a veto and a revoked one."""
    move_to(year, Phase.SCORING)
    items = approve_letter(year, 0, [("财政收入", "40"), ("预算执行", "30")])
    approve_letter(year, 3, [("教育质量", "70")])  # approved but not scored yet
    with app.test_request_context(), tenant_scope(year.tenant):
        g.audit_actor = "test"
        office = db.session.get(User, year.users["office_admin"].id)
        population = db.session.get(Population, year.ids["dept_pop"])
        columns = {c.code: c for c in scores.scheme_columns(population)}
        entries = [
            scores.Entry(a, columns[code], value) for a in population.appraisees for code, value in PUBLIC.items()
        ]
        finance = dept(year, 0)
        item_columns = {c.item_key: c for c in scores.item_columns(population, [finance.id])[finance.id]}
        entries += [
            scores.Entry(finance, item_columns[str(items[0])], "38"),
            scores.Entry(finance, item_columns[str(items[1])], "30"),
        ]
        scores.save_entries(entries, office)
        verified = adjustments.create_claim(
            finance,
            rule_key="innovation_business",
            level="province",
            dedup_key="预算改革",
            shared_with="市发改委",
            description="省级推广",
        )
        adjustments.decide_claim(verified, approve=True)
        adjustments.create_claim(
            finance, rule_key="innovation_party_gov", level="city", dedup_key="预算改革", description="市委推广"
        )  # still to be verified
        rejected = adjustments.create_claim(
            dept(year, 1), rule_key="innovation_business", level="city", description="材料不足"
        )
        adjustments.decide_claim(rejected, approve=False, reason="无推广文件")
        adjustments.record_penalty(dept(year, 1), rule_key="criticism", count="2", description="通报批评两次")
        adjustments.record_veto(dept(year, 4), rule_key="work_safety", description="发生较大安全事故")
        revoked = adjustments.record_veto(dept(year, 3), rule_key="discipline", description="误报")
        adjustments.revoke_veto(revoked, reason="复查不属实")
        db.session.commit()


def test_the_frames_have_the_engines_columns_and_only_what_counts(app, year, other_year):
    fill(app, other_year)  # the same year in another tenant: none of it may leak in
    fill(app, year)
    with tenant_scope(year.tenant):
        population = db.session.get(Population, year.ids["dept_pop"])
        frames = services.engine_inputs(population)
        ids = {a.name: str(a.id) for a in population.appraisees}
    for table, frame in frames.items():
        expected = [c for c, *_ in engine.COLUMNS[table]]
        assert list(frame.columns)[: len(expected)] == expected, table
    assert sorted(frames["appraisees"]["name"]) == sorted(ids)
    assert set(frames["appraisees"]["ranking_group"]) == {"综合经济组", "社会事业组"}
    s = frames["scores"]
    assert len(s) == 20  # 5 departments × 4 public indicators
    assert set(s["indicator"]) == {"party_building", "clean_governance", "civilisation", "investment"}
    assert set(s["appraisee_id"]) == set(ids.values())
    assert s.loc[s["indicator"] == "civilisation", "value"].tolist() == [4.5] * 5
    it = frames["items"]
    assert it[["appraisee_id", "indicator", "name", "points", "value"]].values.tolist() == [
        [ids["市财政局"], "business", "财政收入", 40.0, 38.0],
        [ids["市财政局"], "business", "预算执行", 30.0, 30.0],
        [ids["市教育局"], "business", "教育质量", 70.0, 0.0],  # not scored yet
    ]
    c = frames["claims"]
    assert c[["appraisee_id", "rule", "level", "count", "sharers", "verified"]].values.tolist() == [
        [ids["市财政局"], "innovation_business", "province", 1.0, 2.0, True],
        [ids["市财政局"], "innovation_party_gov", "city", 1.0, 1.0, False],
        [ids["市发改委"], "criticism", "", 2.0, 1.0, True],
    ]  # the rejected claim is left out
    assert frames["vetoes"][["appraisee_id", "veto"]].values.tolist() == [[ids["市卫健委"], "work_safety"]]


def test_compute_accepts_them(app, year):
    fill(app, year)
    with tenant_scope(year.tenant):
        population = db.session.get(Population, year.ids["dept_pop"])
        frames = services.engine_inputs(population)
        scheme = services.scheme_of(population)
        ids = {a.name: str(a.id) for a in population.appraisees}
    results = engine.compute(scheme, engine.Inputs(**frames))
    table = results.appraisees.set_index("appraisee_id")
    # 市财政局: business 38 + 30 = 68, public 9 + 8 + 4.5 + 5 = 26.5,
    # bonus: province innovation 6 shared by two → × 0.5 = 3 (the unverified city claim does not count)
    assert table.loc[ids["市财政局"], "composite"] == pytest.approx(68 + 26.5 + 3)
    # 市发改委: no letter (0) + public 26.5 − 2 criticisms × 5
    assert table.loc[ids["市发改委"], "composite"] == pytest.approx(26.5 - 10)


def test_the_staff_population_gives_frames_compute_accepts(app, year):
    move_to(year, Phase.SCORING)
    with tenant_scope(year.tenant):
        population = db.session.get(Population, year.ids["staff_pop"])
        frames = services.engine_inputs(population)
        scheme = services.scheme_of(population)
        count = len(population.appraisees)
    assert len(frames["appraisees"]) == count and frames["scores"].empty
    results = engine.compute(scheme, engine.Inputs(**frames))
    assert len(results.appraisees) == count


def test_claims_are_left_out_once_withdrawn(app, year):
    fill(app, year)
    with app.test_request_context(), tenant_scope(year.tenant):
        g.audit_actor = "test"
        pending = db.session.scalar(select(AdjustmentClaim).where(AdjustmentClaim.status == ClaimStatus.CLAIMED))
        adjustments.withdraw_claim(pending, reason="重复申报")
        db.session.flush()
        frames = services.engine_inputs(db.session.get(Population, year.ids["dept_pop"]))
    assert "innovation_party_gov" not in set(frames["claims"]["rule"])

    with tenant_scope(year.tenant):
        assert db.session.scalar(select(AdjustmentClaim).where(AdjustmentClaim.status == ClaimStatus.WITHDRAWN))
