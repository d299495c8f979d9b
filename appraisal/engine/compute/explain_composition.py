"""The explanation's composition rows: weighted parts, adjustment rules and their claims,
caps, and the composite score — see ``explain``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scheme.rules import AdjustmentRule
from .explain_rows import Context, fmt, map_str

# composition and adjustments ----------------------------------------------------------------


def explain_weighted_parts(context: Context) -> None:
    """A weighted composition: each part's score scaled by its weight."""
    scheme = context.scheme
    if scheme.composition.method != "weighted":
        return
    for part in scheme.parts():
        node = scheme.node_map()[part.indicator]
        weight = part.weight if part.weight is not None else 0.0  # validation requires it
        formula = (
            " "
            + context.number(f"score_{node.key}")
            + f" / {node.points:g} × {weight * 100:g}% × {scheme.settings.total_points:g} = "
            + context.number(f"part_{node.key}")
        )
        context.rows.add(
            "part",
            f"composition.parts.{part.indicator}",
            node.name_zh + formula,
            node.name_en + formula,
            context.ranked,
        )


def explain_adjustment_rules(context: Context) -> dict[str, float]:
    """One row per rule that gave points; returns each rule's order key (its claims follow it)."""
    rule_order = {}
    for rule in context.scheme.adjustments.rules:
        points = context.frame[f"adj_{rule.key}"].to_numpy()
        sign = "+" if rule.kind == "bonus" else "−"
        text = fmt(points, context.precision)
        rule_order[rule.key] = context.rows.add(
            "adjustment",
            f"adjustments.rules.{rule.key}",
            f"{rule.name_zh}: {sign}" + text,
            f"{rule.name_en}: {sign}" + text,
            (points > 0) & context.ranked,
        )
    return rule_order


def explain_claims(context: Context, rule_order: dict[str, float]) -> None:
    """One row per adjustment claim, right after its rule: points before and after sharing,
    why it did not count, its evidence."""
    claims = context.pipeline.adjustments.claims
    if not len(claims):
        return
    precision = context.precision
    rules = {rule.key: rule for rule in context.scheme.adjustments.rules}
    sign = np.where(claims["kind"].to_numpy() == "bonus", "+", "−")
    level_zh, level_en = _claim_levels(claims, rules)
    dedup_key = claims["dedup_key"].to_numpy(dtype=object)
    key = np.where(dedup_key != "", " (" + dedup_key + ")", "")
    reason_zh, reason_en = _claim_reasons(claims["reason"].to_numpy(dtype=object))
    evidence = claims["evidence"].to_numpy(dtype=object)
    evidence_zh = np.where(evidence != "", "; 依据: " + evidence, "")
    evidence_en = np.where(evidence != "", "; evidence: " + evidence, "")
    points = (
        ": "
        + sign
        + fmt(claims["points_raw"], precision)
        + " → "
        + sign
        + fmt(claims["points_after_sharing"], precision)
    )
    context.rows.add(
        "claim",
        "adjustments.claims",
        "  "
        + map_str(claims["rule"], {k: r.name_zh for k, r in rules.items()})
        + level_zh
        + key
        + points
        + reason_zh
        + evidence_zh,
        "  "
        + map_str(claims["rule"], {k: r.name_en for k, r in rules.items()})
        + level_en
        + key
        + points
        + reason_en
        + evidence_en,
        codes=context.code_of(claims["appraisee_id"]),
        order=claims["rule"].map(rule_order).to_numpy(dtype="float64") + 0.5,
    )


def _claim_levels(claims: pd.DataFrame, rules: dict[str, AdjustmentRule]) -> tuple[np.ndarray, np.ndarray]:
    """' [level name]' per claim that names a level, in Chinese and English."""
    names_zh = {f"{r.key}|{lv.key}": lv.name_zh for r in rules.values() for lv in r.levels}
    names_en = {f"{r.key}|{lv.key}": lv.name_en for r in rules.values() for lv in r.levels}
    rule_level = (claims["rule"] + "|" + claims["level"]).astype("str")
    has_level = claims["level"].to_numpy() != ""
    return (
        np.where(has_level, " [" + map_str(rule_level, names_zh) + "]", ""),
        np.where(has_level, " [" + map_str(rule_level, names_en) + "]", ""),
    )


def _claim_reasons(reason: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """' (why)' per claim that was not counted in full, in Chinese and English."""
    zh = np.select(
        [reason == "unverified", np.char.startswith(reason.astype(str), "duplicate"), reason == "shared"],
        ["未核实, 不计", "同一项目按最高级别计一次, 本条不计", "多个单位共享, 折算"],
        "",
    )
    return (np.where(zh != "", " (" + zh.astype(object) + ")", ""), np.where(reason != "", " (" + reason + ")", ""))


def explain_caps(context: Context) -> None:
    """The bonus or penalty total cut to its cap."""
    adjustments = context.scheme.adjustments
    for label, cap, name_zh, name_en in (
        ("bonus", adjustments.bonus_cap, "加分", "bonus"),
        ("penalty", adjustments.penalty_cap, "扣分", "penalty"),
    ):
        raw, kept = context.frame[f"{label}_raw"].to_numpy(), context.frame[label].to_numpy()
        if cap is not None:
            context.rows.add(
                "cap",
                f"adjustments.{label}_cap",
                f"{name_zh}合计 " + fmt(raw, context.precision) + f" 超过上限 {cap:g}, 按 {cap:g} 计",
                f"{name_en} total " + fmt(raw, context.precision) + f" exceeds the cap {cap:g}; counted as {cap:g}",
                (raw > kept + 1e-9) & context.ranked,
            )


def explain_composite(context: Context) -> None:
    number = context.number
    context.rows.add(
        "composite",
        "composition",
        "综合得分 "
        + number("composite")
        + " = 基础分 "
        + number("base_score")
        + " + 加分 "
        + number("bonus")
        + " − 扣分 "
        + number("penalty"),
        "composite "
        + number("composite")
        + " = base "
        + number("base_score")
        + " + bonus "
        + number("bonus")
        + " − penalty "
        + number("penalty"),
        context.ranked,
    )
