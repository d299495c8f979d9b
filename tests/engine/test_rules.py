"""Settings of the rules, one by one (tie policies, tie-breaks, minimum one, inputs)."""

import pytest

from appraisal.engine import InputErrors, Inputs, compute, load_template, merge

from .conftest import by_id, df, entered
from .test_template_a import PUBLIC, depts

A = load_template("A_municipal_departments")


def run_a(scheme, business, **tables):
    a, items = depts({"g": business})
    return by_id(compute(scheme, Inputs(a, items=items, scores=entered(a["appraisee_id"], **PUBLIC), **tables)))


@pytest.mark.parametrize(
    "policy, held",
    [
        # the chain (business, public, penalty) cannot break g-02/g-03: pending, not the id
        ("tie_break", ["g-01"]),
        ("include_all", ["g-01", "g-02", "g-03"]),  # everyone tied at the boundary gets in
        ("exclude_all", ["g-01"]),  # nobody tied at the boundary gets in
    ],
)
def test_tie_at_the_boundary_policies(policy, held):
    # 15 units → 1.5 → 2 places; g-02 and g-03 tie at 65 + 30 = 95 on the boundary
    s = merge(A, {"quotas": {"advanced_collective": {"tie_policy": policy}}})
    res = run_a(s, [70, 65, 65] + [50] * 12)
    assert res.loc[res["quota_advanced_collective"]].index.tolist() == held


def test_tie_breaks_decide_the_strict_order():
    # g-01: business 60 + public 30 = 90; g-02: business 65 + public 25 = 90 (a tie).
    # Tie-break by business (desc) puts g-02 first; rank is still shared (1, 1).
    s = merge(A, {"ranking": {"tie_breaks": [{"indicator": "business", "order": "desc"}]}})
    a, items = depts({"g": [60, 65, 40, 40, 40, 40]})
    scores = entered(a["appraisee_id"], **PUBLIC)
    scores.loc[(scores["appraisee_id"] == "g-02") & (scores["indicator"] == "investment"), "value"] = 0
    res = by_id(compute(s, Inputs(a, items=items, scores=scores)))
    assert res.loc[["g-01", "g-02"], "rank"].tolist() == [1, 1]
    assert res.loc[["g-01", "g-02"], "position"].tolist() == [2, 1]
    assert res.loc["g-02", "quota_advanced_collective"]


def test_minimum_one_place_per_group():
    # 4 units × 10 % = 0.4 → 0; with min_one → 1
    assert run_a(A, [60, 50, 40, 30])["quota_advanced_collective"].sum() == 0
    s = merge(A, {"quotas": {"advanced_collective": {"min_one": True}}})
    assert run_a(s, [60, 50, 40, 30])["quota_advanced_collective"].sum() == 1


def test_quota_minimum_score_and_rounding_setting():
    s = merge(A, {"quotas": {"advanced_collective": {"min_score": 96, "rounding": "ceil"}}})
    res = run_a(s, [70, 65, 60, 55, 50])  # ceil(0.5) = 1 place; 100 ≥ 96 gets it
    assert res["quota_advanced_collective"].sum() == 1
    res = run_a(s, [65, 64, 60, 55, 50])  # nobody reaches 96: the place stays empty
    assert res["quota_advanced_collective"].sum() == 0


def test_unverified_claims_and_penalty_cap():
    s = merge(A, {"adjustments": {"penalty_cap": 7}})
    claims = df(
        "appraisee_id rule level count verified",
        [
            ("g-01", "criticism", "", 3, True),  # −15, capped at −7
            ("g-02", "innovation_business", "city", 1, False),  # not verified: does not count
        ],
    )
    res = run_a(s, [50, 50], claims=claims)
    assert res.loc["g-01", "penalty_raw"] == 15 and res.loc["g-01", "penalty"] == 7
    assert res.loc["g-01", "composite"] == 80 - 7
    assert res.loc["g-02", "bonus"] == 0


def test_bad_inputs_are_all_reported_with_table_row_and_column():
    a, items = depts({"g": [50, 50]})
    claims = df("appraisee_id rule level", [("g-01", "innovation_business", "galactic"), ("g-09", "nope", "")])
    vetoes = df("appraisee_id veto", [("g-01", "alien")])
    with pytest.raises(InputErrors) as exc:
        compute(A, Inputs(a, items=items, claims=claims, vetoes=vetoes))
    text = str(exc.value)
    assert "claims, row 1, column level: unknown level of 'innovation_business'" in text
    assert "claims, row 2, column appraisee_id: unknown appraisee" in text
    assert "claims, row 2, column rule: unknown adjustment rule" in text
    assert "vetoes, row 1, column veto: unknown veto" in text


def test_rater_groups_and_ballot_errors():
    e = load_template("E_agency_staff_differentiated")
    a = df("appraisee_id category", [("s1", "general_staff")])
    ballots = df("appraisee_id rater_group score", [("s1", "janitor", 90), ("s1", "staff", "x")])
    with pytest.raises(InputErrors) as exc:
        compute(e, Inputs(a, ballots=ballots))
    text = str(exc.value)
    assert "ballots, row 1, column rater_group: unknown rater group" in text
    assert "ballots, row 2, column score: not a number" in text


def test_missing_inputs_count_as_zero_and_are_flagged():
    a, items = depts({"g": [50]})
    res = by_id(compute(A, Inputs(a, items=items)))
    assert res.loc["g-01", "composite"] == 50
    assert "party_building" in res.loc["g-01", "missing_inputs"]


def test_ids_from_excel_numbers_and_spaces_match():
    # ids typed as numbers (1001, 1002.0) or with spaces match the same ids given as text
    a = df("appraisee_id ranking_group", [(1001, 1), (1002.0, 1), (" 1003 ", 1)]).astype(object)
    scores = df(
        "appraisee_id indicator value",
        [("1001", "party_building", "9"), (1002, "party_building", 8), (1003.0, "party_building", 7.5)],
    ).astype(object)
    res = by_id(compute(A, Inputs(a, scores=scores)))
    assert res["score_party_building"].to_dict() == {"1001": 9, "1002": 8, "1003": 7.5}


def test_ballot_scores_must_be_on_the_scale():
    e = load_template("E_agency_staff_differentiated")
    with pytest.raises(InputErrors) as exc:
        compute(
            e, Inputs(df("appraisee_id", [("x",)]), ballots=df("appraisee_id rater_group score", [("x", "staff", 120)]))
        )
    assert "ballots, row 1, column score: a ballot score must be between 0 and 100" in str(exc.value)


def test_award_tier_by_ratio_and_categories():
    # G with a tier of 40 % of the sections (5 × 0.4 = 2) for category 'section' only
    g = load_template("G_trade_union_departments")
    s = merge(
        g,
        {
            "awards": {
                "tiers": {
                    "first": None,
                    "second": None,
                    "discretionary": None,
                    "merit": {
                        "name_zh": "优胜",
                        "name_en": "Merit",
                        "ratio": 0.4,
                        "pool": "tenant",
                        "categories": ["section"],
                        "amount": 500,
                    },
                },
                "rollups": None,
            }
        },
    )
    a = df("appraisee_id category", [(f"s{i}", "section") for i in range(1, 6)] + [("o1", "office")])
    ballots = df(
        "appraisee_id rater_group score",
        [(i, "staff", 100 - k) for k, i in enumerate(["o1", "s1", "s2", "s3", "s4", "s5"])],
    )
    res = by_id(compute(s, Inputs(a, ballots=ballots)))
    # o1 is best but not a section; the pool is the 5 sections: 5 × 0.4 = 2 places
    assert res.loc[res["award"] == "merit"].index.tolist() == ["s1", "s2"]


def test_divide_sharing_rule_cap_and_veto_pay_percent():
    s = merge(
        A,
        {
            "adjustments": {"rules": {"innovation_business": {"share_mode": "divide", "cap": 5}}},
            "vetoes": {"false_report": {"effects": {"pay_percent": 50}}},
        },
    )
    claims = df(
        "appraisee_id rule level sharers",
        [
            ("g-01", "innovation_business", "national", 4),  # 8 / 4 sharers = 2
            ("g-02", "innovation_business", "national", 1),  # 8 → rule cap 5
        ],
    )
    vetoes = df("appraisee_id veto", [("g-03", "false_report")])
    res = run_a(s, [50, 50, 50], claims=claims, vetoes=vetoes)
    assert res.loc["g-01", "adj_innovation_business"] == 2
    assert res.loc["g-02", "adj_innovation_business"] == 5
    assert res.loc["g-03", "pay_percent"] == 50


def test_quota_for_some_categories_only():
    e = load_template("E_agency_staff_differentiated")
    s = merge(
        e,
        {
            "ranking": {"group_by": "none"},
            "quotas": {"excellent": {"categories": ["general_staff"], "count": 1, "ratio": None}},
        },
    )
    a = df("appraisee_id category", [("L1", "city_managed"), ("s1", "general_staff"), ("s2", "general_staff")])
    ballots = df("appraisee_id rater_group score", [("L1", "staff", 99), ("s1", "staff", 90), ("s2", "staff", 95)])
    res = by_id(compute(s, Inputs(a, ballots=ballots)))
    assert res.loc[res["quota_excellent"]].index.tolist() == ["s2"]
