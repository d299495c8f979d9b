"""Template A (municipal departments), hand-computed."""

import pandas as pd

from .conftest import by_id, df, entered, run

T = "A_municipal_departments"
PUBLIC = {"party_building": 10, "clean_governance": 10, "civilisation": 5, "investment": 5}  # = 30


def depts(groups: dict[str, list[float]]):
    """Departments per sector group with the given business scores (one item of 70)."""
    app, items = [], []
    for g, scores in groups.items():
        for i, s in enumerate(scores):
            aid = f"{g}-{i + 1:02d}"
            app.append((aid, f"部门{aid}", g))
            items.append((aid, "business", "main", "主要业务", 70, s))
    a = df("appraisee_id name ranking_group", app)
    return a, df("appraisee_id indicator item name points value", items)


def test_ten_percent_quota_with_6_14_15_units():
    # composite = business + 30; 10 % of 6 = 0.6 → 1 place, of 14 = 1.4 → 1, of 15 = 1.5 → 2
    a, items = depts(
        {"g06": [60 - i for i in range(6)], "g14": [60 - i for i in range(14)], "g15": [60 - i for i in range(15)]}
    )
    r = run(T, a, items=items, scores=entered(a["appraisee_id"], **PUBLIC))
    g = r.groups.set_index("group")
    assert g.loc["g06", "advanced_collective_places"] == 1
    assert g.loc["g14", "advanced_collective_places"] == 1
    assert g.loc["g15", "advanced_collective_places"] == 2
    res = by_id(r)
    held = res.loc[res["quota_advanced_collective"]].index.tolist()
    assert sorted(held) == ["g06-01", "g14-01", "g15-01", "g15-02"]
    assert res.loc["g15-02", "award_amount"] == 10000  # 奖励1万元
    assert res.loc["g15-01", "composite"] == 60 + 30


def test_same_project_counted_once_at_highest_level_and_criticism():
    a, items = depts({"g": [50, 50, 50]})
    claims = df(
        "appraisee_id rule level dedup_key count",
        [
            # g-01: project P1 endorsed by the province's business dept (+6) and by the
            # national government (+10): counted once at 10; project P2 city business +4.
            ("g-01", "innovation_business", "province", "P1", 1),
            ("g-01", "innovation_party_gov", "national", "P1", 1),
            ("g-01", "innovation_business", "city", "P2", 1),
            # g-02: two criticism notices: −5 × 2 = −10
            ("g-02", "criticism", "", "", 2),
        ],
    )
    r = run(T, a, items=items, scores=entered(a["appraisee_id"], **PUBLIC), claims=claims)
    res = by_id(r)
    # g-01: 50 + 30 + 10 + 4 = 94
    assert res.loc["g-01", "bonus"] == 14
    assert res.loc["g-01", "composite"] == 94
    # g-02: 50 + 30 − 10 = 70
    assert res.loc["g-02", "penalty"] == 10
    assert res.loc["g-02", "composite"] == 70
    adj = r.adjustments.set_index(["appraisee_id", "rule", "dedup_key"])
    assert not adj.loc[("g-01", "innovation_business", "P1"), "counted"]
    assert adj.loc[("g-01", "innovation_business", "P1"), "reason"].startswith("duplicate")


def test_veto_removes_the_award_and_passes_the_place_on():
    # 6 units → 1 place.  g-01 is first (70 + 30 = 100) but vetoed for work safety: the place
    # passes to g-02 (69 + 30 = 99); g-01 keeps its rank 1 and gets a head_not_excellent flag.
    a, items = depts({"g": [70, 69, 68, 67, 66, 65]})
    vetoes = df("appraisee_id veto", [("g-01", "work_safety")])
    r = run(T, a, items=items, scores=entered(a["appraisee_id"], **PUBLIC), vetoes=vetoes)
    res = by_id(r)
    assert res.loc["g-01", "rank"] == 1
    assert not res.loc["g-01", "quota_advanced_collective"]
    assert res.loc["g-01", "award"] == ""
    assert "head_not_excellent" in res.loc["g-01", "flags"]
    assert res.loc["g-02", "quota_advanced_collective"]
    assert res.loc["g-02", "award_amount"] == 10000
    assert "head_may_be_excellent" in res.loc["g-02", "flags"]
    assert res["quota_advanced_collective"].sum() == 1
    assert res.loc["g-01", "quota_advanced_collective_line"] == 69 + 30  # the quota line: g-02
    ex = r.explanations
    g01 = ex.loc[(ex["appraisee_id"] == "g-01") & (ex["kind"] == "quota"), "zh"].iloc[0]
    assert "分数线 99" in g01 and "名额顺延" in g01


def test_tie_at_the_quota_boundary_never_exceeds_the_quota():
    # g-01 and g-02 both 65 + 30 = 95, tied rank 1 (1-1-3); one place (6 × 10 % = 0.6 → 1).
    # The chain (business 65 = 65, public 30 = 30, penalty 0 = 0) cannot break it: the
    # tie is pending (并列待定) and neither holds the place — never both, and never the id.
    a, items = depts({"g": [65, 65, 60, 55, 50, 45]})
    r = run(T, a, items=items, scores=entered(a["appraisee_id"], **PUBLIC))
    res = by_id(r)
    assert res.loc[["g-01", "g-02", "g-03"], "rank"].tolist() == [1, 1, 3]
    assert res["quota_advanced_collective"].sum() == 0
    assert res.loc[["g-01", "g-02"], "ties_pending"].tolist() == ["quotas.advanced_collective"] * 2


def test_below_60_two_years_running_is_flagged():
    # g-01: 25 + 30 = 55 now and 58 last year → flagged; g-02: 55 now, 61 last year → not;
    # g-03: 50 + 30 = 80 now (58 last year) → not.
    a, items = depts({"g": [25, 25, 50]})
    hist = df(
        "appraisee_id cycle composite",
        [("g-01", "2024", 58), ("g-02", "2024", 61), ("g-03", "2024", 58), ("g-01", "2023", 90)],
    )
    r = run(T, a, items=items, scores=entered(a["appraisee_id"], **PUBLIC), history=hist)
    res = by_id(r)
    assert res["flag_below_60_twice"].to_dict() == {"g-01": True, "g-02": False, "g-03": False}
    ex = r.explanations
    assert ex.loc[(ex["appraisee_id"] == "g-01") & (ex["kind"] == "flag"), "zh"].str.contains("诫勉").all()


def test_items_must_add_up_to_the_business_share():
    a, _ = depts({"g": [70]})
    items = df("appraisee_id indicator item points value", [("g-01", "business", "x", 60, 50)])
    r = run(T, a, items=items, scores=entered(a["appraisee_id"], **PUBLIC))
    assert "items_points_mismatch" in by_id(r).loc["g-01", "flags"]


def test_explanation_shows_every_step_in_both_languages():
    a, items = depts({"g": [50]})
    r = run(T, a, items=items, scores=entered(a["appraisee_id"], **PUBLIC))
    ex = r.explanations
    assert set(ex.columns) == {"appraisee_id", "seq", "kind", "ref", "zh", "en"}
    kinds = set(ex["kind"])
    assert {"indicator", "composite", "rank", "quota"} <= kinds
    assert ex["zh"].str.contains("党的建设").any() and ex["en"].str.contains("Party building").any()
    assert isinstance(r.appraisees, pd.DataFrame)
