"""Template E (agency staff, differentiated; women's federation), hand-computed."""

from .conftest import by_id, df, run

T = "E_agency_staff_differentiated"


def test_rater_group_weights_and_missing_group_redistributed():
    a = df("appraisee_id category", [("s1", "general_staff"), ("s2", "general_staff")])
    ballots = df(
        "appraisee_id rater_group score",
        [
            ("s1", "principal", 90),
            ("s1", "deputy", 80),
            ("s1", "deputy", 84),
            ("s1", "staff", 70),
            ("s1", "staff", 80),
            # s2 has no deputy ballots
            ("s2", "principal", 90),
            ("s2", "staff", 80),
        ],
    )
    r = run(T, a, ballots=ballots)
    res = by_id(r)
    # s1: 0.3 × 90 + 0.2 × 82 + 0.5 × 75 = 27 + 16.4 + 37.5 = 80.9
    assert res.loc["s1", "composite"] == 80.9
    # s2: deputy absent → weights 0.3 and 0.5 rescaled over 0.8:
    # (0.3 × 90 + 0.5 × 80) / 0.8 = (27 + 40) / 0.8 = 83.75
    assert res.loc["s2", "composite"] == 83.75
    ex = r.explanations
    assert ex.loc[ex["appraisee_id"] == "s2", "en"].str.contains("redistributed").any()


def test_bonus_capped_at_three_and_penalties():
    a = df("appraisee_id category", [("s1", "general_staff"), ("s2", "general_staff")])
    ballots = df("appraisee_id rater_group score", [("s1", "staff", 90), ("s2", "staff", 90)])
    claims = df(
        "appraisee_id rule level count",
        [
            ("s1", "commendation", "national", 1),  # +2
            ("s1", "central_work_praise", "", 1),  # +1
            ("s1", "information", "national", 3),  # +0.3 × 3 = 0.9  → bonus 3.9, capped at 3
            ("s1", "absent_meeting", "", 1),  # −0.5
            ("s2", "shopping_games", "city", 1),  # −2
            ("s2", "info_task_notice", "", 3),  # −0.1 × 3 = −0.3
        ],
    )
    r = run(T, a, ballots=ballots, claims=claims)
    res = by_id(r)
    assert res.loc["s1", "bonus_raw"] == 3.9
    assert res.loc["s1", "bonus"] == 3
    assert res.loc["s1", "composite"] == 90 + 3 - 0.5  # 92.5
    assert "bonus_capped" in res.loc["s1", "flags"]
    assert res.loc["s2", "composite"] == 90 - 2.3  # 87.7


def test_leaders_ranked_separately_with_entered_score_and_tiers_ten_percent_apart():
    # 2 leaders (city-managed) with their city-level score entered; 7 general staff.
    a = df(
        "appraisee_id category",
        [("L1", "city_managed"), ("L2", "city_managed")] + [(f"s{i}", "general_staff") for i in range(1, 8)],
    )
    scores = df("appraisee_id indicator value", [("L1", "democratic", 95), ("L2", "democratic", 85)])
    ballots = df(
        "appraisee_id rater_group score", [(f"s{i}", "staff", 95 - i) for i in range(1, 8)] + [("L1", "staff", 10)]
    )  # ignored: the entered score wins
    r = run(T, a, scores=scores, ballots=ballots)
    res = by_id(r)
    assert res.loc["L1", "composite"] == 95 and res.loc["L1", "group"] == "city_managed"
    assert res.loc["L1", "rank"] == 1 and res.loc["s1", "rank"] == 1
    # excellent 15 %: leaders 2 × 0.15 = 0.3 → 0; staff 7 × 0.15 = 1.05 → 1 (s1)
    assert res.loc["L1", "grade"] == "competent"
    assert res.loc["s1", "grade"] == "excellent"
    # first prize 10000 for the excellent, second = 10000 × 0.9 = 9000 for the competent
    assert res.loc["s1", "award_amount"] == 10000
    assert res.loc["s2", "award_amount"] == 9000
    assert res.loc["L1", "award_amount"] == 9000


def test_a_grade_given_from_outside_sets_the_prize():
    # a seconded cadre (挂职干部) takes the city-wide grade: excellent → first prize, even
    # though 15 % of a group of one rounds to 0 places
    a = df("appraisee_id category grade_override", [("x1", "seconded", "excellent")])
    r = run(T, a, ballots=df("appraisee_id rater_group score", [("x1", "staff", 70)]))
    res = by_id(r).loc["x1"]
    assert (res["grade"], res["award"], res["award_amount"]) == ("excellent", "first", 10000)
    assert res["grade_rule"].startswith("grade_override")
