"""Award tiers, relative amounts, pay percentages and roll-ups."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..scheme import Scheme
from .outcomes import GradeState, QuotaState, VetoState, settle_line
from .prepare import Prepared
from .ranking import Ranking, allocate, places, pool_codes
from .ties import LineTies, TieDecision


@dataclass
class AwardState:
    tier_idx: np.ndarray  # index into scheme.awards.tiers, -1 = none
    amount: np.ndarray  # per person before pay percent (nan = none/discretionary)
    pay_percent: np.ndarray
    paid: np.ndarray
    rollup: np.ndarray  # bool: amount is a roll-up average
    ties: dict[str, LineTies]  # tier key → ties at its prize line


def tier_amounts(scheme: Scheme) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for tier in scheme.awards.tiers:
        if tier.relative_to is not None:
            base = out.get(tier.relative_to)
            factor = tier.relative_factor  # validation requires it with relative_to
            out[tier.key] = None if base is None or factor is None else base * factor
        else:
            out[tier.key] = tier.amount
    return out


def assign_awards(
    scheme: Scheme,
    prepared: Prepared,
    ranking: Ranking,
    composite: np.ndarray,
    quotas: QuotaState,
    vetoes: VetoState,
    grades: GradeState,
    decisions: dict[tuple[str, frozenset[str]], TieDecision] | None = None,
) -> AwardState:
    """Tiers in order (an appraisee gets the first it is eligible for), amounts, the pay
    percent (vetoes and grades), then roll-ups."""
    awards = scheme.awards
    amounts = tier_amounts(scheme)
    ties: dict[str, LineTies] = {}
    tier_index = _assign_tiers(scheme, prepared, ranking, composite, (quotas, vetoes, grades), ties, decisions or {})
    amount_by_tier = np.array(
        [np.nan if amounts[tier.key] is None else amounts[tier.key] for tier in awards.tiers] + [np.nan]
    )
    amount = amount_by_tier[tier_index]  # index -1 → the trailing nan
    band_keys = [band.key for band in scheme.grades.bands]
    pay = vetoes.pay_percent.copy()
    for grade, percent in awards.pay_percent_by_grade.items():
        pay = np.where(grades.idx == band_keys.index(grade), np.minimum(pay, percent), pay)
    rollup = np.zeros(prepared.n, dtype=bool)
    appraisees = prepared.appraisees
    category = appraisees["category"].to_numpy()
    ids = appraisees["appraisee_id"].to_numpy()
    supervisor = appraisees["supervisor_id"].to_numpy()
    for level in awards.rollups:  # in order: vice-chairs first, then the chair
        mine = category == level.category
        per_supervisor = pd.Series(np.nan_to_num(amount)).groupby(supervisor).mean()
        amount = np.where(mine, per_supervisor.reindex(ids).to_numpy(dtype="float64"), amount)
        rollup |= mine
    paid = amount * pay / 100.0
    return AwardState(tier_index, amount, pay, paid, rollup, ties)


def _assign_tiers(
    scheme: Scheme,
    prepared: Prepared,
    ranking: Ranking,
    composite: np.ndarray,
    states: tuple[QuotaState, VetoState, GradeState],
    ties: dict[str, LineTies],
    decisions: dict[tuple[str, frozenset[str]], TieDecision],
) -> np.ndarray:
    """The tier index per appraisee (-1: none); the ties at each limited tier's line."""
    quotas, vetoes, grades = states
    category = prepared.appraisees["category"].to_numpy()
    tier_index = np.full(prepared.n, -1, dtype="int64")
    band_keys = [band.key for band in scheme.grades.bands]
    for i, tier in enumerate(scheme.awards.tiers):
        members = prepared.ranked.copy()
        if tier.categories is not None:
            members &= np.isin(category, tier.categories)
        waiting = np.zeros(prepared.n, dtype=bool)  # in a pending tie at an earlier prize line
        for earlier in ties.values():
            waiting |= earlier.pending
        eligible = members & ~vetoes.no_award & (tier_index < 0) & ~waiting
        if tier.quota is not None:
            eligible &= quotas.held[tier.quota]
        if tier.grades is not None:
            eligible &= np.isin(grades.idx, [band_keys.index(g) for g in tier.grades])
        if tier.min_score is not None:
            eligible &= composite >= tier.min_score - 1e-9
        if tier.count is not None or tier.ratio is not None:
            pool, order = pool_codes(ranking, tier.pool, prepared.ranked)
            size = places(pool, members, tier.ratio, tier.count, tier.rounding, tier.min_one)
            got = allocate(order, pool, eligible, size, composite)
            ties[tier.key] = settle_line(prepared, ranking, (pool, order, eligible, got), tier, decisions)
        else:
            got = eligible
        tier_index = np.where(got, i, tier_index)
    return tier_index
