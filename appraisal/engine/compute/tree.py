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


class Long:
    """The rows of a long input table grouped by indicator, as numpy arrays (one stable
    argsort instead of a boolean mask per indicator)."""

    def __init__(self, df: pd.DataFrame, value_col: str, label_col: str | None):
        self.code = df["code"].to_numpy()
        self.value = df[value_col].to_numpy(dtype="float64")
        ind = df["indicator"]
        cats = ind.cat.categories.to_numpy(dtype=object) if len(df) else np.zeros(0, object)
        codes = ind.cat.codes.to_numpy() if len(df) else np.zeros(0, "int64")
        order = (np.arange(len(codes)) if len(cats) <= 1
                 else np.argsort(codes, kind="stable"))
        bounds = np.searchsorted(codes[order], np.arange(len(cats) + 1))
        self.slices = {cats[i]: order[bounds[i]:bounds[i + 1]] for i in range(len(cats))}
        self.empty = np.zeros(0, dtype="int64")
        if label_col is not None and len(df):
            self.label_codes = df[label_col].cat.codes.to_numpy()
            self.label_cats = df[label_col].cat.categories.to_numpy(dtype=object)
        else:
            self.label_codes, self.label_cats = np.zeros(0, "int64"), np.zeros(0, object)

    def rows(self, key: str) -> np.ndarray:
        return self.slices.get(key, self.empty)

    def label_pos(self, idx: np.ndarray, labels: list[str]) -> np.ndarray:
        """For rows idx: the position of their label (item, rater group) in labels, or -1."""
        pos = pd.Index(labels, dtype=object).get_indexer(self.label_cats)
        return np.append(pos, -1)[self.label_codes[idx]]


def score_tree(scheme: Scheme, p: Prepared) -> TreeScores:
    n = p.n
    ts = TreeScores(n)
    scores = Long(p.scores, "value", "item")
    items = Long(p.items, "value", None)
    items_points = p.items["points"].to_numpy(dtype="float64")
    ballots = Long(p.ballots, "score", "rater_group")

    for node in scheme.leaves():
        m, key, pts = node.method, node.key, float(node.points)
        rows = scores.rows(key)
        codes = scores.code[rows]
        vals = scores.value[rows]
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
            item_pos = scores.label_pos(rows, [d.key for d in m.items])
            if m.charge_supervisor:  # shared with the supervising leader (setting)
                personal = np.isin(item_pos, [i for i, d in enumerate(m.items)
                                              if d.key in m.personal_items])
                sup = p.supervisor_code[codes]
                extra = ~personal & (sup >= 0) & (item_pos >= 0)
                shared = np.zeros(n)
                np.add.at(shared, sup[extra], vals[extra] * np.array(
                    [d.points_each for d in m.items])[item_pos[extra]])
                ts.detail[f"supervised_{key}"] = shared
                codes = np.r_[codes, sup[extra]]
                vals = np.r_[vals, vals[extra]]
                item_pos = np.r_[item_pos, item_pos[extra]]
            for i, d in enumerate(m.items):
                sel = item_pos == i
                cnt = exact_sum(codes[sel], vals[sel], n)
                ts.detail[f"count_{key}_{d.key}"] = cnt
                total += cnt * d.points_each
            ts.score[key] = np.maximum(pts - total, m.floor)
            ts.missing[key] = np.zeros(n, dtype=bool)
        elif m.kind == "ratio":
            item_pos = scores.label_pos(rows, ["actual", "target"])
            a_sel, t_sel = item_pos == 0, item_pos == 1
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
            _score_ballot(ts, node, ballots, codes, vals, n)
        elif m.kind == "items":
            idx = items.rows(key)
            _score_items(ts, node, items.code[idx], items_points[idx], items.value[idx], n,
                         scheme.settings.points_tolerance)

    for _, node in reversed(list(scheme.nodes())):  # children before parents
        if node.children:
            ts.score[node.key] = np.sum([ts.score[c.key] for c in node.children], axis=0)
    return ts


def _score_ballot(ts: TreeScores, node, ballots: Long, ecodes: np.ndarray, evals: np.ndarray,
                  n: int) -> None:
    m, key, pts = node.method, node.key, float(node.points)
    idx = ballots.rows(key)
    codes = ballots.code[idx]
    vals = ballots.value[idx]
    if m.rater_groups:
        G = len(m.rater_groups)
        grp = ballots.label_pos(idx, [g.key for g in m.rater_groups])
        slot = codes * G + grp  # one bincount for every (appraisee, group)
        k_all = np.bincount(slot, minlength=n * G)[: n * G].reshape(n, G)
        s_all = exact_sum(slot, vals, n * G).reshape(n, G)
        w = np.array([g.weight for g in m.rater_groups])
        present = k_all > 0
        means = np.divide(s_all, k_all, out=np.zeros((n, G)), where=present)
        for gi, g in enumerate(m.rater_groups):
            ts.detail[f"ballot_{key}_{g.key}"] = np.where(present[:, gi], means[:, gi], np.nan)
            ts.detail[f"ballots_{key}_{g.key}_n"] = k_all[:, gi]
        num = (means * w).sum(axis=1)
        wsum = (present * w).sum(axis=1)
        denom = wsum if m.redistribute_missing else np.full(n, w.sum())
        combined = np.divide(num, denom, out=np.zeros(n), where=denom > 0)
        have = wsum > 0
        ts.detail[f"ballot_{key}_weight_present"] = wsum
    else:
        k = count_per(codes, n)
        combined = np.divide(exact_sum(codes, vals, n), k, out=np.zeros(n), where=k > 0)
        have = k > 0
        ts.detail[f"ballots_{key}_n"] = k
    ts.detail[f"ballot_{key}"] = np.where(have, combined, np.nan)
    score = combined / m.scale_max * pts
    if m.prefer_entered and len(ecodes):
        ent_have = count_per(ecodes, n) > 0
        ent = exact_sum(ecodes, evals, n)
        score = np.where(ent_have, ent / m.scale_max * pts, score)
        ts.detail[f"entered_{key}"] = np.where(ent_have, ent, np.nan)
        have = have | ent_have
    ts.score[key] = np.where(have, score, 0.0)
    ts.missing[key] = ~have


def _score_items(ts: TreeScores, node, codes: np.ndarray, ipts: np.ndarray, vals: np.ndarray,
                 n: int, tol: float) -> None:
    m, key, pts = node.method, node.key, float(node.points)
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
