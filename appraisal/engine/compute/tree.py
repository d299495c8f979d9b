"""Scoring the indicator tree: one vectorised pass per leaf method, then sums upward."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..numeric import count_per, exact_sum
from ..scheme import Scheme
from .prepare import Prepared


class TreeScores:
    """Node scores (one array per indicator key) and the details explanations need."""

    def __init__(self, n: int):
        self.n = n
        self.score: dict[str, np.ndarray] = {}
        self.missing: dict[str, np.ndarray] = {}   # leaf → no input for this appraisee
        self.detail: dict[str, np.ndarray] = {}    # e.g. 'ballot_demo_staff' → group mean
        self.items_mismatch = np.zeros(n, dtype=bool)


def _split_by(df: pd.DataFrame, col: str) -> dict[str, pd.DataFrame]:
    if not len(df):
        return {}
    return {k: g for k, g in df.groupby(col, sort=True, observed=True)}


def _leaf_rows(groups: dict, key: str, empty: pd.DataFrame) -> pd.DataFrame:
    return groups.get(key, empty)


def score_tree(scheme: Scheme, p: Prepared) -> TreeScores:
    n = p.n
    ts = TreeScores(n)
    scores = _split_by(p.scores, "indicator")
    items = _split_by(p.items, "indicator")
    ballots = _split_by(p.ballots, "indicator")
    empty_s, empty_i, empty_b = p.scores.iloc[:0], p.items.iloc[:0], p.ballots.iloc[:0]

    for node in scheme.leaves():
        m, key, pts = node.method, node.key, float(node.points)
        rows = _leaf_rows(scores, key, empty_s)
        codes = rows["code"].to_numpy()
        vals = rows["value"].to_numpy(dtype="float64")
        if m.kind == "entered":
            have = count_per(codes, n) > 0
            v = exact_sum(codes, vals, n)
            if m.input == "percent":
                v = v * pts / 100.0
            if m.clip:
                v = np.clip(v, 0.0, pts)
            ts.score[key] = np.where(have, v, 0.0)
            ts.missing[key] = ~have
        elif m.kind == "deductions":
            total = np.zeros(n)
            item_col = rows["item"].to_numpy()
            for d in m.items:
                sel = item_col == d.key
                cnt = exact_sum(codes[sel], vals[sel], n)
                ts.detail[f"count_{key}_{d.key}"] = cnt
                total += cnt * d.points_each
            ts.score[key] = np.maximum(pts - total, m.floor)
            ts.missing[key] = np.zeros(n, dtype=bool)
        elif m.kind == "ratio":
            item_col = rows["item"].to_numpy()
            a_sel, t_sel = item_col == "actual", item_col == "target"
            actual = exact_sum(codes[a_sel], vals[a_sel], n)
            target = exact_sum(codes[t_sel], vals[t_sel], n)
            have = (count_per(codes[a_sel], n) > 0) & (count_per(codes[t_sel], n) > 0)
            ratio = np.divide(actual, target, out=np.zeros(n), where=target > 0)
            pct = (ratio - 1.0) * 100.0
            if m.whole_points:
                pct = np.trunc(np.round(pct, 9))
            base = pts * np.minimum(ratio, 1.0) if m.proportional else np.full(n, pts)
            over = np.maximum(pct, 0.0) * m.per_point_over
            under = np.maximum(-pct, 0.0) * m.per_point_under
            if m.cap_over is not None:
                over = np.minimum(over, m.cap_over)
            if m.cap_under is not None:
                under = np.minimum(under, m.cap_under)
            ts.score[key] = np.where(have, np.maximum(base + over - under, m.floor), 0.0)
            ts.missing[key] = ~have
            ts.detail[f"ratio_{key}"] = np.where(have, ratio, np.nan)
        elif m.kind == "count":
            cnt = exact_sum(codes, vals, n)
            extra = (cnt - m.threshold) * m.points_each
            if m.cap is not None:
                extra = np.minimum(extra, m.cap)
            ts.score[key] = np.maximum(m.base + extra, m.floor)
            ts.missing[key] = np.zeros(n, dtype=bool)
            ts.detail[f"count_{key}"] = cnt
        elif m.kind == "average":
            k = count_per(codes, n)
            mean = np.divide(exact_sum(codes, vals, n), k, out=np.zeros(n), where=k > 0)
            ts.score[key] = mean / (m.scale_max or pts) * pts
            ts.missing[key] = k == 0
        elif m.kind == "ballot":
            _score_ballot(ts, node, _leaf_rows(ballots, key, empty_b), rows, n)
        elif m.kind == "items":
            _score_items(ts, node, _leaf_rows(items, key, empty_i), n,
                         scheme.settings.points_tolerance)

    for _, node in reversed(list(scheme.nodes())):  # children before parents
        if node.children:
            ts.score[node.key] = np.sum([ts.score[c.key] for c in node.children], axis=0)
    return ts


def _score_ballot(ts: TreeScores, node, ballots: pd.DataFrame, entered: pd.DataFrame,
                  n: int) -> None:
    m, key, pts = node.method, node.key, float(node.points)
    codes = ballots["code"].to_numpy()
    vals = ballots["score"].to_numpy(dtype="float64")
    if m.rater_groups:
        grp = ballots["rater_group"].to_numpy()
        num = np.zeros(n)
        wsum = np.zeros(n)
        total_w = 0.0
        for g in m.rater_groups:
            sel = grp == g.key
            k = count_per(codes[sel], n)
            mean = np.divide(exact_sum(codes[sel], vals[sel], n), k, out=np.zeros(n), where=k > 0)
            present = k > 0
            ts.detail[f"ballot_{key}_{g.key}"] = np.where(present, mean, np.nan)
            ts.detail[f"ballots_{key}_{g.key}_n"] = k
            num += np.where(present, mean * g.weight, 0.0)
            wsum += np.where(present, g.weight, 0.0)
            total_w += g.weight
        denom = wsum if m.redistribute_missing else np.full(n, total_w)
        combined = np.divide(num, denom, out=np.zeros(n), where=denom > 0)
        have = wsum > 0
        ts.detail[f"ballot_{key}_weight_present"] = wsum
    else:
        k = count_per(codes, n)
        combined = np.divide(exact_sum(codes, vals, n), k, out=np.zeros(n), where=k > 0)
        have = k > 0
    ts.detail[f"ballot_{key}"] = np.where(have, combined, np.nan)
    score = combined / m.scale_max * pts
    if m.prefer_entered and len(entered):
        ecodes = entered["code"].to_numpy()
        ent_have = count_per(ecodes, n) > 0
        ent = exact_sum(ecodes, entered["value"].to_numpy(dtype="float64"), n)
        score = np.where(ent_have, ent / m.scale_max * pts, score)
        ts.detail[f"entered_{key}"] = np.where(ent_have, ent, np.nan)
        have = have | ent_have
    ts.score[key] = np.where(have, score, 0.0)
    ts.missing[key] = ~have


def _score_items(ts: TreeScores, node, items: pd.DataFrame, n: int, tol: float) -> None:
    m, key, pts = node.method, node.key, float(node.points)
    codes = items["code"].to_numpy()
    ipts = items["points"].to_numpy(dtype="float64")
    vals = items["value"].to_numpy(dtype="float64")
    if m.input == "percent":
        vals = vals * ipts / 100.0
    vals = np.clip(vals, 0.0, ipts)
    k = count_per(codes, n)
    ts.score[key] = exact_sum(codes, vals, n)
    psum = exact_sum(codes, ipts, n)
    ts.detail[f"items_{key}_points"] = psum
    ts.detail[f"items_{key}_n"] = k
    ts.missing[key] = k == 0
    ts.items_mismatch |= (k > 0) & (np.abs(psum - pts) > tol)
