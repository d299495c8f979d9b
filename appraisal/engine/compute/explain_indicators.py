"""The explanation's indicator rows: each node's score, then one function per scoring method
(deductions, ratio, ballot, items) — see ``explain``."""

from __future__ import annotations

import numpy as np

from ..scheme.indicators import Ballot, Deductions, Indicator, Items, Ratio
from .explain_rows import Context, fmt

# indicators ---------------------------------------------------------------------------------


def explain_indicator(context: Context, path: str, node: Indicator) -> None:
    """The node's score, 'no input' when missing, then what its method adds."""
    rows, ranked, tree = context.rows, context.ranked, context.pipeline.tree
    who_zh = f"({node.assessor_zh})" if node.assessor_zh else ""
    who_en = f" ({node.assessor_en})" if node.assessor_en else ""
    score = context.number(f"score_{node.key}")
    rows.add(
        "indicator",
        path,
        f"{node.name_zh}{who_zh}: " + score + f" / {node.points:g}",
        f"{node.name_en}{who_en}: " + score + f" / {node.points:g}",
        ranked,
    )
    method = node.method
    if method is None:
        return
    if node.key in tree.missing:
        rows.add(
            "missing",
            path,
            f"{node.name_zh}: 无输入, 按 0 计",
            f"{node.name_en}: no input, counted as 0",
            tree.missing[node.key] & ranked,
        )
    if isinstance(method, Deductions):
        _explain_deductions(context, path, node, method)
    elif isinstance(method, Ratio):
        _explain_ratio(context, path, node)
    elif isinstance(method, Ballot):
        _explain_ballot(context, path, node, method)
    elif isinstance(method, Items):
        _explain_items(context, path, node)


def _explain_deductions(context: Context, path: str, node: Indicator, method: Deductions) -> None:
    """One row per deduction item that occurred, and the share charged from supervised staff."""
    rows, ranked, precision = context.rows, context.ranked, context.precision
    detail = context.pipeline.tree.detail
    for item in method.items:
        count = detail[f"count_{node.key}_{item.key}"]
        rows.add(
            "deduction",
            f"{path}.method.items.{item.key}",
            f"  {item.name_zh} "
            + fmt(count, 2)
            + f" 次 × {item.points_each:g} = −"
            + fmt(count * item.points_each, precision),
            f"  {item.name_en} "
            + fmt(count, 2)
            + f" × {item.points_each:g} = −"
            + fmt(count * item.points_each, precision),
            (count > 0) & ranked,
        )
    shared = detail.get(f"supervised_{node.key}")
    if shared is not None:
        rows.add(
            "deduction",
            f"{path}.method.charge_supervisor",
            "  其中分管人员的扣分共同承担 −" + fmt(shared, precision),
            "  of which shared from supervised staff −" + fmt(shared, precision),
            (shared > 0) & ranked,
        )


def _explain_ratio(context: Context, path: str, node: Indicator) -> None:
    """The completion rate (actual / target)."""
    ratio = context.pipeline.tree.detail[f"ratio_{node.key}"]
    context.rows.add(
        "ratio",
        path,
        "  完成率 " + fmt(ratio * 100, 2) + "%",
        "  completion " + fmt(ratio * 100, 2) + "%",
        ~np.isnan(ratio) & context.ranked,
    )


def _explain_ballot(context: Context, path: str, node: Indicator, method: Ballot) -> None:
    """Per rater group (or over all ballots): the mean and the number of ballots; and the
    entered score when it replaced the ballots."""
    rows, precision, detail = context.rows, context.precision, context.pipeline.tree.detail
    for group in method.rater_groups:
        _explain_rater_group(context, path, node, method, group)
    if not method.rater_groups:
        mean = detail[f"ballot_{node.key}"]
        count = detail[f"ballots_{node.key}_n"]
        rows.add(
            "ballot",
            path,
            "  测评平均 " + fmt(mean, precision) + ", " + fmt(count, 0) + " 票",
            "  ballots: mean " + fmt(mean, precision) + ", " + fmt(count, 0) + " ballots",
            (count > 0) & context.ranked,
        )
    entered = detail.get(f"entered_{node.key}")
    if entered is not None:
        rows.add(
            "ballot",
            path,
            "  采用录入的测评分 " + fmt(entered, precision),
            "  entered evaluation score used: " + fmt(entered, precision),
            ~np.isnan(entered),
        )


def _explain_rater_group(context: Context, path: str, node: Indicator, method: Ballot, group) -> None:
    rows, ranked, precision = context.rows, context.ranked, context.precision
    detail = context.pipeline.tree.detail
    mean = detail[f"ballot_{node.key}_{group.key}"]
    count = detail[f"ballots_{node.key}_{group.key}_n"]
    ref = f"{path}.method.rater_groups.{group.key}"
    rows.add(
        "ballot",
        ref,
        f"  {group.name_zh}(权重 {group.weight * 100:g}%): 平均 " + fmt(mean, precision) + ", " + fmt(count, 0) + " 票",
        f"  {group.name_en} (weight {group.weight * 100:g}%): mean "
        + fmt(mean, precision)
        + ", "
        + fmt(count, 0)
        + " ballots",
        (count > 0) & ranked,
    )
    if method.redistribute_missing:
        zh = f"  {group.name_zh} 无票, 权重按比例分配给其他群体"
        en = f"  {group.name_en}: no ballots, weight redistributed over the others"
    else:
        zh = f"  {group.name_zh} 无票, 按 0 计"
        en = f"  {group.name_en}: no ballots, counted as 0"
    rows.add("ballot", ref, zh, en, (count == 0) & ~context.pipeline.tree.missing[node.key] & ranked)


def _explain_items(context: Context, path: str, node: Indicator) -> None:
    """How many responsibility-letter items, worth how many points."""
    detail, precision = context.pipeline.tree.detail, context.precision
    count = detail[f"items_{node.key}_n"]
    points = detail[f"items_{node.key}_points"]
    context.rows.add(
        "items",
        path,
        "  责任书 " + fmt(count, 0) + " 项, 分值合计 " + fmt(points, precision),
        "  responsibility letter: " + fmt(count, 0) + " items worth " + fmt(points, precision),
        (count > 0) & context.ranked,
    )
