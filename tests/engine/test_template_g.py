"""Template G (trade-union departments), hand-computed."""

import pandas as pd

from .conftest import by_id, df, run

T = "G_trade_union_departments"


def sections(n):
    ids = [f"s{i}" for i in range(1, n + 1)]
    sup = {"s1": "vc1", "s2": "vc1", "s3": "vc2", "s4": "vc2", "s5": "vc2"}
    rows = [(i, "section", sup.get(i, "")) for i in ids]
    rows += [("vc1", "vice_chair", "ch"), ("vc2", "vice_chair", "ch"), ("ch", "chair", "")]
    return ids, df("appraisee_id category supervisor_id", rows)


def ballots(scores):
    return df("appraisee_id rater_group score", [(i, g, s) for i, s in scores.items() for g in ("staff", "grassroots")])


def test_shared_bonus_halved_and_composition():
    _ids, a = sections(2)
    claims = df(
        "appraisee_id rule level sharers",
        [
            # a provincial commendation (+8) shared by s1 and s2 → half each: +4
            ("s1", "union_commendation", "provincial", 2),
            ("s2", "union_commendation", "provincial", 2),
            ("s1", "complaint_upheld", "", 1),  # −5
        ],
    )
    ded = df("appraisee_id indicator item value", [("s2", "assessment", "key_task_late", 2)])  # −6
    r = run(T, a, claims=claims, ballots=ballots({"s1": 90, "s2": 80}), scores=ded)
    res = by_id(r)
    # s1: 0.7 × 100 + 0.3 × 90 = 97; + 4 − 5 = 96
    assert res.loc["s1", "adj_union_commendation"] == 4
    assert res.loc["s1", "composite"] == 96
    # s2: 0.7 × 94 + 0.3 × 80 = 65.8 + 24 = 89.8; + 4 = 93.8
    assert res.loc["s2", "composite"] == 93.8


def test_prizes_veto_passes_the_place_on_and_roll_ups():
    _ids, a = sections(5)
    # composites from ballots only (assessment 100 → 70): s1 70+28.5=98.5, s2 98.2, s3 97.9,
    # s4 97.6, s5 97.3 (ballot 95, 94, 93, 92, 91 × 0.3)
    r = run(
        T,
        a,
        ballots=ballots({"s1": 95, "s2": 94, "s3": 93, "s4": 92, "s5": 91}),
        vetoes=df("appraisee_id veto", [("s1", "major_accident")]),
    )
    res = by_id(r)
    assert res.loc[["s1", "s2", "s3", "s4", "s5"], "composite"].tolist() == [98.5, 98.2, 97.9, 97.6, 97.3]
    # s1 is vetoed: no award; first prize passes to s2, second prizes to s3 and s4
    assert res.loc["s1", "award"] == ""
    assert res.loc["s2", "award"] == "first" and res.loc["s2", "award_amount"] == 2000
    assert res.loc[["s3", "s4"], "award_amount"].tolist() == [1000, 1000]
    assert res.loc["s5", "award"] == "discretionary"  # ≥ 90, amount at discretion
    # vice-chair vc1 supervises s1 (0) and s2 (2000): 1000; vc2: s3, s4, s5 = (1000+1000+0)/3
    assert res.loc["vc1", "award_amount"] == 1000
    assert res.loc["vc2", "award_amount"] == round(2000 / 3, 2)
    # chair: the average of the vice-chairs: (1000 + 666.666…) / 2 = 833.33
    assert res.loc["ch", "award_amount"] == 833.33
    assert pd.isna(res.loc["ch", "rank"])  # roll-up rows are not ranked
