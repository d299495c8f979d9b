"""Template F (bureau internal quantitative; emergency management), hand-computed."""

import pandas as pd

from appraisal.engine import Inputs, compute, load_template, merge

from .conftest import by_id, df, run

T = "F_bureau_quantitative"


def staff(n):
    ids = [f"p{i:02d}" for i in range(1, n + 1)]
    a = df("appraisee_id unit", [(i, "sec1" if k < 3 else "sec2") for k, i in enumerate(ids)])
    # full self-report: ballot 100 → 10, supervisor 5, team 5
    scores = df(
        "appraisee_id indicator item value",
        [(i, k, "", v) for i in ids for k, v in (("democratic", 100), ("supervisor_score", 5), ("team_score", 5))],
    )
    return ids, a, scores


def deductions(rows):
    return df("appraisee_id indicator item value", rows)


def test_deductions_floor_at_zero_and_bonus_cap_ten():
    _ids, a, scores = staff(3)
    ded = deductions(
        [
            ("p01", "study", "absent_study", 3),  # study 15 − 3 = 12
            ("p01", "discipline", "drinking", 2),  # discipline 20 − 4 = 16
            ("p02", "business", "case_revoked", 7),  # 30 − 35 → floor 0 (扣完为止)
        ]
    )
    claims = df(
        "appraisee_id rule level dedup_key",
        [
            # p03: section honour at national (+10) and the same honour at city level: once, 10;
            # an article adopted by the province (+3) and the city (+2): once, 3; total 13 → cap 10
            ("p03", "honour", "national", "H1"),
            ("p03", "honour", "city", "H1"),
            ("p03", "article", "provincial", "A1"),
            ("p03", "article", "city", "A1"),
        ],
    )
    r = run(T, a, scores=pd.concat([scores, ded]), claims=claims)
    res = by_id(r)
    # p01: 12 + 30 + 15 + 16 + 20 = 93
    assert res.loc["p01", "composite"] == 93
    # p02: 15 + 0 + 15 + 20 + 20 = 70
    assert res.loc["p02", "score_business"] == 0
    assert res.loc["p02", "composite"] == 70
    # p03: 100 + min(10 + 3, 10) = 110
    assert res.loc["p03", "bonus_raw"] == 13
    assert res.loc["p03", "bonus"] == 10
    assert res.loc["p03", "composite"] == 110


def test_section_honour_gives_every_member_the_highest_level_once():
    _ids, a, scores = staff(3)
    claims = df(
        "appraisee_id rule level dedup_key",
        [(i, "honour", lvl, "SEC1-2025") for i in ("p01", "p02", "p03") for lvl in ("provincial", "city")],
    )
    r = run(T, a, scores=scores, claims=claims)
    assert by_id(r)["bonus"].tolist() == [8, 8, 8]  # each member: provincial 8 once


def _top20_case(scheme=None):
    """10 staff: p01 110 (vetoed), p02 108, p03 106, p04 96, p05 85, p06 70, others 100."""
    _ids, a, scores = staff(10)
    claims = df(
        "appraisee_id rule level count",
        [
            ("p01", "honour", "national", 1),  # +10
            ("p02", "honour", "provincial", 1),  # +8
            ("p03", "article", "provincial", 2),  # two different articles: +3 × 2 = +6
        ],
    )
    ded = deductions(
        [
            ("p04", "study", "absent_study", 4),  # 96
            ("p05", "study", "absent_study", 10),
            ("p05", "central", "village_notice", 1),  # 85
            ("p06", "business", "case_revoked", 6),
        ]
    )  # 70
    vetoes = df("appraisee_id veto", [("p01", "disciplinary_warning")])
    return by_id(
        compute(scheme or load_template(T), Inputs(a, scores=pd.concat([scores, ded]), claims=claims, vetoes=vetoes))
    )


def test_95_and_top_20_percent_and_veto():
    # 10 staff: top 20 % = round(10 × 0.2) = 2 → rank ≤ 2.  Ranks: p01 110 (vetoed) 1,
    # p02 108 2, p03 106 3, p04 96 and the others 100 …  The rank condition (seed 002,
    # the template's default): p01 keeps rank 1 and its place does not pass down, so only
    # p02 (rank 2, 108 ≥ 95) is excellent; p03 (rank 3) → competent.
    res = _top20_case()
    assert res.loc[["p01", "p02", "p03", "p04"], "composite"].tolist() == [110, 108, 106, 96]
    assert res["quota_top20_places"].iloc[0] == 2
    assert res.loc[res["grade"] == "excellent"].index.tolist() == ["p02"]
    assert res.loc["p03", "grade"] == "competent"
    # the transferable-quota reading (a setting): the veto passes p01's place to p03
    places = _top20_case(merge(load_template(T), {"quotas": {"top20": {"reading": "places"}}}))
    assert places.loc[places["grade"] == "excellent"].index.tolist() == ["p02", "p03"]
    res = places
    assert res.loc["p01", "grade"] == "basically_competent"
    assert res.loc["p04", "grade"] == "competent"
    assert res.loc["p05", "grade"] == "competent"  # 85
    assert res.loc["p06", "grade"] == "basically_competent"  # 70
    # basically competent → every annual bonus paid at 90 %
    assert res.loc["p01", "pay_percent"] == 90 and res.loc["p06", "pay_percent"] == 90
    assert res.loc["p02", "pay_percent"] == 100


def test_business_deductions_are_shared_with_the_supervising_leader():
    # p01 supervises p02 and p03.  p02: 1 late report (−1, shared: also −1 for p01);
    # p03: 1 case revoked by a court (−5, personal: stays with p03).
    _ids, a, scores = staff(3)
    a["supervisor_id"] = ["", "p01", "p01"]
    ded = deductions([("p02", "business", "late_report", 1), ("p03", "business", "case_revoked", 1)])
    r = run(T, a, scores=pd.concat([scores, ded]))
    res = by_id(r)
    assert res["score_business"].to_dict() == {"p01": 29, "p02": 29, "p03": 25}
    ex = r.explanations
    assert ex.loc[ex["appraisee_id"] == "p01", "en"].str.contains("shared from supervised").any()
