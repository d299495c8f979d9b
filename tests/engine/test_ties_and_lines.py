"""Issue 11 engine rules, hand-computed: ties decided openly (the chain, then the office),
seed 002's 前20% as a rank condition on the unrounded total, the floor of a quota-only
excellent band, and history runs over consecutive years."""

import pandas as pd

from appraisal.engine import Inputs, TieDecision, compute, load_template, merge

from .conftest import by_id, df, entered
from .test_template_a import PUBLIC, depts
from .test_template_c import staff as cadres
from .test_template_f import deductions
from .test_template_f import staff as bureau_staff
from .test_template_g import ballots as union_ballots
from .test_template_g import sections

A = load_template("A_municipal_departments")
C = load_template("C_county_level_cadres")
F = load_template("F_bureau_quantitative")
G = load_template("G_trade_union_departments")
LINE_A = "quotas.advanced_collective"


def explanation(results, appraisee_id, language="zh") -> str:
    rows = results.explanations
    return "\n".join(rows.loc[rows["appraisee_id"] == appraisee_id, language])


def run_a(business, public=None, decisions=()):
    """Six departments of one sector group: 6 × 10 % = 0.6 → 1 advanced-collective place."""
    a, items = depts({"g": business})
    scores = entered(a["appraisee_id"], **PUBLIC)
    for appraisee_id, investment in (public or {}).items():  # investment is 5 of the public 30
        scores.loc[(scores["appraisee_id"] == appraisee_id) & (scores["indicator"] == "investment"), "value"] = (
            investment
        )
    return compute(A, Inputs(a, items=items, scores=scores), decisions=decisions)


def test_template_a_ships_its_chain_business_public_fewer_criticisms():
    chain = [(t.indicator, t.order) for t in A.ranking.tie_breaks]
    assert chain == [("business", "desc"), ("public", "desc"), ("penalty", "asc")]


def test_the_chain_breaks_a_tie_and_the_explanation_names_the_key():
    # g-01: business 66 + public 29 (investment 4) = 95; g-02: 65 + 30 = 95: tied at 95.
    # The first key, business, decides: 66 > 65 → g-01 holds the one place; rank shared.
    results = run_a([66, 65, 50, 50, 40, 40], public={"g-01": 4})
    res = by_id(results)
    assert res.loc[["g-01", "g-02"], "composite"].tolist() == [95, 95]
    assert res.loc[["g-01", "g-02"], "rank"].tolist() == [1, 1]
    assert res.loc["g-01", "quota_advanced_collective"] and not res.loc["g-02", "quota_advanced_collective"]
    assert results.ties.empty
    assert "并列时按业务目标得分高者优先 (本项 66)" in explanation(results, "g-01")
    assert "并列时按业务目标得分高者优先 (本项 65)" in explanation(results, "g-02")
    assert "a tie is broken by Business targets, higher first (65)" in explanation(results, "g-02", "en")
    # g-03 and g-04 (50 + 30 = 80) are equal on every key but below the line: no tie to decide
    assert "并列, 顺位不分先后" in explanation(results, "g-03")
    assert res.loc["g-03", "ties_pending"] == ""


def test_the_third_key_fewer_criticisms_breaks_it_when_the_parts_are_equal():
    # g-01: 60 + 30 + 10 (a national government endorsement) − 10 (two criticism notices)
    # = 90; g-02: 60 + 30 = 90.  Business 60 = 60, public 30 = 30; penalty 10 vs 0 → the
    # lower penalty (fewer notices) first: g-02 holds the place.
    a, items = depts({"g": [60, 60, 50, 50, 40, 40]})
    claims = df(
        "appraisee_id rule level count",
        [("g-01", "innovation_party_gov", "national", 1), ("g-01", "criticism", "", 2)],
    )
    results = compute(A, Inputs(a, items=items, scores=entered(a["appraisee_id"], **PUBLIC), claims=claims))
    res = by_id(results)
    assert res.loc[["g-01", "g-02"], "composite"].tolist() == [90, 90]
    assert res.loc["g-02", "quota_advanced_collective"] and not res.loc["g-01", "quota_advanced_collective"]
    assert "并列时按扣分低者优先 (本项 10)" in explanation(results, "g-01")
    assert "并列时按扣分低者优先 (本项 0)" in explanation(results, "g-02")
    assert "业务目标得分高者优先" not in explanation(results, "g-02")


def test_an_exhausted_tie_is_pending_until_the_office_decides():
    # g-01 and g-02: 65 + 30 = 95 each; business 65 = 65, public 30 = 30, penalty 0 = 0:
    # the chain is exhausted at the line (1 place).  Pending: nobody holds the place, and
    # the id (g-01 < g-02) decides nothing.
    results = run_a([65, 65, 60, 55, 50, 45])
    res = by_id(results)
    assert res["quota_advanced_collective"].sum() == 0
    assert res.loc[["g-01", "g-02"], "ties_pending"].tolist() == [LINE_A, LINE_A]
    assert res.loc["g-03", "ties_pending"] == ""
    assert res.loc[["g-01", "g-02"], "award"].tolist() == ["", ""]  # the 10,000 waits too
    tie = results.ties.iloc[0]
    assert (tie["line"], tie["tied"], tie["places"], tie["status"]) == (LINE_A, "g-01,g-02", 1, "pending")
    for appraisee_id in ("g-01", "g-02"):
        text = explanation(results, appraisee_id)
        assert "先进集体: 2 人同分且各比较项相同, 争 1 个名额 — 并列待定, 须由考核办决定" in text
        assert "(限额 10%, 共 1 名): 并列待定" in text
        assert "tie pending, the office decides" in explanation(results, appraisee_id, "en")

    # the office places g-02 (document 考核办〔2026〕3号): both breakdowns say so
    decision = TieDecision(
        LINE_A, frozenset({"g-01", "g-02"}), frozenset({"g-02"}), "招商实绩更突出", "考核办〔2026〕3号"
    )
    results = run_a([65, 65, 60, 55, 50, 45], decisions=[decision])
    res = by_id(results)
    assert res.loc[res["quota_advanced_collective"]].index.tolist() == ["g-02"]
    assert res.loc["g-02", "award_amount"] == 10000
    assert res.loc[["g-01", "g-02"], "ties_decided"].tolist() == [LINE_A, LINE_A]
    assert res["ties_pending"].eq("").all()
    assert results.ties.iloc[0]["status"] == "decided" and results.ties.iloc[0]["placed"] == "g-02"
    assert "考核办决定: 入选; 理由: 招商实绩更突出; 文号: 考核办〔2026〕3号" in explanation(results, "g-02")
    assert "考核办决定: 未入选; 理由: 招商实绩更突出" in explanation(results, "g-01")
    assert "decided by the office: not placed" in explanation(results, "g-01", "en")

    # a recomputation where g-03 joins the tie (65 + 30 = 95 too): not the same tie → asked again
    results = run_a([65, 65, 65, 55, 50, 45], decisions=[decision])
    res = by_id(results)
    assert res["quota_advanced_collective"].sum() == 0
    assert results.ties.iloc[0]["tied"] == "g-01,g-02,g-03" and results.ties.iloc[0]["status"] == "pending"


def test_a_decision_for_another_line_or_placing_too_many_does_not_apply():
    other_line = TieDecision("awards.advanced_collective", frozenset({"g-01", "g-02"}), frozenset({"g-02"}))
    too_many = TieDecision(LINE_A, frozenset({"g-01", "g-02"}), frozenset({"g-01", "g-02"}))
    for decision in (other_line, too_many):
        res = by_id(run_a([65, 65, 60, 55, 50, 45], decisions=[decision]))
        assert res["quota_advanced_collective"].sum() == 0
        assert res.loc["g-01", "ties_pending"] == LINE_A


def test_a_prize_line_tie_waits_and_the_decision_cascades():
    # G: s1 and s2 ballots 95 → 0.7 × 100 + 0.3 × 95 = 98.5 each (assessment 100 = 100,
    # democratic 95 = 95, penalty 0 = 0): one first prize, chain exhausted → pending.
    # s3 (94 → 98.2) and s4 (93 → 97.9) take the two second prizes meanwhile.
    _ids, a = sections(5)
    votes = union_ballots({"s1": 95, "s2": 95, "s3": 94, "s4": 93, "s5": 92})
    results = compute(G, Inputs(a, ballots=votes))
    res = by_id(results)
    assert res.loc[["s1", "s2"], "composite"].tolist() == [98.5, 98.5]
    assert res.loc[["s1", "s2"], "ties_pending"].tolist() == ["awards.first", "awards.first"]
    assert res.loc[["s1", "s2", "s3", "s4"], "award"].tolist() == ["", "", "second", "second"]
    # decided: s2 first (2000); s1 second (1000) ahead of s3 (98.5 > 98.2); s4 drops to discretionary
    decision = TieDecision(
        "awards.first", frozenset({"s1", "s2"}), frozenset({"s2"}), "党组会议研究", "工会党组〔2026〕5号"
    )
    res = by_id(compute(G, Inputs(a, ballots=votes), decisions=[decision]))
    assert res.loc[["s1", "s2", "s3", "s4"], "award"].tolist() == ["second", "first", "second", "discretionary"]
    assert res.loc["s2", "award_amount"] == 2000


def top20(extra=(), scheme=F, ballot_p01=100.0, staff=10):
    _ids, a, scores = bureau_staff(staff)
    scores["value"] = scores["value"].astype("float64")
    scores.loc[(scores["appraisee_id"] == "p01") & (scores["indicator"] == "democratic"), "value"] = ballot_p01
    return by_id(compute(scheme, Inputs(a, scores=pd.concat([scores, deductions(list(extra))]))))


def test_top_20_percent_is_a_rank_condition_with_every_tie_inside_the_line():
    # 10 staff, round(10 × 20 %) = 2 → rank ≤ 2.  p01 100; p02 and p03 99 (one absence
    # from study −1 each); everyone else 98 (−2).  Ranks 1, 2, 2, 4 …: p01, p02 and p03
    # are all excellent (three people for "2 places": the tie inside the line is in).
    extra = [("p02", "study", "absent_study", 1), ("p03", "study", "absent_study", 1)]
    extra += [(f"p{i:02d}", "study", "absent_study", 2) for i in range(4, 11)]
    res = top20(extra)
    assert res.loc[["p01", "p02", "p03", "p04"], "rank"].tolist() == [1, 2, 2, 4]
    assert res.loc[res["grade"] == "excellent"].index.tolist() == ["p01", "p02", "p03"]
    # the transferable-quota reading (a setting) gives exactly 2 places: p01, then p02/p03
    # are equal on every key (business, discipline, self-report) → pending for the office
    places = top20(extra, merge(F, {"quotas": {"top20": {"reading": "places"}}}))
    assert places.loc[places["grade"] == "excellent"].index.tolist() == ["p01"]
    assert places.loc[["p02", "p03"], "ties_pending"].tolist() == ["quotas.top20"] * 2


def test_95_is_compared_on_the_unrounded_total():
    # p01: self-report ballot 99.95 → 99.95 / 100 × 10 = 9.995; five absences −5:
    # 100 − 5 − 0.005 = 94.995, shown 95.00 (四舍五入) but below 95 → competent.
    # Everyone else 90 (−10), so p01 is rank 1 of 5 (round(5 × 20 %) = 1).
    extra = [("p01", "study", "absent_study", 5)] + [(f"p{i:02d}", "study", "absent_study", 10) for i in range(2, 6)]
    res = top20(extra, ballot_p01=99.95, staff=5)
    assert res.loc["p01", "composite"] == 95.0 and res.loc["p01", "rank"] == 1
    assert res.loc["p01", "grade"] == "competent"
    rounded = top20(extra, merge(F, {"grades": {"compare": "composite"}}), ballot_p01=99.95, staff=5)
    assert rounded.loc["p01", "grade"] == "excellent"  # the old reading: 95.00 ≥ 95


def test_a_quota_only_excellent_band_has_the_competent_floor():
    # 7 cadres: 15 % × 7 = 1.05 → 1 place.  g01: business 40, ballots 50 → 0.3 × 50 +
    # 0.7 × (40 + 10) = 15 + 35 = 50; the others business 30, ballots 40 → 12 + 28 = 40.
    # g01 is first but 50 < 80 (the competent band's threshold): no excellent place for
    # anyone (the others are lower still), and g01's grade is incompetent (< 60).
    _ids, a, items, scores, ballots = cadres(7, [40] + [30] * 6, [50] + [40] * 6)
    inputs = Inputs(a, items=items, scores=scores, ballots=ballots)
    res = by_id(compute(C, inputs))
    assert res.loc["g01", "composite"] == 50 and res["quota_excellent"].sum() == 0
    assert res["ties_pending"].eq("").all()  # the six tied at 40 are below the floor: no line
    assert res.loc["g01", "grade"] == "incompetent"
    assert not (res["grade"] == "excellent").any()
    # the setting: a number (45 → 50 ≥ 45 is excellent) or none (the old behaviour)
    assert by_id(compute(merge(C, {"grades": {"quota_floor": 45}}), inputs)).loc["g01", "grade"] == "excellent"
    assert by_id(compute(merge(C, {"grades": {"quota_floor": "none"}}), inputs)).loc["g01", "grade"] == "excellent"


def test_two_years_running_means_consecutive_years():
    # g-01: 25 + 30 = 55 now; 58 in 2024.  Computed as 2025: 2024 is the year before →
    # flagged.  Computed as 2026: 2025 is missing, the run is broken → not flagged.
    a, items = depts({"g": [25, 50, 50]})
    history = df("appraisee_id cycle composite", [("g-01", "2024", 58), ("g-01", "2022", 40)])
    inputs = Inputs(a, items=items, scores=entered(a["appraisee_id"], **PUBLIC), history=history)
    assert by_id(compute(A, inputs, cycle="2025")).loc["g-01", "flag_below_60_twice"]
    assert not by_id(compute(A, inputs, cycle="2026")).loc["g-01", "flag_below_60_twice"]
    # three years running (a setting): 2024 and 2022 below 60 but no 2023 → not flagged
    three = merge(A, {"flags": {"below_60_twice": {"cycles": 3}}})
    assert not by_id(compute(three, inputs, cycle="2025")).loc["g-01", "flag_below_60_twice"]
    with_2023 = Inputs(
        a,
        items=items,
        scores=entered(a["appraisee_id"], **PUBLIC),
        history=pd.concat([history, df("appraisee_id cycle composite", [("g-01", "2023", 59)])]),
    )
    assert by_id(compute(three, with_2023, cycle="2025")).loc["g-01", "flag_below_60_twice"]
