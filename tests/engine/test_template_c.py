"""Template C (county-level cadres), hand-computed."""

from .conftest import by_id, df, run

T = "C_county_level_cadres"
PUBLIC = {"self_building": 2.5, "law_based": 2.5, "clean_governance": 2.5, "efficiency": 2.5}


def staff(n, business, ballots_mean, group="g"):
    """n cadres; business (0..90) and the mean ballot score of each."""
    ids = [f"{group}{i + 1:02d}" for i in range(n)]
    a = df("appraisee_id ranking_group", [(i, group) for i in ids])
    items = df(
        "appraisee_id indicator item points value", [(i, "business", "all", 90, b) for i, b in zip(ids, business)]
    )
    scores = df("appraisee_id indicator item value", [(i, k, "", v) for i in ids for k, v in PUBLIC.items()])
    # two ballots per person around the mean: mean ± 2
    ballots = df("appraisee_id score", [(i, m + d) for i, m in zip(ids, ballots_mean) for d in (-2, 2)])
    return ids, a, items, scores, ballots


def test_thirty_seventy_composition():
    ids, a, items, scores, ballots = staff(1, [70], [90])
    r = run(T, a, items=items, scores=scores, ballots=ballots)
    res = by_id(r).loc[ids[0]]
    # democratic: ballots 88 and 92 → mean 90 → 90 / 100 × 30 = 27
    # targets: business 70 + public 10 = 80 → 80 / 100 × 70 = 56;  composite 83
    assert res["score_democratic"] == 90
    assert res["part_democratic"] == 27
    assert res["part_targets"] == 56
    assert res["composite"] == 83


def test_excellent_15_percent_commendation_5_percent_and_complaint_cap():
    # 20 cadres: 15 % = 3 excellent, 5 % = 1 commendation (chosen from the excellent).
    # g01 is the best but has a complaint: at most basically competent, its place passes
    # on: excellent = g02, g03, g04; commendation = g02.
    business = [90 - i for i in range(20)]
    _ids, a, items, scores, ballots = staff(20, business, [90] * 20)
    vetoes = df("appraisee_id veto", [("g01", "complaint")])
    r = run(T, a, items=items, scores=scores, ballots=ballots, vetoes=vetoes)
    res = by_id(r)
    assert res["quota_excellent_places"].iloc[0] == 3
    assert res.loc[res["quota_excellent"]].index.tolist() == ["g02", "g03", "g04"]
    assert res.loc[res["quota_commendation"]].index.tolist() == ["g02"]
    assert res.loc["g01", "grade"] == "basically_competent"
    assert res.loc["g01", "grade_by_score"] == "competent"
    assert res.loc["g02", "grade"] == "excellent"
    assert res.loc["g02", "award"] == "commendation"
    # g05: 27 + (86 + 10) × 0.7 = 27 + 67.2 = 94.2 → competent (≥ 80)
    assert res.loc["g05", "composite"] == 94.2
    assert res.loc["g05", "grade"] == "competent"


def test_incompetent_two_years_running_is_flagged():
    # composite = 0.3 × 40 + 0.7 × (30 + 10) = 12 + 28 = 40 < 60 → incompetent
    _ids, a, items, scores, ballots = staff(2, [30, 30], [40, 40])
    hist = df("appraisee_id cycle grade", [("g01", "2024", "incompetent"), ("g02", "2024", "competent")])
    r = run(T, a, items=items, scores=scores, ballots=ballots, history=hist)
    res = by_id(r)
    assert res["composite"].tolist() == [40, 40]
    assert res["grade"].tolist() == ["incompetent", "incompetent"]
    assert res["flag_incompetent_twice"].to_dict() == {"g01": True, "g02": False}
