"""The explanation's outcome rows, one function per outcome: veto, rank, quota, grade,
award, pay, flag — see ``explain``."""

from __future__ import annotations

import numpy as np

from ..scheme.rules import Quota, VetoEffects
from .explain_rows import Context, fmt, map_str

# outcomes: vetoes, rank, quotas, grade, award, flags ----------------------------------------


def explain_vetoes(context: Context) -> None:
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


def explain_rank(context: Context) -> None:
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


def _tie_break_names(context: Context) -> list[tuple[str, str]]:
    """(zh, en) of each tie break: "按业务工作得分高者优先" / "higher Business first"."""
    nodes = context.scheme.node_map()
    names = {"bonus": ("加分", "bonus"), "penalty": ("扣分", "penalty")}
    out = []
    for tie_break in context.scheme.ranking.tie_breaks:
        node = nodes.get(tie_break.indicator)
        zh, en = (f"{node.name_zh}得分", node.name_en) if node else names[tie_break.indicator]
        high = tie_break.order == "desc"
        out.append(
            (
                f"并列时按{zh}{'高' if high else '低'}者优先",
                f"a tie is broken by {en}, {'higher' if high else 'lower'} first",
            )
        )
    return out


def explain_tie_breaks(context: Context) -> None:
    """For an appraisee sharing its composite with a neighbour in the strict order: the
    tie break that decided between them, with its value — or that nothing did."""
    ranking = context.pipeline.ranking
    order = ranking.order_group
    ranked = context.pipeline.prepared.ranked[order]
    composite = np.where(context.pipeline.prepared.ranked, context.pipeline.composite, np.nan)[order]
    same_group = ranking.group_code[order][1:] == ranking.group_code[order][:-1]
    pair = same_group & ranked[1:] & ranked[:-1] & (composite[1:] == composite[:-1])  # (i, i+1) share a score
    decided_by = np.full(len(pair), -1)  # the first tie break that differs, -1: none
    for k in range(len(ranking.tie_values) - 1, -1, -1):
        values = ranking.tie_values[k][0][order]
        decided_by = np.where(values[1:] != values[:-1], k, decided_by)
    for k, (zh, en) in enumerate(_tie_break_names(context)):
        hit = np.zeros(len(order), dtype=bool)
        hit[1:] |= pair & (decided_by == k)
        hit[:-1] |= pair & (decided_by == k)
        mask = np.zeros(len(order), dtype=bool)
        mask[order] = hit
        value = fmt(ranking.tie_values[k][0], context.precision)
        context.rows.add(
            "rank", f"ranking.tie_breaks[{k}]", zh + " (本项 " + value + ")", en + " (" + value + ")", mask
        )
    full = np.zeros(len(order), dtype=bool)
    full[1:] |= pair & (decided_by < 0)
    full[:-1] |= pair & (decided_by < 0)
    mask = np.zeros(len(order), dtype=bool)
    mask[order] = full
    context.rows.add(
        "rank",
        "ranking",
        "与同分者在各比较项上完全相同: 并列, 顺位不分先后",
        "fully tied with another (every tie break equal): the position decides nothing",
        mask,
    )


def explain_quotas(context: Context) -> None:
    for quota in context.scheme.quotas:
        _explain_quota(context, quota)


def _explain_quota(context: Context, quota: Quota) -> None:
    """The quota's size and line, and whether the appraisee is within it (or was skipped
    because of a veto)."""
    frame = context.frame
    held = frame[f"quota_{quota.key}"].to_numpy(dtype=bool)
    places = context.number(f"quota_{quota.key}_places", 0)
    size = f"{quota.ratio * 100:g}%" if quota.ratio is not None else f"{quota.count}"
    line = frame[f"quota_{quota.key}_line"].to_numpy(dtype="float64")
    has_line = ~np.isnan(line)
    skipped = context.pipeline.vetoes.no_quota & quota.exclude_vetoed
    pending = context.pipeline.quotas.ties[quota.key].pending
    rank_zh, rank_en = ("按名次, ", "by rank, ") if quota.reading == "rank" else ("", "")
    if quota.reading == "rank":
        skipped = skipped & False  # a rank condition: no place passes on
    line_zh = np.where(has_line, ", 分数线 " + fmt(line, context.precision), "")
    line_en = np.where(has_line, ", line " + fmt(line, context.precision), "")
    context.rows.add(
        "quota",
        f"quotas.{quota.key}",
        f"{quota.name_zh}(限额 {size}, {rank_zh}共 "
        + places
        + " 名"
        + line_zh
        + "): "
        + np.where(
            held,
            "入选",
            np.where(pending, "并列待定", np.where(skipped, "未入选(一票否决, 名额顺延给下一名)", "未入选")),
        ),
        f"{quota.name_en} (quota {size}, {rank_en}"
        + places
        + " places"
        + line_en
        + "): "
        + np.where(
            held,
            "within the quota",
            np.where(
                pending,
                "tie pending",
                np.where(
                    skipped, "not within the quota (vetoed; the place passes to the next)", "not within the quota"
                ),
            ),
        ),
        context.ranked,
    )


def explain_grade(context: Context) -> None:
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
            np.char.startswith(rule.astype(str), "grade_override"), "外部评定", map_str(frame["grade"], reason_zh)
        ),
    )
    context.rows.add(
        "grade",
        "grades",
        "等次: " + frame["grade_zh"].to_numpy(dtype=object) + " (" + why_zh + ")",
        "grade: " + frame["grade_en"].to_numpy(dtype=object) + " (" + rule + ")",
        (frame["grade"] != "").to_numpy(),
    )


def explain_award(context: Context) -> None:
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


def explain_ties(context: Context) -> None:
    """Each tie the chain could not break at a quota or prize line: pending (the office
    must decide), or the office's decision with its reason and document number."""
    for tie in context.pipeline.ties:
        members = np.isin(np.arange(len(context.frame)), context.code_of(tie.tied))
        head_zh = f"{tie.name_zh}: {len(tie.tied)} 人同分且各比较项相同, 争 {tie.places} 个名额"
        head_en = f"{tie.name_en}: {len(tie.tied)} tied on every tie break for {tie.places} place(s)"
        if tie.decision is None:
            context.rows.add(
                "tie",
                tie.line,
                head_zh + " — 并列待定, 须由考核办决定",
                head_en + " — tie pending, the office decides",
                members,
            )
            continue
        placed = np.isin(context.frame["appraisee_id"].to_numpy(dtype=object), list(tie.decision.placed))
        detail_zh = f"; 理由: {tie.decision.reason}; 文号: {tie.decision.document}"
        detail_en = f"; reason: {tie.decision.reason}; document no. {tie.decision.document}"
        context.rows.add(
            "tie",
            tie.line,
            head_zh + " — 考核办决定: " + np.where(placed, "入选", "未入选") + detail_zh,
            head_en + " — decided by the office: " + np.where(placed, "placed", "not placed") + detail_en,
            members,
        )


def explain_pay(context: Context) -> None:
    pay = context.frame["pay_percent"].to_numpy(dtype="float64")
    context.rows.add(
        "pay", "awards.pay_percent", "奖金按 " + fmt(pay, 2) + "% 发放", "bonus paid at " + fmt(pay, 2) + "%", pay < 100
    )


def explain_flags(context: Context) -> None:
    for flag in context.scheme.flags:
        context.rows.add(
            "flag",
            f"flags.{flag.key}",
            f"警示: {flag.name_zh} → {flag.action_zh}",
            f"flag: {flag.name_en} → {flag.action_en}",
            context.frame[f"flag_{flag.key}"].to_numpy(dtype=bool),
        )
