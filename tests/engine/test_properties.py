"""Property tests (hypothesis) over every template with synthetic inputs."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.engine import Inputs, compute, list_templates, load_template
from appraisal.engine.synthetic import synthetic_inputs

TEMPLATES = {t.key: load_template(t.key) for t in list_templates()}
KEYS = sorted(TEMPLATES)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cases = st.fixed_dictionaries(
    {
        "key": st.sampled_from(KEYS),
        "groups": st.integers(1, 4),
        "per_group": st.integers(1, 16),
        "veto_rate": st.sampled_from([0.0, 0.1, 0.3]),
        "seed": st.integers(0, 10_000),
    }
)


def make(case):
    scheme = TEMPLATES[case["key"]]
    inputs = synthetic_inputs(
        scheme, groups=case["groups"], per_group=case["per_group"], veto_rate=case["veto_rate"], seed=case["seed"]
    )
    return scheme, inputs


@SETTINGS
@given(cases)
def test_quotas_are_never_exceeded(case):
    scheme, inputs = make(case)
    res = compute(scheme, inputs).appraisees
    ranked = res.loc[res["position"] > 0]
    for q in scheme.quotas:
        pool = ranked["group"] if q.pool == "group" else pd.Series("all", index=ranked.index)
        given_ = ranked[f"quota_{q.key}"].groupby(pool).sum()
        places = ranked[f"quota_{q.key}_places"].groupby(pool).max()
        assert (given_ <= places).all(), q.key
    for t in scheme.awards.tiers:
        if t.count is not None:
            assert (ranked["award"] == t.key).sum() <= t.count * (ranked["group"].nunique() if t.pool == "group" else 1)


@SETTINGS
@given(cases)
def test_a_vetoed_appraisee_never_gets_an_award_or_quota_place(case):
    scheme, inputs = make(case)
    res = compute(scheme, inputs).appraisees.set_index("appraisee_id")
    for v in scheme.vetoes:
        hit = inputs.vetoes.loc[inputs.vetoes["veto"] == v.key, "appraisee_id"].unique()
        if v.effects.exclude_awards:
            assert (res.loc[hit, "award"] == "").all()
        if v.effects.exclude_quotas:
            for q in scheme.quotas:
                if q.exclude_vetoed:
                    assert not res.loc[hit, f"quota_{q.key}"].any()


def _raisable(scheme, inputs, rng):
    """A copy of the inputs with one raw score raised, and whose it was."""
    kinds = {n.key: n.method.kind for n in scheme.leaves()}
    s = inputs.scores
    ok = s["indicator"].map(kinds).isin(["entered", "average", "ballot"]) | (
        (s["indicator"].map(kinds) == "ratio") & (s.get("item", pd.Series("", index=s.index)) == "actual")
    )
    options = []
    if ok.any():
        options.append("scores")
    if len(inputs.ballots):
        options.append("ballots")
    if len(inputs.items):
        options.append("items")
    if not options:
        return None, None
    table = options[rng.integers(0, len(options))]
    if table == "scores":
        i = rng.choice(np.flatnonzero(ok.to_numpy()))
        frame = s.copy()
        frame.loc[frame.index[i], "value"] += rng.uniform(0.1, 20)
        col = frame
    else:
        frame = getattr(inputs, table).copy()
        i = rng.integers(0, len(frame))
        c = "score" if table == "ballots" else "value"
        raised = frame.loc[frame.index[i], c] + rng.uniform(0.1, 20)
        frame.loc[frame.index[i], c] = min(raised, 100) if table == "ballots" else raised
        col = frame
    who = frame["appraisee_id"].iloc[i]
    new = Inputs(**{**inputs.__dict__, table: col})
    return new, who


@SETTINGS
@given(cases)
def test_raising_one_raw_score_never_lowers_that_composite(case):
    scheme, inputs = make(case)
    rng = np.random.default_rng(case["seed"])
    raised, who = _raisable(scheme, inputs, rng)
    if raised is None:
        return
    before = compute(scheme, inputs).appraisees.set_index("appraisee_id")
    after = compute(scheme, raised).appraisees.set_index("appraisee_id")
    if pd.isna(before.loc[who, "composite"]):
        return
    assert after.loc[who, "composite"] >= before.loc[who, "composite"]


@SETTINGS
@given(cases)
def test_shuffling_input_rows_changes_nothing(case):
    scheme, inputs = make(case)
    rng = np.random.default_rng(case["seed"] + 1)
    shuffled = Inputs(
        **{
            name: frame.sample(frac=1.0, random_state=int(rng.integers(0, 2**31)))
            for name, frame in inputs.__dict__.items()
        }
    )
    a, b = compute(scheme, inputs), compute(scheme, shuffled)
    pd.testing.assert_frame_equal(a.appraisees, b.appraisees)
    pd.testing.assert_frame_equal(a.explanations, b.explanations)
    pd.testing.assert_frame_equal(a.adjustments, b.adjustments)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(50, 60), st.booleans()), min_size=1, max_size=40),
    st.lists(st.integers(0, 5), min_size=4, max_size=4),
)
def test_allocation_gives_the_best_eligible_places_and_never_too_many(rows, sizes):
    """The allocator alone: per pool at most `size` places, only to eligible appraisees,
    and nobody eligible is passed over for someone lower in the order."""
    from appraisal.engine.compute.ranking import allocate

    pool = np.array([r[0] for r in rows])
    comp = np.array([float(r[1]) for r in rows])
    eligible = np.array([r[2] for r in rows])
    order = np.lexsort((np.arange(len(rows)), -comp, pool))
    size = np.array(sizes)
    got = allocate(order, pool, eligible, size, comp)
    assert not (got & ~eligible).any()
    for g in range(4):
        members = order[pool[order] == g]
        chosen = got[members]
        assert chosen.sum() == min(size[g], eligible[members].sum())
        # the chosen are a prefix of the eligible in the order
        elig_members = members[eligible[members]]
        assert got[elig_members].tolist() == sorted(got[elig_members].tolist(), reverse=True)
