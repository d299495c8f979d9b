"""The engine against a plain reference implementation (hypothesis).

The reference computes a simple scheme one appraisee at a time, in plain Python with exact
fractions — no numpy, no pandas, nothing shared with the engine: entered scores (clipped,
one given as a completion %), a ballot leaf with two weighted rater groups (a group without
ballots gives its weight to the other), a bonus (capped) and a penalty, the composite
rounded half up (四舍五入), competition ranks inside groups (1-2-2-4), an excellent quota
of 20 % per group (places rounded half up) given down the order of the composite, skipping
the vetoed and those below the competent band's 80 (the quota floor), where a tie at the line
that the places left cannot hold takes no place at all (并列待定: this scheme has no tie-break
chain, and an id decides nothing), grade bands, and a veto's grade cap.  The engine is vectorised over
appraisees; the two must agree on every appraisee, whatever the row order of the inputs."""

from fractions import Fraction

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.engine import Inputs, build_scheme, compute

SCHEME = build_scheme(
    {
        "key": "reference",
        "name_zh": "参照",
        "name_en": "Reference",
        "appraisee_kind": "individual",
        "indicators": [
            {
                "key": "work",
                "name_zh": "工作",
                "name_en": "Work",
                "points": 60,
                "children": [
                    {"key": "w1", "name_zh": "甲", "name_en": "W1", "points": 30, "method": {"kind": "entered"}},
                    {"key": "w2", "name_zh": "乙", "name_en": "W2", "points": 30, "method": {"kind": "entered"}},
                ],
            },
            {
                "key": "conduct",
                "name_zh": "作风",
                "name_en": "Conduct",
                "points": 20,
                "method": {"kind": "entered", "input": "percent"},
            },
            {
                "key": "vote",
                "name_zh": "测评",
                "name_en": "Vote",
                "points": 20,
                "method": {
                    "kind": "ballot",
                    "rater_groups": [
                        {"key": "leaders", "name_zh": "领导", "name_en": "Leaders", "weight": 0.4},
                        {"key": "staff", "name_zh": "职工", "name_en": "Staff", "weight": 0.6},
                    ],
                },
            },
        ],
        "adjustments": {
            "bonus_cap": 3,
            "rules": [
                {"key": "merit", "name_zh": "表彰", "name_en": "Merit", "kind": "bonus", "points": 1},
                {"key": "late", "name_zh": "迟报", "name_en": "Late", "kind": "penalty", "points": 0.5},
            ],
        },
        "vetoes": [
            {"key": "bad", "name_zh": "违纪", "name_en": "Bad", "effects": {"grade_cap": "basic"}},
        ],
        "ranking": {"group_by": "ranking_group"},
        "quotas": [{"key": "excellent", "name_zh": "优秀", "name_en": "Excellent", "ratio": 0.2}],
        "grades": {
            "bands": [
                {"key": "excellent", "name_zh": "优秀", "name_en": "Excellent", "quota": "excellent"},
                {"key": "competent", "name_zh": "称职", "name_en": "Competent", "min_score": 80},
                {"key": "basic", "name_zh": "基本称职", "name_en": "Basic", "min_score": 60},
                {"key": "incompetent", "name_zh": "不称职", "name_en": "Incompetent"},
            ]
        },
    },
    source="test_reference",
)
BANDS = ["excellent", "competent", "basic", "incompetent"]
WEIGHTS = {"leaders": Fraction(2, 5), "staff": Fraction(3, 5)}
tenths = st.integers(-50, 350).map(lambda x: Fraction(x, 10))  # −5.0 … 35.0 (clipped to 0 … 30)


def half_up(value: Fraction, digits: int) -> Fraction:
    scaled = abs(value) * 10**digits
    whole = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)  # ⌊scaled + ½⌋
    return Fraction(whole if value >= 0 else -whole, 10**digits)


@st.composite
def populations(draw):
    groups = draw(st.integers(1, 3))
    people = []
    for g in range(groups):
        for _ in range(draw(st.integers(1, 12))):
            people.append({"id": f"A{len(people):03d}", "group": f"G{g}"})
    for person in people:
        person["w1"] = draw(st.none() | tenths)
        person["w2"] = draw(st.none() | tenths)
        person["conduct"] = draw(st.none() | st.integers(0, 1200).map(lambda x: Fraction(x, 10)))
        person["ballots"] = {group: draw(st.lists(st.integers(0, 100), max_size=5)) for group in ("leaders", "staff")}
        person["merit"] = draw(st.integers(0, 5))
        person["late"] = draw(st.integers(0, 3))
        person["vetoed"] = draw(st.integers(0, 3)) == 0
    return people, draw(st.randoms(use_true_random=False))


def reference_composite(person) -> Fraction:
    """One appraisee's composite, from their own inputs only."""
    total = Fraction(0)
    for leaf in ("w1", "w2"):
        if person[leaf] is not None:
            total += min(max(person[leaf], Fraction(0)), Fraction(30))
    if person["conduct"] is not None:
        total += min(max(person["conduct"] * 20 / 100, Fraction(0)), Fraction(20))
    present = {group: lines for group, lines in person["ballots"].items() if lines}
    if present:
        weighted = sum(WEIGHTS[group] * Fraction(sum(lines), len(lines)) for group, lines in present.items())
        total += weighted / sum(WEIGHTS[group] for group in present) / 100 * 20
    total += min(Fraction(person["merit"]), Fraction(3)) - Fraction(person["late"], 2)
    return half_up(total, 2)


def reference(people) -> dict[str, dict]:
    """Composite, rank, quota place and grade per appraisee id."""
    out = {person["id"]: {"composite": reference_composite(person)} for person in people}
    for group in {person["group"] for person in people}:
        members = sorted(
            (person for person in people if person["group"] == group),
            key=lambda person: (-out[person["id"]]["composite"], person["id"]),
        )
        places = int(half_up(Fraction(len(members)) / 5, 0))
        eligible = [p for p in members if not p["vetoed"] and out[p["id"]]["composite"] >= 80]
        chosen = eligible[:places]
        if chosen and len(eligible) > len(chosen):
            last, first_out = out[chosen[-1]["id"]]["composite"], out[eligible[len(chosen)]["id"]]["composite"]
            if last == first_out:  # the tie straddles the line: pending, none of it placed
                chosen = [p for p in chosen if out[p["id"]]["composite"] != last]
        placed = {p["id"] for p in chosen}
        for person in members:
            mine = out[person["id"]]
            mine["rank"] = 1 + sum(out[other["id"]]["composite"] > mine["composite"] for other in members)
            mine["excellent"] = person["id"] in placed
    for person in people:
        mine = out[person["id"]]
        by_score = (key for key, least in (("competent", 80), ("basic", 60)) if mine["composite"] >= least)
        band = "excellent" if mine["excellent"] else next(by_score, "incompetent")
        if person["vetoed"] and BANDS.index(band) < BANDS.index("basic"):
            band = "basic"
        mine["grade"] = band
    return out


def as_inputs(people, shuffle) -> Inputs:
    """The same population as engine input tables, in a shuffled row order."""
    scores, ballots, claims = [], [], []
    for person in people:
        for leaf in ("w1", "w2", "conduct"):
            if person[leaf] is not None:
                scores.append({"appraisee_id": person["id"], "indicator": leaf, "value": float(person[leaf])})
        for group, lines in person["ballots"].items():
            ballots += [{"appraisee_id": person["id"], "rater_group": group, "score": float(s)} for s in lines]
        for rule in ("merit", "late"):
            if person[rule]:
                claims.append({"appraisee_id": person["id"], "rule": rule, "count": float(person[rule])})
    vetoes = [{"appraisee_id": person["id"], "veto": "bad"} for person in people if person["vetoed"]]
    for rows in (people, scores, ballots, claims, vetoes):
        shuffle(rows)
    appraisees = [
        {"appraisee_id": person["id"], "name": person["id"], "ranking_group": person["group"]} for person in people
    ]

    def frame(rows, columns):
        return pd.DataFrame(rows, columns=columns)

    return Inputs(
        appraisees=frame(appraisees, ["appraisee_id", "name", "ranking_group"]),
        scores=frame(scores, ["appraisee_id", "indicator", "value"]),
        ballots=frame(ballots, ["appraisee_id", "rater_group", "score"]),
        claims=frame(claims, ["appraisee_id", "rule", "count"]),
        vetoes=frame(vetoes, ["appraisee_id", "veto"]),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations())
def test_the_engine_agrees_with_a_one_appraisee_at_a_time_reference(case):
    people, random = case
    expected = reference([dict(person) for person in people])
    result = compute(SCHEME, as_inputs([dict(person) for person in people], random.shuffle)).appraisees
    for row in result.itertuples():
        want = expected[row.appraisee_id]
        assert Fraction(str(row.composite)) == want["composite"], row.appraisee_id
        assert (row.rank, bool(row.quota_excellent), row.grade) == (want["rank"], want["excellent"], want["grade"]), (
            row.appraisee_id
        )
    assert len(result) == len(people)
