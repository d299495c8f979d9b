"""compute(scheme, inputs) -> Results: the whole pipeline, vectorised over appraisees."""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ..numeric import round_half_up
from ..scheme import Scheme, scheme_hash
from .adjustments import apply_adjustments
from .awards import assign_awards
from .explain import explain
from .flags import history_flags
from .inputs import Inputs
from .outcomes import allocate_quotas, assign_grades, veto_state
from .prepare import prepare
from .ranking import rank
from .results import Results
from .tree import score_tree


def _join(masks: list[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    """Comma-joined labels where each mask is true (vectorised over appraisees)."""
    out = np.full(n, "", dtype=object)
    for label, m in masks:
        if not m.any():
            continue
        out = np.where(m, np.where(out == "", label, out + "," + label), out)
    return out


def compute(scheme: Scheme, inputs: Inputs, *, row_offset: int = 1) -> Results:
    """Compute one cycle.  Raises InputErrors (all problems) when the inputs are bad."""
    p = prepare(scheme, inputs, row_offset)
    n, prec = p.n, scheme.settings.precision
    ts = score_tree(scheme, p)
    adj = apply_adjustments(scheme, p)
    nmap = scheme.node_map()
    parts = scheme.parts()
    contrib = {}
    for part in parts:
        s = ts.score[part.indicator]
        if scheme.composition.method == "weighted":
            s = s / nmap[part.indicator].points * part.weight * scheme.settings.total_points
        contrib[part.indicator] = s
    base = np.sum(list(contrib.values()), axis=0) if contrib else np.zeros(n)
    composite = round_half_up(base + adj.total, prec)
    composite = np.where(p.ranked, composite, np.nan)
    ranked_comp = np.where(p.ranked, composite, -np.inf)

    tie_values = []
    for tb in scheme.ranking.tie_breaks:
        v = {"bonus": adj.bonus, "penalty": adj.penalty}.get(tb.indicator)
        v = ts.score[tb.indicator] if v is None else v
        tie_values.append((round_half_up(v, prec), tb.order))
    rk = rank(scheme, p.appraisees, ranked_comp, p.ranked, tie_values)
    vs = veto_state(scheme, p)
    qs = allocate_quotas(scheme, p, rk, ranked_comp, vs)
    gs = assign_grades(scheme, p, ranked_comp, qs, vs)
    aws = assign_awards(scheme, p, rk, ranked_comp, qs, vs, gs)
    hf = history_flags(scheme, p, ranked_comp, gs.idx)

    a = p.appraisees
    cols: dict[str, object] = {c: a[c] for c in a.columns}
    for _, node in scheme.nodes():
        cols[f"score_{node.key}"] = round_half_up(ts.score[node.key], prec)
    for k, v in contrib.items():
        cols[f"part_{k}"] = round_half_up(v, prec)
    cols["base_score"] = round_half_up(base, prec)
    for r in scheme.adjustments.rules:
        cols[f"adj_{r.key}"] = round_half_up(adj.per_rule[r.key], prec)
    cols["bonus_raw"] = round_half_up(adj.bonus_raw, prec)
    cols["bonus"] = round_half_up(adj.bonus, prec)
    cols["penalty_raw"] = round_half_up(adj.penalty_raw, prec)
    cols["penalty"] = round_half_up(adj.penalty, prec)
    cols["adjustment"] = round_half_up(adj.total, prec)
    cols["composite"] = composite
    cols["vetoes"] = _join([(k, m) for k, m in vs.has.items()], n)
    cols["vetoed"] = vs.any
    cols["group"] = rk.group
    cols["rank"] = pd.array(np.where(p.ranked, rk.rank, np.nan), dtype="Int64")
    cols["position"] = rk.position
    cols["group_size"] = rk.group_size
    for q in scheme.quotas:
        cols[f"quota_{q.key}"] = qs.held[q.key]
        cols[f"quota_{q.key}_places"] = qs.size[q.key]
        cols[f"quota_{q.key}_line"] = qs.line[q.key]
    bands = scheme.grades.bands
    keys = np.array([b.key for b in bands] + [""], dtype=object)
    zh = np.array([b.name_zh for b in bands] + [""], dtype=object)
    en = np.array([b.name_en for b in bands] + [""], dtype=object)
    cols["grade"] = keys[gs.idx]
    cols["grade_zh"] = zh[gs.idx]
    cols["grade_en"] = en[gs.idx]
    cols["grade_by_score"] = keys[gs.by_score_idx]
    rule_txt = np.array([_band_rule(i, b) for i, b in enumerate(bands)] + [""], dtype=object)
    cols["grade_rule"] = np.where(gs.capped, "veto: grade capped at " + cols["grade"],
                                  np.where(gs.overridden, "grade_override: given from outside",
                                           rule_txt[gs.idx]))
    tiers = scheme.awards.tiers
    tk = np.array([t.key for t in tiers] + [""], dtype=object)
    tz = np.array([t.name_zh for t in tiers] + [""], dtype=object)
    te = np.array([t.name_en for t in tiers] + [""], dtype=object)
    cols["award"] = np.where(aws.rollup, "rollup", tk[aws.tier_idx])
    cols["award_zh"] = np.where(aws.rollup, "平均奖", tz[aws.tier_idx])
    cols["award_en"] = np.where(aws.rollup, "average of supervised", te[aws.tier_idx])
    cols["award_amount"] = round_half_up(aws.amount, 2)
    cols["pay_percent"] = aws.pay_percent
    cols["award_paid"] = round_half_up(aws.paid, 2)
    for k, m in hf.items():
        cols[f"flag_{k}"] = m
    head_may = np.zeros(n, dtype=bool)
    for i, t in enumerate(tiers):
        if t.head_may_be_excellent:
            head_may |= aws.tier_idx == i
    bonus_capped = adj.bonus_raw > adj.bonus + 1e-9
    penalty_capped = adj.penalty_raw > adj.penalty + 1e-9
    missing = _join([(k, m) for k, m in ts.missing.items()], n)
    cols["flags"] = _join([*hf.items(),
                           ("head_not_excellent", vs.head_not_excellent),
                           ("head_may_be_excellent", head_may),
                           ("bonus_capped", bonus_capped), ("penalty_capped", penalty_capped),
                           ("items_points_mismatch", ts.items_mismatch),
                           ("missing_inputs", missing != "")], n)
    cols["missing_inputs"] = missing
    frame = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v)
                          for k, v in cols.items()})
    for c in frame.columns:
        if frame[c].dtype == object:
            frame[c] = frame[c].astype("str")
    frame = frame.take(rk.order_group).reset_index(drop=True)

    groups = _groups(scheme, frame)
    h = scheme_hash(scheme)
    res = Results(frame, adj.claims, groups, scheme.key, scheme.version, h)
    # built on first access; a partial (not a lambda) so that results can be pickled
    res._explain = functools.partial(explain, scheme, frame, adj.claims, ts, rk, p, vs)
    return res


def _band_rule(i: int, b) -> str:
    conds = []
    if b.min_score is not None:
        conds.append(f"composite >= {b.min_score:g}")
    if b.quota is not None:
        conds.append(f"holds quota {b.quota}")
    return f"grades.bands[{i}] {b.key}: " + (" and ".join(conds) if conds else "otherwise")


def _groups(scheme: Scheme, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per ranking group: size, and places/given per quota (numpy bincounts)."""
    ranked = (frame["position"] > 0).to_numpy()
    codes, labels = pd.factorize(frame["group"].to_numpy(dtype=object)[ranked], sort=True)
    k = len(labels)
    out = {"group": pd.array(np.asarray(labels, dtype=object), dtype="str"),
           "size": np.bincount(codes, minlength=k)}
    for q in scheme.quotas:
        places = np.zeros(k, dtype="int64")
        np.maximum.at(places, codes, frame[f"quota_{q.key}_places"].to_numpy()[ranked])
        out[f"{q.key}_places"] = places
        out[f"{q.key}_given"] = np.bincount(
            codes, weights=frame[f"quota_{q.key}"].to_numpy()[ranked], minlength=k).astype("int64")
    return pd.DataFrame(out)
