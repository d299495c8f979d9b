"""The engine on a synthetic city: 20,000 people in 400 units, 30 indicator scores each,
1,000,000 ballot lines, adjustments and vetoes; and the floor: one pandas pass that only
sums the same scores and averages the same ballots per appraisee."""

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


def run_floor(state):
    _, inputs = state
    total = inputs.scores.groupby("appraisee_id")["value"].sum()
    ballots = inputs.ballots.groupby("appraisee_id")["score"].mean()
    return total.add(ballots, fill_value=0)


def benchmarks():
    return [
        Benchmark("engine_city_20k", city_inputs, run_engine),
        Benchmark("engine_floor_20k", city_inputs, run_floor),
        Benchmark("engine_city_20k_with_explanations", city_inputs, run_engine_explained, runs=3),
    ]
