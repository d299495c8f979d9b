"""Veto effects, quotas and grades."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..scheme import Scheme
from ..scheme.rules import Quota, Tier
from .prepare import Prepared
from .ranking import Ranking, allocate, places, pool_codes, rank_within
from .ties import LineTies, TieDecision, exhausted_ties, settle_ties


@dataclass
class VetoState:
    has: dict[str, np.ndarray]  # veto key → bool per appraisee
    any: np.ndarray
    no_quota: np.ndarray
    no_award: np.ndarray
    cap_idx: np.ndarray  # worst grade index allowed (0 = no cap)
    pay_percent: np.ndarray  # 100 = no effect
    head_not_excellent: np.ndarray  # the unit's head may not be excellent


def veto_state(scheme: Scheme, prepared: Prepared) -> VetoState:
    n = prepared.n
    codes = prepared.vetoes["code"].to_numpy()
    keys = prepared.vetoes["veto"].to_numpy()
    band_index = {band.key: i for i, band in enumerate(scheme.grades.bands)}
    state = VetoState(
        {},
        np.zeros(n, bool),
        np.zeros(n, bool),
        np.zeros(n, bool),
        np.zeros(n, "int64"),
        np.full(n, 100.0),
        np.zeros(n, bool),
    )
    for veto in scheme.vetoes:
        has = np.bincount(codes[keys == veto.key], minlength=n)[:n] > 0
        state.has[veto.key] = has
        state.any |= has
        effects = veto.effects
        state.no_quota |= has & effects.exclude_quotas
        state.no_award |= has & effects.exclude_awards
        if effects.grade_cap is not None:
            state.cap_idx = np.where(has, np.maximum(state.cap_idx, band_index[effects.grade_cap]), state.cap_idx)
        if effects.pay_percent is not None:
            state.pay_percent = np.where(has, np.minimum(state.pay_percent, effects.pay_percent), state.pay_percent)
        state.head_not_excellent |= has & effects.head_not_excellent
    return state


@dataclass
class QuotaState:
    held: dict[str, np.ndarray] = field(default_factory=dict)  # quota key → bool
    size: dict[str, np.ndarray] = field(default_factory=dict)  # quota key → places per appraisee's pool
    line: dict[str, np.ndarray] = field(default_factory=dict)  # lowest composite holding a place
    ties: dict[str, LineTies] = field(default_factory=dict)  # quota key → ties at its line


def allocate_quotas(
    scheme: Scheme,
    prepared: Prepared,
    ranking: Ranking,
    composite: np.ndarray,
    vetoes: VetoState,
    decisions: dict[tuple[str, frozenset[str]], TieDecision] | None = None,
) -> QuotaState:
    quotas = QuotaState()
    category = prepared.appraisees["category"].to_numpy()
    floors = quota_floors(scheme)
    for quota in scheme.quotas:
        members = prepared.ranked.copy()
        if quota.categories is not None:
            members &= np.isin(category, quota.categories)
        eligible = members.copy()
        if quota.exclude_vetoed:
            eligible &= ~vetoes.no_quota
        if quota.min_score is not None:
            eligible &= composite >= quota.min_score - 1e-9
        if quota.key in floors:  # a quota-only grade band's floor: below it, no place
            eligible &= composite >= floors[quota.key] - 1e-9
        if quota.within is not None:
            eligible &= quotas.held[quota.within]
        pool, order = pool_codes(ranking, quota.pool, prepared.ranked)
        size = places(pool, members, quota.ratio, quota.count, quota.rounding, quota.min_one)
        if quota.reading == "rank":  # a rank condition: no place passes down, ties inside all in
            held = eligible & (rank_within(pool, members, composite) <= size[np.maximum(pool, 0)])
            quotas.ties[quota.key] = LineTies(np.zeros(prepared.n, bool), np.zeros(prepared.n, bool))
        else:
            held = allocate(order, pool, eligible, size, composite, quota.tie_policy)
            quotas.ties[quota.key] = settle_line(
                prepared, ranking, (pool, order, eligible, held), quota, decisions or {}
            )
        quotas.held[quota.key] = held
        quotas.size[quota.key] = np.where(pool >= 0, size[np.maximum(pool, 0)], 0)
        line = np.full(len(size), np.inf)
        np.minimum.at(line, pool[held], composite[held])
        line = np.where(np.isinf(line), np.nan, line)
        quotas.line[quota.key] = np.where(pool >= 0, line[np.maximum(pool, 0)], np.nan)
    return quotas


def quota_floors(scheme: Scheme) -> dict[str, float]:
    """quota key → the floor of the quota-only grade band that uses it (优秀 needs 称职's
    threshold): an appraisee below it takes no place of that quota."""
    grades = scheme.grades
    out: dict[str, float] = {}
    for i, band in enumerate(grades.bands):
        floor = grades.floor_of(i)
        if band.quota is not None and band.min_score is None and floor is not None:
            out[band.quota] = floor
    return out


def settle_line(
    prepared: Prepared,
    ranking: Ranking,
    allocation: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    line: Quota | Tier,
    decisions: dict[tuple[str, frozenset[str]], TieDecision],
) -> LineTies:
    """The exhausted ties at a quota's or a tier's line, decided by the office or pending
    (``held`` changes accordingly).  A boundary policy other than the chain has none."""
    pool, order, eligible, held = allocation
    if getattr(line, "tie_policy", "tie_break") != "tie_break":
        return LineTies(np.zeros(prepared.n, bool), np.zeros(prepared.n, bool))
    tied = exhausted_ties(order, pool, eligible, held, ranking.equal)
    prefix = "quotas" if isinstance(line, Quota) else "awards"
    groups = ranking.group if line.pool == "group" else np.full(prepared.n, "", dtype=object)
    ids = prepared.appraisees["appraisee_id"].to_numpy(dtype=object)
    return settle_ties((f"{prefix}.{line.key}", line.name_zh, line.name_en), tied, held, ids, groups, decisions)


@dataclass
class GradeState:
    idx: np.ndarray  # band index per appraisee (-1 = no grades / unranked)
    by_score_idx: np.ndarray  # before veto caps (after a grade override)
    capped: np.ndarray  # a veto cap (or head rule) lowered the grade
    overridden: np.ndarray  # the grade was given from outside (grade_override)


def assign_grades(
    scheme: Scheme,
    prepared: Prepared,
    composite: np.ndarray,
    quotas: QuotaState,
    vetoes: VetoState,
    unrounded: np.ndarray | None = None,
) -> GradeState:
    """The first band whose conditions hold (score ≥ its threshold or quota floor, and
    its quota held), an override from outside, then veto caps and the unit-head rule.
    ``unrounded``: the total before rounding, compared when the scheme says so."""
    n = prepared.n
    bands = scheme.grades.bands
    if scheme.grades.compare == "unrounded" and unrounded is not None:
        composite = np.where(prepared.ranked, unrounded, composite)
    if not bands:
        none = np.full(n, -1, dtype="int64")
        return GradeState(none, none, np.zeros(n, bool), np.zeros(n, bool))
    index = np.full(n, len(bands) - 1, dtype="int64")
    for i in range(len(bands) - 2, -1, -1):  # best band last so it wins
        band = bands[i]
        meets = np.ones(n, dtype=bool)
        floor = scheme.grades.floor_of(i)
        if floor is not None:
            meets &= composite >= floor - 1e-9
        if band.quota is not None:
            meets &= quotas.held[band.quota]
        index = np.where(meets, i, index)
    override = prepared.appraisees["grade_override"].to_numpy(dtype=object)
    given = override != ""
    if given.any():
        position = pd.Index([band.key for band in bands], dtype=object).get_indexer(override)
        index = np.where(given, position, index)
    cap = vetoes.cap_idx.copy()
    if scheme.appraisee_kind == "individual" and len(bands) > 1:
        cap = _cap_unit_heads(prepared.appraisees, vetoes, cap)
    final = np.maximum(index, cap)
    final = np.where(prepared.ranked, final, -1)
    by_score = np.where(prepared.ranked, index, -1)
    return GradeState(final, by_score, final != by_score, given & prepared.ranked)


def _cap_unit_heads(appraisees: pd.DataFrame, vetoes: VetoState, cap: np.ndarray) -> np.ndarray:
    """A unit head cannot be excellent (band 0) when a veto with that effect hits the unit,
    nor can the one it hits."""
    unit_hit = pd.Series(vetoes.head_not_excellent).groupby(appraisees["unit"].to_numpy()).transform("any").to_numpy()
    head = appraisees["is_unit_head"].to_numpy(dtype=bool) & (appraisees["unit"] != "").to_numpy()
    cap = np.where(head & unit_hit, np.maximum(cap, 1), cap)
    return np.where(vetoes.head_not_excellent, np.maximum(cap, 1), cap)
