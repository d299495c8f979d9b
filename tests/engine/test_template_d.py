"""Template D (section-level staff): 8 ‰ commendations over the whole tenant."""

from .conftest import by_id, df, run

T = "D_section_level_staff"
PUBLIC = {"self_building": 2.5, "law_based": 2.5, "clean_governance": 2.5, "efficiency": 2.5}


def city(sizes):
    rows, items, scores = [], [], []
    k = 0
    for g, n in sizes.items():
        for i in range(n):
            aid = f"{g}-{i + 1:03d}"
            k += 1
            rows.append((aid, g))
            items.append((aid, "business", "all", 90, 90 - (k % 40)))
            scores += [(aid, key, "", v) for key, v in PUBLIC.items()]
            scores.append((aid, "democratic", "", 80))  # entered evaluation score
    return (
        df("appraisee_id ranking_group", rows),
        df("appraisee_id indicator item points value", items),
        df("appraisee_id indicator item value", scores),
    )


def test_eight_per_mille_over_the_tenant():
    # 63 people in 3 departments of 21: 8 ‰ × 63 = 0.504 → 1 commendation tenant-wide,
    # although 8 ‰ of each department (0.168) would round to 0.  Excellent: 15 % × 21 = 3.15 → 3
    a, items, scores = city({"u1": 21, "u2": 21, "u3": 21})
    r = run(T, a, items=items, scores=scores)
    res = by_id(r)
    # u1-001: democratic entered 80 → 80 / 100 × 30 = 24; targets business 89 + public 10
    # = 99 → 99 / 100 × 70 = 69.3; composite 93.3
    assert res.loc["u1-001", "composite"] == 93.3
    assert res["quota_excellent"].sum() == 9
    assert res["quota_commendation"].sum() == 1
    assert res["quota_commendation_places"].iloc[0] == 1
    # the commendation goes to the best excellent across the tenant
    best = res.loc[res["quota_excellent"]].sort_values(["composite"], ascending=False).index[0]
    assert res.loc[best, "quota_commendation"]


def test_eight_per_mille_rounds_down_below_half():
    # 62 people: 0.496 → 0 commendations
    a, items, scores = city({"u1": 31, "u2": 31})
    r = run(T, a, items=items, scores=scores)
    assert by_id(r)["quota_commendation"].sum() == 0
