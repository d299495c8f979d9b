"""Template B (districts), hand-computed."""

from .conftest import by_id, df, run

T = "B_districts"
ECON = [
    "gdp",
    "fiscal_revenue",
    "industry",
    "fixed_assets",
    "tech_renovation",
    "foreign_investment",
    "foreign_trade",
    "retail_sales",
    "private_tax",
    "average_wage",
    "rural_income",
]  # 45 points
SOCIAL = {
    "education": 3,
    "science": 3,
    "culture": 3,
    "health": 3,
    "population": 3,
    "employment": 4,
    "social_security": 3,
    "stability": 3,
}  # 25 points
PUBLIC = {"party_building": 10, "clean_governance": 10, "ideological_work": 5, "investment": 5}


def inputs(ids, gdp_actual):
    rows = []
    for i, actual in zip(ids, gdp_actual):
        for k in ECON:
            a = actual if k == "gdp" else 100
            rows += [(i, k, "actual", a), (i, k, "target", 100)]
        rows += [(i, k, "", v) for k, v in {**SOCIAL, **PUBLIC}.items()]
    return df("appraisee_id indicator item value", rows)


def test_economic_targets_against_targets_and_top_two():
    ids = ["d1", "d2", "d3", "d4"]
    a = df("appraisee_id name", [(i, f"区{i}") for i in ids])
    # GDP is 5 points × min(actual / target, 1):
    # d1 120/100 → 5 (capped at the target) → composite 100
    # d2  90/100 → 4.5 → 99.5;  d3 80/100 → 4 → 99;  d4 50/100 → 2.5 → 97.5
    r = run(T, a, scores=inputs(ids, [120, 90, 80, 50]))
    res = by_id(r)
    assert res["score_gdp"].to_dict() == {"d1": 5, "d2": 4.5, "d3": 4, "d4": 2.5}
    assert res["composite"].to_dict() == {"d1": 100, "d2": 99.5, "d3": 99, "d4": 97.5}
    assert res.loc[res["quota_top2"]].index.tolist() == ["d1", "d2"]
    assert res.loc["d2", "award_amount"] == 100000  # 奖励10万元


def test_a_district_veto_bars_the_head_not_the_ranking():
    ids = ["d1", "d2", "d3"]
    a = df("appraisee_id", [(i,) for i in ids])
    vetoes = df("appraisee_id veto", [("d1", "false_report")])
    r = run(T, a, scores=inputs(ids, [100, 90, 80]), vetoes=vetoes)
    res = by_id(r)
    # the seed bars only the district head from excellent/commendation
    assert res.loc["d1", "quota_top2"]
    assert "head_not_excellent" in res.loc["d1", "flags"]
    assert "head_may_be_excellent" in res.loc["d2", "flags"]
