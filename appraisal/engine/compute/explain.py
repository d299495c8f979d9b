"""A readable explanation per appraisee, in Chinese and English.

Built from the pipeline and the results, vectorised: one block of rows per scheme element
(indicator, rule, quota...), never a loop over appraisees.  Columns: appraisee_id, seq,
kind, ref (the scheme element), zh, en.  The blocks come in the order of the pipeline's
stages: indicators (one function per scoring method), composition, adjustments and their
claims, caps, the composite, then one function per outcome (veto, rank, quota, grade,
award, pay, flag)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..scheme import Scheme
from ..scheme.indicators import Ballot, Deductions, Indicator, Items, Ratio
from ..scheme.rules import AdjustmentRule, Quota, VetoEffects
from .pipeline import Pipeline


def fmt(x, prec: int = 2) -> np.ndarray:
    """Numbers as short strings: 9.50 → '9.5', 10.00 → '10' (formats each distinct
    value once)."""
    arr = np.nan_to_num(np.asarray(x, dtype="float64"))
    codes, uniq = pd.factorize(arr)
    s = np.char.mod(f"%.{prec}f", uniq)
    if prec:
        s = np.char.rstrip(np.char.rstrip(s, "0"), ".")
    s = np.where(s == "-0", "0", s).astype(object)
    return s[codes] if len(codes) else s


def _map_str(values, mapping: dict) -> np.ndarray:
    """Map values through a dict; missing → '' (without pandas dtype upcasts)."""
    out = pd.Series(np.asarray(values, dtype=object), dtype=object).map(mapping).to_numpy(dtype=object)
    out[pd.isna(out)] = ""
    return out


class _Rows:
    """Explanation rows, collected block by block (one block per scheme element)."""

    def __init__(self, n: int, ids: np.ndarray):
        self.n = n
        self.ids = ids
        self.blocks: list[tuple] = []
        self.next = 0.0

    def add(self, kind: str, ref: str, zh, en, mask=None, codes=None, order=None) -> float:
        """Add a block of rows; returns its order key.  ``order`` (per row) places rows
        elsewhere, e.g. each claim right after its rule."""
        codes = np.arange(self.n) if codes is None else codes
        count = len(codes)
        zh = np.broadcast_to(np.asarray(zh, dtype=object), (count,))
        en = np.broadcast_to(np.asarray(en, dtype=object), (count,))
        shown = np.ones(count, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        self.next += 1.0
        key = np.full(count, self.next) if order is None else np.asarray(order, dtype="float64")
        if shown.any():
            self.blocks.append((codes[shown], len(self.blocks), kind, ref, zh[shown], en[shown], key[shown]))
        return self.next

    def frame(self) -> pd.DataFrame:
        """The rows per appraisee, in block order (claims after their rule), numbered by seq."""
        columns = ["appraisee_id", "seq", "kind", "ref", "zh", "en"]
        if not self.blocks:
            return pd.DataFrame({c: pd.Series(dtype="str" if c != "seq" else "int64") for c in columns})
        codes = np.concatenate([b[0] for b in self.blocks])
        block = np.concatenate([np.full(len(b[0]), b[1]) for b in self.blocks])
        kinds = np.array([b[2] for b in self.blocks], dtype=object)
        refs = np.array([b[3] for b in self.blocks], dtype=object)
        zh = np.concatenate([b[4] for b in self.blocks])
        en = np.concatenate([b[5] for b in self.blocks])
        order_key = np.concatenate([b[6] for b in self.blocks])
        order = np.lexsort((block, order_key, codes))
        codes, block = codes[order], block[order]
        starts = np.r_[True, codes[1:] != codes[:-1]]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))
        seq = np.arange(len(codes)) - first + 1
        return pd.DataFrame(
            {
                "appraisee_id": pd.array(self.ids[codes], dtype="str"),
                "seq": seq,
                "kind": pd.array(kinds[block], dtype="str"),
                "ref": pd.array(refs[block], dtype="str"),
                "zh": pd.array(zh[order], dtype="str"),
                "en": pd.array(en[order], dtype="str"),
            }
        )


@dataclass
class _Context:
    """What every explaining step reads: the pipeline, the result rows in prepared order
    (sorted by appraisee id), and the rows being written."""

    pipeline: Pipeline
    frame: pd.DataFrame  # the appraisees table, sorted by appraisee id
    ranked: np.ndarray  # bool per appraisee
    rows: _Rows
    id_index: pd.Index

    @property
    def scheme(self) -> Scheme:
        return self.pipeline.scheme

    @property
    def precision(self) -> int:
        return self.pipeline.precision

    def number(self, column: str, precision: int | None = None) -> np.ndarray:
        """A result column formatted as short numbers."""
        return fmt(self.frame[column], self.precision if precision is None else precision)

    def code_of(self, values) -> np.ndarray:
        """Row number (prepared order) of each appraisee id."""
        return self.id_index.get_indexer(np.asarray(values, dtype=object))


def explain(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """The explanation rows of every appraisee, stage by stage."""
    ordered = frame.sort_values("appraisee_id").reset_index(drop=True)  # = prepared order
    ids = ordered["appraisee_id"].to_numpy(dtype=object)
    context = _Context(
        pipeline, ordered, ordered["position"].to_numpy() > 0, _Rows(len(ids), ids), pd.Index(ids, dtype=object)
    )
    for path, node in pipeline.scheme.nodes():
        _explain_indicator(context, path, node)
    _explain_weighted_parts(context)
    rule_order = _explain_adjustment_rules(context)
    _explain_claims(context, rule_order)
    _explain_caps(context)
    _explain_composite(context)
    for step in (
        _explain_vetoes,
        _explain_rank,
        _explain_quotas,
        _explain_grade,
        _explain_award,
        _explain_pay,
        _explain_flags,
    ):
        step(context)
    return context.rows.frame()


# indicators ---------------------------------------------------------------------------------


def _explain_indicator(context: _Context, path: str, node: Indicator) -> None:
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


def _explain_deductions(context: _Context, path: str, node: Indicator, method: Deductions) -> None:
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


def _explain_ratio(context: _Context, path: str, node: Indicator) -> None:
    """The completion rate (actual / target)."""
    ratio = context.pipeline.tree.detail[f"ratio_{node.key}"]
    context.rows.add(
        "ratio",
        path,
        "  完成率 " + fmt(ratio * 100, 2) + "%",
        "  completion " + fmt(ratio * 100, 2) + "%",
        ~np.isnan(ratio) & context.ranked,
    )


def _explain_ballot(context: _Context, path: str, node: Indicator, method: Ballot) -> None:
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


def _explain_rater_group(context: _Context, path: str, node: Indicator, method: Ballot, group) -> None:
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


def _explain_items(context: _Context, path: str, node: Indicator) -> None:
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


# composition and adjustments ----------------------------------------------------------------


def _explain_weighted_parts(context: _Context) -> None:
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


def _explain_adjustment_rules(context: _Context) -> dict[str, float]:
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


def _explain_claims(context: _Context, rule_order: dict[str, float]) -> None:
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
        + _map_str(claims["rule"], {k: r.name_zh for k, r in rules.items()})
        + level_zh
        + key
        + points
        + reason_zh
        + evidence_zh,
        "  "
        + _map_str(claims["rule"], {k: r.name_en for k, r in rules.items()})
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
        np.where(has_level, " [" + _map_str(rule_level, names_zh) + "]", ""),
        np.where(has_level, " [" + _map_str(rule_level, names_en) + "]", ""),
    )


def _claim_reasons(reason: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """' (why)' per claim that was not counted in full, in Chinese and English."""
    zh = np.select(
        [reason == "unverified", np.char.startswith(reason.astype(str), "duplicate"), reason == "shared"],
        ["未核实, 不计", "同一项目按最高级别计一次, 本条不计", "多个单位共享, 折算"],
        "",
    )
    return (np.where(zh != "", " (" + zh.astype(object) + ")", ""), np.where(reason != "", " (" + reason + ")", ""))


def _explain_caps(context: _Context) -> None:
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


def _explain_composite(context: _Context) -> None:
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


# outcomes: vetoes, rank, quotas, grade, award, flags ----------------------------------------


def _explain_vetoes(context: _Context) -> None:
    """Each veto that hit the appraisee, with its effects."""
    bands = context.scheme.grades.bands
    band_zh = {band.key: band.name_zh for band in bands}
    band_en = {band.key: band.name_en for band in bands}
    vetoes = context.pipeline.prepared.vetoes
    everyone = np.arange(len(context.frame))
    for veto in context.scheme.vetoes:
        effects_zh, effects_en = _veto_effects(veto.effects, band_zh, band_en)
        hit = context.code_of(vetoes.loc[(vetoes["veto"] == veto.key).to_numpy(), "appraisee_id"])
        context.rows.add(
            "veto",
            f"vetoes.{veto.key}",
            f"一票否决: {veto.name_zh} → {effects_zh}",
            f"veto: {veto.name_en} → {effects_en}",
            np.isin(everyone, hit),
        )


def _veto_effects(effects: VetoEffects, band_zh: dict[str, str], band_en: dict[str, str]) -> tuple[str, str]:
    """A veto's effects, in Chinese and English."""
    zh: list[str] = []
    en: list[str] = []
    if effects.exclude_quotas:
        zh.append("不得获得限额名额")
        en.append("no quota place")
    if effects.exclude_awards:
        zh.append("取消奖励资格")
        en.append("no award")
    if effects.grade_cap:
        zh.append(f"等次最高为{band_zh.get(effects.grade_cap, '')}")
        en.append(f"grade at most {band_en.get(effects.grade_cap, '')}")
    if effects.pay_percent is not None:
        zh.append(f"奖金按 {effects.pay_percent:g}% 发放")
        en.append(f"bonus paid at {effects.pay_percent:g}%")
    if effects.head_not_excellent:
        zh.append("主要负责人不能定为优秀")
        en.append("unit head cannot be excellent")
    return "、".join(zh), "; ".join(en)


def _explain_rank(context: _Context) -> None:
    """Rank in the group, the group's size, and the strict position."""
    group = context.frame["group"].to_numpy(dtype=object)
    rank = fmt(context.frame["rank"].astype("float64").fillna(0), 0)
    size = context.number("group_size", 0)
    position = context.number("position", 0)
    in_zh = np.where(group != "", "组 " + group + " 内排名 ", "排名 ")
    in_en = np.where(group != "", " in group " + group, "")
    context.rows.add(
        "rank",
        "ranking",
        in_zh + rank + " / " + size + " (顺位 " + position + ")",
        "rank " + rank + " of " + size + in_en + " (position " + position + ")",
        context.ranked,
    )


def _explain_quotas(context: _Context) -> None:
    for quota in context.scheme.quotas:
        _explain_quota(context, quota)


def _explain_quota(context: _Context, quota: Quota) -> None:
    """The quota's size and line, and whether the appraisee is within it (or was skipped
    because of a veto)."""
    frame = context.frame
    held = frame[f"quota_{quota.key}"].to_numpy(dtype=bool)
    places = context.number(f"quota_{quota.key}_places", 0)
    size = f"{quota.ratio * 100:g}%" if quota.ratio is not None else f"{quota.count}"
    line = frame[f"quota_{quota.key}_line"].to_numpy(dtype="float64")
    has_line = ~np.isnan(line)
    skipped = context.pipeline.vetoes.no_quota & quota.exclude_vetoed
    line_zh = np.where(has_line, ", 分数线 " + fmt(line, context.precision), "")
    line_en = np.where(has_line, ", line " + fmt(line, context.precision), "")
    context.rows.add(
        "quota",
        f"quotas.{quota.key}",
        f"{quota.name_zh}(限额 {size}, 共 "
        + places
        + " 名"
        + line_zh
        + "): "
        + np.where(held, "入选", np.where(skipped, "未入选(一票否决, 名额顺延给下一名)", "未入选")),
        f"{quota.name_en} (quota {size}, "
        + places
        + " places"
        + line_en
        + "): "
        + np.where(
            held,
            "within the quota",
            np.where(skipped, "not within the quota (vetoed; the place passes to the next)", "not within the quota"),
        ),
        context.ranked,
    )


def _explain_grade(context: _Context) -> None:
    """The grade and why: its band's conditions (in Chinese), a veto cap, or an override."""
    scheme, frame = context.scheme, context.frame
    quota_zh = {quota.key: quota.name_zh for quota in scheme.quotas}
    reason_zh = {"": ""}
    for band in scheme.grades.bands:  # a Chinese reason per band
        conditions = [f"综合得分 ≥ {band.min_score:g}"] if band.min_score is not None else []
        if band.quota is not None:
            conditions.append(f"在「{quota_zh.get(band.quota, band.quota)}」限额内")
        reason_zh[band.key] = " 且 ".join(conditions) if conditions else "其他情形"
    rule = frame["grade_rule"].to_numpy(dtype=object)
    why_zh = np.where(
        np.char.startswith(rule.astype(str), "veto"),
        "一票否决, 等次受限",
        np.where(
            np.char.startswith(rule.astype(str), "grade_override"), "外部评定", _map_str(frame["grade"], reason_zh)
        ),
    )
    context.rows.add(
        "grade",
        "grades",
        "等次: " + frame["grade_zh"].to_numpy(dtype=object) + " (" + why_zh + ")",
        "grade: " + frame["grade_en"].to_numpy(dtype=object) + " (" + rule + ")",
        (frame["grade"] != "").to_numpy(),
    )


def _explain_award(context: _Context) -> None:
    frame = context.frame
    amount = frame["award_amount"].to_numpy(dtype="float64")
    money = " " + fmt(amount, 2) + f" {context.scheme.awards.currency}"
    context.rows.add(
        "award",
        "awards",
        "奖励: " + frame["award_zh"].to_numpy(dtype=object) + np.where(np.isnan(amount), " (金额酌情)", money),
        "award: "
        + frame["award_en"].to_numpy(dtype=object)
        + np.where(np.isnan(amount), " (amount at discretion)", money),
        (frame["award"] != "").to_numpy(),
    )


def _explain_pay(context: _Context) -> None:
    pay = context.frame["pay_percent"].to_numpy(dtype="float64")
    context.rows.add(
        "pay", "awards.pay_percent", "奖金按 " + fmt(pay, 2) + "% 发放", "bonus paid at " + fmt(pay, 2) + "%", pay < 100
    )


def _explain_flags(context: _Context) -> None:
    for flag in context.scheme.flags:
        context.rows.add(
            "flag",
            f"flags.{flag.key}",
            f"警示: {flag.name_zh} → {flag.action_zh}",
            f"flag: {flag.name_en} → {flag.action_en}",
            context.frame[f"flag_{flag.key}"].to_numpy(dtype=bool),
        )
