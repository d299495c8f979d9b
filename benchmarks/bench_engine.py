"""The engine on a synthetic city: 20,000 people in 400 units, 30 indicator scores each,
1,000,000 ballot lines, adjustments and vetoes; and the floor: the engine's core path
written as tightly as numpy allows (same tables, same composite, ranks and quota places)."""

from __future__ import annotations

from benchmarks.run import Benchmark

UNITS, PER_UNIT, BALLOTS_EACH = 400, 50, 50  # 20,000 people, 1,000,000 ballots


def city_scheme():
    from appraisal.engine import build_scheme

    def leaves(prefix, n, pts):
        return [
            {
                "key": f"{prefix}_{i:02d}",
                "name_zh": f"指标{prefix}{i}",
                "name_en": f"Indicator {prefix}{i}",
                "points": pts,
                "method": {"kind": "entered"},
            }
            for i in range(1, n + 1)
        ]

    return build_scheme(
        {
            "key": "bench_city",
            "name_zh": "基准城市",
            "name_en": "Benchmark city",
            "appraisee_kind": "individual",
            "indicators": [
                {
                    "key": "democratic",
                    "name_zh": "民主测评",
                    "name_en": "Democratic evaluation",
                    "points": 100,
                    "method": {
                        "kind": "ballot",
                        "rater_groups": [
                            {"key": "principal", "name_zh": "主要负责同志", "name_en": "Principal", "weight": 0.3},
                            {"key": "deputy", "name_zh": "副职", "name_en": "Deputies", "weight": 0.2},
                            {"key": "staff", "name_zh": "干部职工", "name_en": "Staff", "weight": 0.5},
                        ],
                    },
                },
                {
                    "key": "targets",
                    "name_zh": "目标完成",
                    "name_en": "Targets",
                    "points": 100,
                    "children": [
                        {
                            "key": "business",
                            "name_zh": "业务",
                            "name_en": "Business",
                            "points": 60,
                            "children": leaves("b", 10, 6),
                        },
                        {
                            "key": "public",
                            "name_zh": "公共",
                            "name_en": "Public",
                            "points": 20,
                            "children": leaves("p", 10, 2),
                        },
                        {
                            "key": "conduct",
                            "name_zh": "作风",
                            "name_en": "Conduct",
                            "points": 20,
                            "children": leaves("c", 10, 2),
                        },
                    ],
                },
            ],
            "composition": {
                "method": "weighted",
                "parts": [{"indicator": "democratic", "weight": 0.3}, {"indicator": "targets", "weight": 0.7}],
            },
            "adjustments": {
                "bonus_cap": 3,
                "rules": [
                    {
                        "key": "honour",
                        "name_zh": "表彰",
                        "name_en": "Honour",
                        "kind": "bonus",
                        "dedup_group": "honour",
                        "levels": [
                            {"key": "national", "name_zh": "国家级", "name_en": "national", "points": 2},
                            {"key": "provincial", "name_zh": "省级", "name_en": "provincial", "points": 1},
                        ],
                    },
                    {"key": "article", "name_zh": "信息", "name_en": "Article", "kind": "bonus", "points": 0.2},
                    {"key": "absent", "name_zh": "缺席", "name_en": "Absent", "kind": "penalty", "points": 0.5},
                ],
            },
            "vetoes": [
                {
                    "key": "complaint",
                    "name_zh": "投诉",
                    "name_en": "Complaint",
                    "effects": {"grade_cap": "basically_competent"},
                },
                {"key": "violation", "name_zh": "违纪", "name_en": "Violation", "effects": {"pay_percent": 90}},
            ],
            "ranking": {"group_by": "ranking_group", "tie_breaks": [{"indicator": "targets"}]},
            "quotas": [
                {"key": "excellent", "name_zh": "优秀", "name_en": "Excellent", "ratio": 0.15},
                {
                    "key": "commendation",
                    "name_zh": "嘉奖",
                    "name_en": "Commendation",
                    "ratio": 0.008,
                    "pool": "tenant",
                    "within": "excellent",
                },
            ],
            "grades": {
                "bands": [
                    {"key": "excellent", "name_zh": "优秀", "name_en": "Excellent", "quota": "excellent"},
                    {"key": "competent", "name_zh": "称职", "name_en": "Competent", "min_score": 80},
                    {
                        "key": "basically_competent",
                        "name_zh": "基本称职",
                        "name_en": "Basically competent",
                        "min_score": 60,
                    },
                    {"key": "incompetent", "name_zh": "不称职", "name_en": "Incompetent"},
                ]
            },
            "awards": {
                "tiers": [
                    {"key": "first", "name_zh": "一等奖", "name_en": "First", "grades": ["excellent"], "amount": 10000},
                    {
                        "key": "second",
                        "name_zh": "二等奖",
                        "name_en": "Second",
                        "grades": ["competent"],
                        "relative_to": "first",
                        "relative_factor": 0.9,
                    },
                ],
                "pay_percent_by_grade": {"basically_competent": 90},
            },
            "flags": [
                {"key": "below_60_twice", "name_zh": "连续两年低于60分", "name_en": "Below 60 twice", "below": 60}
            ],
        },
        source="bench_city",
    )


def city_inputs():
    from appraisal.engine.synthetic import synthetic_inputs

    scheme = city_scheme()
    inputs = synthetic_inputs(
        scheme,
        groups=UNITS,
        per_group=PER_UNIT,
        ballots_per_person=BALLOTS_EACH,
        claims_per_person=0.5,
        veto_rate=0.01,
        seed=7,
    )
    return scheme, inputs


def run_engine(state):
    from appraisal.engine import compute

    scheme, inputs = state
    return compute(scheme, inputs).appraisees


def run_engine_explained(state):
    from appraisal.engine import compute

    scheme, inputs = state
    return compute(scheme, inputs).explanations


def _floor_plan(scheme):
    """What the floor needs from the scheme, read once (not timed): each leaf's part, the
    parts' points and weights, the rater groups' weights, each claim's points, the caps,
    the quota."""
    nodes = scheme.node_map()
    part_of = {}
    for part in scheme.parts():
        stack = [nodes[part.indicator]]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if not node.children:
                part_of[node.key] = part.indicator
    ballot = next(node for node in scheme.leaves() if node.method.kind == "ballot")
    claim_points, dedup = {}, {}
    for rule in scheme.adjustments.rules:
        for level in rule.levels:
            claim_points[(rule.key, level.key)] = (rule.kind, level.points)
        claim_points[(rule.key, "")] = (rule.kind, rule.points or 0.0)
        dedup[rule.key] = rule.dedup_group or ""
    return {
        "part_of": part_of,
        "parts": [(part.indicator, nodes[part.indicator].points, part.weight) for part in scheme.parts()],
        "ballot": ballot.key,
        "scale_max": ballot.method.scale_max,
        "rater_weights": {group.key: group.weight for group in ballot.method.rater_groups},
        "claim_points": claim_points,
        "dedup_group": dedup,
        "share_factor": scheme.adjustments.share_factor,
        "bonus_cap": scheme.adjustments.bonus_cap,
        "tie_breaks": [tie_break.indicator for tie_break in scheme.ranking.tie_breaks],
        "quota": scheme.quotas[0].ratio,
        "total_points": scheme.settings.total_points,
        "precision": scheme.settings.precision,
    }


def floor_inputs():
    scheme, inputs = city_inputs()
    return _floor_plan(scheme), inputs


def _floor_claims(plan, claims, ids, n):
    """Bonus − penalty per appraisee: verified claims, points × count (a de-duplicated
    claim once, at its highest level), × the share factor when shared, bonus capped."""
    import numpy as np
    import pandas as pd

    claims = claims[claims["verified"].to_numpy(dtype=bool)]
    kind_points = [plan["claim_points"][key] for key in zip(claims["rule"], claims["level"])]
    unit = np.array([points for _, points in kind_points])
    bonus = np.array([kind == "bonus" for kind, _ in kind_points])
    group = claims["rule"].map(plan["dedup_group"]).to_numpy()
    keyed = (group != "") & (claims["dedup_key"] != "").to_numpy()
    code = ids.get_indexer(claims["appraisee_id"])
    frame = pd.DataFrame({"code": code, "group": group, "key": claims["dedup_key"].to_numpy(), "unit": unit})
    first = frame[keyed].sort_values("unit", ascending=False, kind="stable")
    duplicate = np.zeros(len(frame), dtype=bool)
    duplicate[first.index[first.duplicated(["code", "group", "key"])]] = True
    points = np.where(keyed, unit, unit * claims["count"].to_numpy()) * ~duplicate
    points = points * np.where(claims["sharers"].to_numpy() > 1, plan["share_factor"], 1.0)
    total_bonus = np.minimum(np.bincount(code[bonus], points[bonus], n), plan["bonus_cap"])
    return total_bonus - np.bincount(code[~bonus], points[~bonus], n)


def run_floor(state):
    """The engine's core path, written as tightly as numpy allows (see the README): read
    every table the engine reads, hash each id and key column once, total the scores per
    part, the weighted ballot mean (a rater group without ballots gives its weight to the
    others), the claims (de-duplicated, shared, capped), the composite (四舍五入), the
    ranks inside the groups (1-2-2-4) and the excellent quota (ratio × group size, 四舍五入)
    given down the order (composite, the tie breaks, the id), skipping the vetoed."""
    import numpy as np
    import pandas as pd

    from appraisal.engine.numeric import round_half_up

    plan, inputs = state
    appraisees = inputs.appraisees.sort_values("appraisee_id")
    ids = pd.Index(appraisees["appraisee_id"].to_numpy(dtype=object))
    n = len(ids)
    parts = [key for key, _, _ in plan["parts"]]
    scores = inputs.scores
    indicator, leaves = pd.factorize(scores["indicator"])
    part = pd.Index(parts).get_indexer(pd.Index(leaves).map(plan["part_of"]))[indicator]
    slot = ids.get_indexer(scores["appraisee_id"]) * len(parts) + part
    totals = np.bincount(slot, scores["value"].to_numpy(), n * len(parts)).reshape(n, len(parts))
    ballots = inputs.ballots
    group, groups = pd.factorize(ballots["rater_group"])
    slot = ids.get_indexer(ballots["appraisee_id"]) * len(groups) + group
    count = np.bincount(slot, minlength=n * len(groups)).reshape(n, len(groups))
    sums = np.bincount(slot, ballots["score"].to_numpy(), n * len(groups)).reshape(n, len(groups))
    weights = np.array([plan["rater_weights"][key] for key in groups])
    means = np.divide(sums, count, out=np.zeros_like(sums), where=count > 0)
    present = (count > 0) @ weights
    ballot = np.divide(means @ weights, present, out=np.zeros(n), where=present > 0)
    totals[:, parts.index(plan["ballot"])] = ballot / plan["scale_max"] * plan["parts"][0][1]
    scale = np.array([weight * plan["total_points"] / points for _, points, weight in plan["parts"]])
    base = totals @ scale
    adjustment = _floor_claims(plan, inputs.claims, ids, n)
    composite = round_half_up(base + adjustment, plan["precision"])
    vetoed = ids.isin(inputs.vetoes["appraisee_id"])
    group_code, _ = pd.factorize(appraisees["ranking_group"], sort=True)
    ties = [-round_half_up(totals[:, parts.index(key)], plan["precision"]) for key in reversed(plan["tie_breaks"])]
    order = np.lexsort([np.arange(n), *ties, -composite, group_code])
    ordered_group, ordered_composite = group_code[order], composite[order]
    start = np.r_[True, ordered_group[1:] != ordered_group[:-1]]
    start_index = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    new_value = start | np.r_[True, ordered_composite[1:] != ordered_composite[:-1]]
    rank = np.empty(n)
    rank[order] = np.maximum.accumulate(np.where(new_value, np.arange(n), 0)) - start_index + 1
    size = np.bincount(group_code)
    places = round_half_up(size * plan["quota"], 0)[ordered_group]
    eligible = ~vetoed[order]
    running = np.cumsum(eligible)
    within = running - (running - eligible)[start_index]
    excellent = np.empty(n, dtype=bool)
    excellent[order] = eligible & (within <= places)
    return pd.DataFrame({"appraisee_id": ids, "composite": composite, "rank": rank, "excellent": excellent})


def benchmarks():
    return [
        Benchmark("engine_city_20k", city_inputs, run_engine),
        Benchmark("engine_floor_20k", floor_inputs, run_floor),
        Benchmark("engine_city_20k_with_explanations", city_inputs, run_engine_explained, runs=3),
    ]
