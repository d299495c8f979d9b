"""Synthetic, plausible inputs for any scheme (examples, property tests, benchmarks).

Vectorised with a seeded numpy generator: the same arguments give the same inputs (the
random draws are made in a fixed order: leaves, claims, vetoes, history)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .compute.inputs import Inputs
from .scheme import Scheme
from .scheme.indicators import Average, Ballot, Count, Deductions, Entered, Indicator, Items, Ratio


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def synthetic_inputs(
    scheme: Scheme,
    *,
    groups: int = 3,
    per_group: int = 8,
    ballots_per_person: int = 6,
    claims_per_person: float = 0.6,
    veto_rate: float = 0.05,
    history_cycles: int = 1,
    seed: int = 0,
) -> Inputs:
    rng = np.random.default_rng(seed)
    n = groups * per_group
    ids = _ids("P", n, max(4, len(str(n))))
    appraisees = _appraisees(scheme, ids, groups, per_group)
    skill = rng.uniform(0.6, 1.0, n)  # one latent quality per appraisee
    tables: dict[str, list[pd.DataFrame]] = {"scores": [], "items": [], "ballots": []}
    for node in scheme.leaves():
        table, frames = _leaf_rows(rng, node, ids, skill, ballots_per_person)
        tables[table].extend(frames)
    ballot_keys = [x.key for x in scheme.leaves() if isinstance(x.method, Ballot)]
    claims = _claims(rng, scheme, ids, claims_per_person)
    vetoes = _vetoes(rng, scheme, ids, veto_rate)
    history = _history(rng, scheme, ids, skill, history_cycles)
    return Inputs(
        appraisees=appraisees,
        scores=_concat(tables["scores"], ["appraisee_id", "indicator", "item", "value"], ballot_keys),
        items=_concat(tables["items"], ["appraisee_id", "indicator", "item", "name", "points", "value"], ballot_keys),
        claims=claims,
        vetoes=vetoes,
        ballots=_concat(tables["ballots"], ["appraisee_id", "rater_group", "score", "indicator"], ballot_keys),
        history=_concat(history, ["appraisee_id", "cycle", "composite", "grade"], ballot_keys),
    )


def _appraisees(scheme: Scheme, ids: np.ndarray, groups: int, per_group: int) -> pd.DataFrame:
    """Appraisees in groups (the first of each is its unit's head), and the roll-up levels."""
    n = len(ids)
    group_number = np.repeat(np.arange(groups), per_group)
    group_label = np.char.add("G", np.char.zfill((group_number + 1).astype(str), 3)).astype(object)
    category = group_label if scheme.ranking.group_by == "category" else np.full(n, "staff", dtype=object)
    appraisees = pd.DataFrame(
        {
            "appraisee_id": ids,
            "name": np.char.add("对象", ids.astype(str)).astype(object),
            "unit": group_label,
            "ranking_group": group_label,
            "category": category,
            "supervisor_id": "",
            "is_unit_head": np.r_[True, np.zeros(per_group - 1, bool)][np.arange(n) % per_group]
            if per_group
            else False,
        }
    )
    rollups = [r.category for r in scheme.awards.rollups]
    supervised = ids  # e.g. vice-chairs supervising the appraisees, a chair over them
    for depth, rollup_category in enumerate(rollups):
        size = max(1, len(supervised) // 3) if depth < len(rollups) - 1 else 1
        level_ids = _ids(f"R{depth}", size, 2)
        appraisees.loc[appraisees["appraisee_id"].isin(supervised), "supervisor_id"] = level_ids[
            np.arange(len(supervised)) % size
        ]
        appraisees = pd.concat(
            [
                appraisees,
                pd.DataFrame(
                    {"appraisee_id": level_ids, "name": level_ids, "category": rollup_category, "supervisor_id": ""}
                ),
            ],
            ignore_index=True,
        )
        supervised = level_ids
    return appraisees


def _leaf_rows(
    rng: np.random.Generator, node: Indicator, ids: np.ndarray, skill: np.ndarray, ballots_per_person: int
) -> tuple[str, list[pd.DataFrame]]:
    """(input table, rows) for one leaf, drawn around each appraisee's skill."""
    method = node.method
    if isinstance(method, Entered):
        return "scores", [_entered_rows(rng, node, method, ids, skill)]
    if isinstance(method, Deductions):
        return "scores", _deduction_rows(rng, node, method, ids, skill)
    if isinstance(method, Ratio):
        return "scores", [_ratio_rows(rng, node, ids, skill)]
    if isinstance(method, Count):
        return "scores", [_count_rows(rng, node, method, ids, skill)]
    if isinstance(method, Average):
        return "scores", [_average_rows(rng, node, method, ids, skill)]
    if isinstance(method, Items):
        return "items", [_items_rows(rng, node, ids, skill)]
    if isinstance(method, Ballot):
        return "ballots", [_ballot_rows(rng, node, method, ids, skill, ballots_per_person)]
    return "scores", []


def _entered_rows(rng, node: Indicator, method: Entered, ids, skill) -> pd.DataFrame:
    n = len(ids)
    scale = 100 if method.input == "percent" else float(node.points)
    value = np.clip(skill + rng.normal(0, 0.05, n), 0, 1) * scale
    return pd.DataFrame({"appraisee_id": ids, "indicator": node.key, "item": "", "value": np.round(value, 1)})


def _deduction_rows(rng, node: Indicator, method: Deductions, ids, skill) -> list[pd.DataFrame]:
    frames = []
    for item in method.items:
        count = rng.poisson((1.05 - skill) * 0.6)
        selected = count > 0
        frames.append(
            pd.DataFrame(
                {
                    "appraisee_id": ids[selected],
                    "indicator": node.key,
                    "item": item.key,
                    "value": count[selected].astype(float),
                }
            )
        )
    return frames


def _ratio_rows(rng, node: Indicator, ids, skill) -> pd.DataFrame:
    n = len(ids)
    actual = np.round(100 * (skill + 0.15 + rng.normal(0, 0.05, n)), 1)
    return pd.DataFrame(
        {
            "appraisee_id": np.r_[ids, ids],
            "indicator": node.key,
            "item": np.repeat(["actual", "target"], n),
            "value": np.r_[actual, np.full(n, 100.0)],
        }
    )


def _count_rows(rng, node: Indicator, method: Count, ids, skill) -> pd.DataFrame:
    count = rng.poisson(np.maximum(method.threshold, 0.3) * skill)
    return pd.DataFrame({"appraisee_id": ids, "indicator": node.key, "item": "", "value": count.astype(float)})


def _average_rows(rng, node: Indicator, method: Average, ids, skill) -> pd.DataFrame:
    n = len(ids)
    scale = method.scale_max or float(node.points)
    value = np.clip(np.repeat(skill, 3) + rng.normal(0, 0.05, 3 * n), 0, 1) * scale
    return pd.DataFrame(
        {"appraisee_id": np.repeat(ids, 3), "indicator": node.key, "item": "", "value": np.round(value, 1)}
    )


def _items_rows(rng, node: Indicator, ids, skill) -> pd.DataFrame:
    n = len(ids)
    shares = np.array([0.5, 0.3, 0.2])
    item_points = np.tile(shares * float(node.points), n)
    value = np.clip(np.repeat(skill, 3) + rng.normal(0, 0.05, 3 * n), 0, 1) * item_points
    return pd.DataFrame(
        {
            "appraisee_id": np.repeat(ids, 3),
            "indicator": node.key,
            "item": np.tile(["i1", "i2", "i3"], n),
            "name": np.tile(["重点任务", "常规任务", "专项任务"], n),
            "points": item_points,
            "value": np.round(value, 1),
        }
    )


def _ballot_rows(rng, node: Indicator, method: Ballot, ids, skill, ballots_per_person: int) -> pd.DataFrame:
    count = ballots_per_person * len(ids)
    who = rng.integers(0, len(ids), count)
    score = np.clip(np.round(100 * skill[who] + rng.normal(0, 6, count)), 0, method.scale_max)
    rater_groups = [g.key for g in method.rater_groups] or [""]
    return pd.DataFrame(
        {
            "appraisee_id": ids[who],
            "rater_group": np.array(rater_groups, dtype=object)[rng.integers(0, len(rater_groups), count)],
            "score": score,
            "indicator": node.key,
        }
    )


def _claims(rng, scheme: Scheme, ids, claims_per_person: float) -> pd.DataFrame:
    rules = scheme.adjustments.rules
    if not rules or claims_per_person <= 0:
        return pd.DataFrame(columns=["appraisee_id", "rule", "level", "count", "dedup_key", "sharers", "verified"])
    count = int(len(ids) * claims_per_person)
    who = rng.integers(0, len(ids), count)
    rule_index = rng.integers(0, len(rules), count)
    levels = [np.array([lv.key for lv in r.levels] or [""], dtype=object) for r in rules]
    level = np.empty(count, dtype=object)
    for i, _rule in enumerate(rules):
        selected = rule_index == i
        level[selected] = levels[i][rng.integers(0, len(levels[i]), selected.sum())]
    return pd.DataFrame(
        {
            "appraisee_id": ids[who],
            "rule": np.array([r.key for r in rules], dtype=object)[rule_index],
            "level": level,
            "count": rng.integers(1, 3, count).astype(float),
            "dedup_key": np.where(rng.random(count) < 0.3, np.char.add("K", rng.integers(0, 5, count).astype(str)), ""),
            "sharers": np.where(rng.random(count) < 0.1, 2.0, 1.0),
            "verified": rng.random(count) < 0.95,
        }
    )


def _vetoes(rng, scheme: Scheme, ids, veto_rate: float) -> pd.DataFrame:
    if not scheme.vetoes or veto_rate <= 0:
        return pd.DataFrame(columns=["appraisee_id", "veto"])
    selected = rng.random(len(ids)) < veto_rate
    keys = np.array([v.key for v in scheme.vetoes], dtype=object)
    return pd.DataFrame(
        {"appraisee_id": ids[selected], "veto": keys[rng.integers(0, len(scheme.vetoes), selected.sum())]}
    )


def _history(rng, scheme: Scheme, ids, skill, cycles: int) -> list[pd.DataFrame]:
    n = len(ids)
    bands = [b.key for b in scheme.grades.bands] or [""]
    frames = []
    for back in range(cycles):
        composite = np.round(scheme.settings.total_points * np.clip(skill + rng.normal(0, 0.1, n), 0, 1.1), 2)
        frames.append(
            pd.DataFrame(
                {
                    "appraisee_id": ids,
                    "cycle": str(2025 - 1 - back),
                    "composite": composite,
                    "grade": np.array(bands, dtype=object)[rng.integers(0, len(bands), n)],
                }
            )
        )
    return frames


def _concat(frames: list[pd.DataFrame], columns: list[str], ballot_keys: Sequence[str]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    # optional columns that are blank throughout are left out, as a real sheet would
    for column in ("item", "indicator"):
        if column in out.columns and column != columns[1] and (out[column] == "").all():
            out = out.drop(columns=column)
    if "indicator" in out.columns and "rater_group" in out.columns and len(ballot_keys) == 1:
        out = out.drop(columns="indicator")
    return out
