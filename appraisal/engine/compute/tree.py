"""Scoring the indicator tree: one vectorised pass per leaf (one function per scoring
method), then sums upward.  Every array is per appraisee, in the prepared order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..numeric import count_per, exact_sum
from ..scheme import Scheme
from ..scheme.indicators import Average, Ballot, Count, Deductions, Entered, Indicator, Items, Ratio
from .prepare import Prepared


class TreeScores:
    """Node scores (one array per indicator key) and the details explanations need."""

    def __init__(self, n: int):
        self.n = n
        self.score: dict[str, np.ndarray] = {}
        self.missing: dict[str, np.ndarray] = {}  # leaf → no input for this appraisee
        self.detail: dict[str, np.ndarray] = {}  # e.g. 'ballot_demo_staff' → group mean
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
        self.slices: dict[str, np.ndarray | slice]
        if len(cats) <= 1:  # one indicator (e.g. the ballots): every row, as a view
            self.slices = {cats[0]: slice(0, len(codes))} if len(cats) else {}
        else:
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(cats) + 1))
            self.slices = {cats[i]: order[bounds[i] : bounds[i + 1]] for i in range(len(cats))}
        self.empty = np.zeros(0, dtype="int64")
        if label_col is not None and len(df):
            self.label_codes = df[label_col].cat.codes.to_numpy()
            self.label_cats = df[label_col].cat.categories.to_numpy(dtype=object)
        else:
            self.label_codes, self.label_cats = np.zeros(0, "int64"), np.zeros(0, object)

    def rows(self, key: str) -> np.ndarray | slice:
        return self.slices.get(key, self.empty)

    def label_pos(self, idx: np.ndarray | slice, labels: list[str]) -> np.ndarray:
        """For rows idx: the position of their label (item, rater group) in labels, or -1."""
        pos = pd.Index(labels, dtype=object).get_indexer(self.label_cats)
        return np.append(pos, -1)[self.label_codes[idx]]


@dataclass
class _Tables:
    """The long input tables, grouped by indicator."""

    scores: Long
    items: Long
    item_points: np.ndarray
    ballots: Long


def score_tree(scheme: Scheme, prepared: Prepared) -> TreeScores:
    """Every leaf by its method, then each inner node as the sum of its children."""
    tree = TreeScores(prepared.n)
    tables = _Tables(
        Long(prepared.scores, "value", "item"),
        Long(prepared.items, "value", None),
        prepared.items["points"].to_numpy(dtype="float64"),
        Long(prepared.ballots, "score", "rater_group"),
    )
    for node in scheme.leaves():
        _score_leaf(tree, node, tables, prepared, scheme.settings.points_tolerance)
    for _, node in reversed(list(scheme.nodes())):  # children before parents
        if node.children:
            tree.score[node.key] = np.sum([tree.score[child.key] for child in node.children], axis=0)
    return tree


def _score_leaf(tree: TreeScores, node: Indicator, tables: _Tables, prepared: Prepared, tolerance: float) -> None:
    method, n = node.method, prepared.n
    rows = tables.scores.rows(node.key)
    codes, values = tables.scores.code[rows], tables.scores.value[rows]
    if isinstance(method, Entered):
        _score_entered(tree, node, method, codes, values, n)
    elif isinstance(method, Deductions):
        _score_deductions(tree, node, method, tables.scores, rows, prepared.supervisor_code, n)
    elif isinstance(method, Ratio):
        _score_ratio(tree, node, method, tables.scores, rows, n)
    elif isinstance(method, Count):
        _score_count(tree, node, method, codes, values, n)
    elif isinstance(method, Average):
        _score_average(tree, node, method, codes, values, n)
    elif isinstance(method, Ballot):
        _score_ballot(tree, node, method, tables.ballots, codes, values, n)
    elif isinstance(method, Items):
        item_rows = tables.items.rows(node.key)
        _score_items(
            tree,
            node,
            method,
            tables.items.code[item_rows],
            tables.item_points[item_rows],
            tables.items.value[item_rows],
            n,
            tolerance,
        )


def _score_entered(
    tree: TreeScores, node: Indicator, method: Entered, codes: np.ndarray, values: np.ndarray, n: int
) -> None:
    """The entered score, or a completion % of the points; clipped to 0..points."""
    points = float(node.points)
    have = count_per(codes, n) > 0
    score = exact_sum(codes, values, n)
    if method.input == "percent":
        score = score * points / 100.0
    if method.clip:
        score = np.clip(score, 0.0, points)
    tree.score[node.key] = np.where(have, score, 0.0)
    tree.missing[node.key] = ~have


def _score_deductions(
    tree: TreeScores,
    node: Indicator,
    method: Deductions,
    scores: Long,
    rows: np.ndarray | slice,
    supervisor_code: np.ndarray,
    n: int,
) -> None:
    """The points minus points_each × occurrences per item, never below the floor; with
    charge_supervisor, each non-personal deduction is also charged to the supervisor."""
    key = node.key
    codes, values = scores.code[rows], scores.value[rows]
    item_position = scores.label_pos(rows, [item.key for item in method.items])
    if method.charge_supervisor:  # shared with the supervising leader (setting)
        personal = np.isin(
            item_position, [i for i, item in enumerate(method.items) if item.key in method.personal_items]
        )
        supervisor = supervisor_code[codes]
        extra = ~personal & (supervisor >= 0) & (item_position >= 0)
        shared = np.zeros(n)
        np.add.at(
            shared,
            supervisor[extra],
            values[extra] * np.array([item.points_each for item in method.items])[item_position[extra]],
        )
        tree.detail[f"supervised_{key}"] = shared
        codes = np.r_[codes, supervisor[extra]]
        values = np.r_[values, values[extra]]
        item_position = np.r_[item_position, item_position[extra]]
    total = np.zeros(n)
    for i, item in enumerate(method.items):
        selected = item_position == i
        count = exact_sum(codes[selected], values[selected], n)
        tree.detail[f"count_{key}_{item.key}"] = count
        total += count * item.points_each
    tree.score[key] = np.maximum(float(node.points) - total, method.floor)
    tree.missing[key] = np.zeros(n, dtype=bool)


def _score_ratio(
    tree: TreeScores, node: Indicator, method: Ratio, scores: Long, rows: np.ndarray | slice, n: int
) -> None:
    """Actual against target: full (or proportional) points, plus or minus per percentage
    point over or under (capped), never below the floor."""
    key, points = node.key, float(node.points)
    codes, values = scores.code[rows], scores.value[rows]
    item_position = scores.label_pos(rows, ["actual", "target"])
    is_actual, is_target = item_position == 0, item_position == 1
    actual = exact_sum(codes[is_actual], values[is_actual], n)
    target = exact_sum(codes[is_target], values[is_target], n)
    have = (count_per(codes[is_actual], n) > 0) & (count_per(codes[is_target], n) > 0)
    ratio = np.divide(actual, target, out=np.zeros(n), where=target > 0)
    percent = (ratio - 1.0) * 100.0
    if method.whole_points:
        percent = np.trunc(np.round(percent, 9))
    base = points * np.minimum(ratio, 1.0) if method.proportional else np.full(n, points)
    over = np.maximum(percent, 0.0) * method.per_point_over
    under = np.maximum(-percent, 0.0) * method.per_point_under
    if method.cap_over is not None:
        over = np.minimum(over, method.cap_over)
    if method.cap_under is not None:
        under = np.minimum(under, method.cap_under)
    tree.score[key] = np.where(have, np.maximum(base + over - under, method.floor), 0.0)
    tree.missing[key] = ~have
    tree.detail[f"ratio_{key}"] = np.where(have, ratio, np.nan)


def _score_count(
    tree: TreeScores, node: Indicator, method: Count, codes: np.ndarray, values: np.ndarray, n: int
) -> None:
    """base + (count − threshold) × points_each, the counted part capped, floored."""
    count = exact_sum(codes, values, n)
    extra = (count - method.threshold) * method.points_each
    if method.cap is not None:
        extra = np.minimum(extra, method.cap)
    tree.score[node.key] = np.maximum(method.base + extra, method.floor)
    tree.missing[node.key] = np.zeros(n, dtype=bool)
    tree.detail[f"count_{node.key}"] = count


def _score_average(
    tree: TreeScores, node: Indicator, method: Average, codes: np.ndarray, values: np.ndarray, n: int
) -> None:
    """The mean of the values, scaled from scale_max (default: the points) to the points."""
    points = float(node.points)
    count = count_per(codes, n)
    mean = np.divide(exact_sum(codes, values, n), count, out=np.zeros(n), where=count > 0)
    tree.score[node.key] = mean / (method.scale_max or points) * points
    tree.missing[node.key] = count == 0


def _score_ballot(
    tree: TreeScores,
    node: Indicator,
    method: Ballot,
    ballots: Long,
    entered_codes: np.ndarray,
    entered_values: np.ndarray,
    n: int,
) -> None:
    """The ballots' mean (per rater group, combined by weight), scaled to the points; an
    entered score replaces it when prefer_entered."""
    key, points = node.key, float(node.points)
    rows = ballots.rows(key)
    codes, values = ballots.code[rows], ballots.value[rows]
    if method.rater_groups:
        combined, have = _combine_rater_groups(tree, node, method, ballots, rows, n)
    else:
        count = count_per(codes, n)
        combined = np.divide(exact_sum(codes, values, n), count, out=np.zeros(n), where=count > 0)
        have = count > 0
        tree.detail[f"ballots_{key}_n"] = count
    tree.detail[f"ballot_{key}"] = np.where(have, combined, np.nan)
    score = combined / method.scale_max * points
    if method.prefer_entered and len(entered_codes):
        entered_have = count_per(entered_codes, n) > 0
        entered = exact_sum(entered_codes, entered_values, n)
        score = np.where(entered_have, entered / method.scale_max * points, score)
        tree.detail[f"entered_{key}"] = np.where(entered_have, entered, np.nan)
        have = have | entered_have
    tree.score[key] = np.where(have, score, 0.0)
    tree.missing[key] = ~have


def _combine_rater_groups(
    tree: TreeScores, node: Indicator, method: Ballot, ballots: Long, rows: np.ndarray | slice, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """(combined mean, has ballots): each group's mean weighted; a group with no ballots
    has its weight redistributed over the present ones (redistribute_missing)."""
    key = node.key
    codes, values = ballots.code[rows], ballots.value[rows]
    group_count = len(method.rater_groups)
    group = ballots.label_pos(rows, [g.key for g in method.rater_groups])
    slot = codes * group_count + group  # one bincount for every (appraisee, group)
    counts = np.bincount(slot, minlength=n * group_count)[: n * group_count].reshape(n, group_count)
    sums = exact_sum(slot, values, n * group_count).reshape(n, group_count)
    weights = np.array([g.weight for g in method.rater_groups])
    present = counts > 0
    means = np.divide(sums, counts, out=np.zeros((n, group_count)), where=present)
    for i, rater_group in enumerate(method.rater_groups):
        tree.detail[f"ballot_{key}_{rater_group.key}"] = np.where(present[:, i], means[:, i], np.nan)
        tree.detail[f"ballots_{key}_{rater_group.key}_n"] = counts[:, i]
    weighted = (means * weights).sum(axis=1)
    present_weight = (present * weights).sum(axis=1)
    denominator = present_weight if method.redistribute_missing else np.full(n, weights.sum())
    combined = np.divide(weighted, denominator, out=np.zeros(n), where=denominator > 0)
    tree.detail[f"ballot_{key}_weight_present"] = present_weight
    return combined, present_weight > 0


def _score_items(
    tree: TreeScores,
    node: Indicator,
    method: Items,
    codes: np.ndarray,
    item_points: np.ndarray,
    values: np.ndarray,
    n: int,
    tolerance: float,
) -> None:
    """The sum of the responsibility-letter items, each clipped to its points; flags a
    letter whose items' points do not add up to the node's."""
    key = node.key
    if method.input == "percent":
        values = values * item_points / 100.0
    values = np.clip(values, 0.0, item_points)
    count = count_per(codes, n)
    tree.score[key] = exact_sum(codes, values, n)
    points = exact_sum(codes, item_points, n)
    tree.detail[f"items_{key}_points"] = points
    tree.detail[f"items_{key}_n"] = count
    tree.missing[key] = count == 0
    tree.items_mismatch |= (count > 0) & (np.abs(points - float(node.points)) > tolerance)
