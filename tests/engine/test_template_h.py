"""Template H (audit bureau sections, 400 points), hand-computed."""

import pandas as pd

from .conftest import by_id, df, run

T = "H_audit_sections_400"
FULL_OTHER = [("instructions", 10), ("publication", 10)]


def section_scores(i, revenue_actual, quality=(120, 110), used=(9, 10), cases=2):
    rows = [(i, "revenue_target", "actual", revenue_actual), (i, "revenue_target", "target", 100)]
    rows += [(i, "quality", "", q) for q in quality]
    rows += [(i, "software_use", "actual", used[0]), (i, "software_use", "target", used[1])]
    rows += [(i, "software_cases", "", cases)]
    rows += [(i, k, "", v) for k, v in FULL_OTHER]
    return rows


def test_percentage_point_bonus_capped_at_20_and_the_400_points():
    a = df("appraisee_id", [("x1",), ("x2",), ("x3",)])
    rows = section_scores("x1", 108) + section_scores("x2", 95, cases=4) + section_scores("x3", 104, cases=1)
    rows += [("x2", "planned_projects", "not_done", 2), ("x3", "expert_experience", "", 1)]
    r = run(T, a, scores=df("appraisee_id indicator item value", rows))
    res = by_id(r)
    # revenue: x1 8 points over → +24, capped at +20 → 80;  x2 5 under → 60 − 15 = 45;
    # x3 4 over → 60 + 12 = 72
    assert res["score_revenue_target"].to_dict() == {"x1": 80, "x2": 45, "x3": 72}
    # quality: mean(120, 110) = 115;  AO use 9/10 × 30 = 27
    assert res.loc["x1", "score_quality"] == 115
    assert res.loc["x1", "score_software_use"] == 27
    # cases: x1 2 → 30; x2 4 → 30 + 20 = 50; x3 1 → 30 − 10 = 20 (+50 expert experience)
    assert res["score_software_cases"].to_dict() == {"x1": 30, "x2": 50, "x3": 20}
    # x1: tasks 40 + 80 = 120; quality 115; informatisation 20 + 20 + 27 + 30 = 97; other 80
    assert res.loc["x1", "composite"] == 120 + 115 + 97 + 80  # 412
    # x2: tasks 36 + 45 = 81; 115; 20 + 20 + 27 + 50 = 117; 80 → 393
    assert res.loc["x2", "composite"] == 393
    # x3: tasks 40 + 72 = 112; 115; 20 + 20 + 27 + 20 + 50 = 137; 80 → 444
    assert res.loc["x3", "composite"] == 444
    assert res.loc[res["quota_advanced"]].index.tolist() == ["x3"]


def test_integrity_veto_removes_the_place():
    a = df("appraisee_id", [("x1",), ("x2",)])
    rows = section_scores("x1", 110) + section_scores("x2", 100)
    r = run(
        T,
        a,
        scores=df("appraisee_id indicator item value", rows),
        vetoes=df("appraisee_id veto", [("x1", "integrity")]),
    )
    res = by_id(r)
    assert res.loc["x1", "rank"] == 1
    assert res.loc[res["quota_advanced"]].index.tolist() == ["x2"]
    assert isinstance(r.appraisees, pd.DataFrame)
