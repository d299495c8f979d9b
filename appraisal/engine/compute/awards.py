"""Award tiers, relative amounts, pay percentages and roll-ups."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..scheme import Scheme
from .outcomes import GradeState, QuotaState, VetoState
from .prepare import Prepared
from .ranking import Ranking, allocate, places, pool_codes


@dataclass
class AwardState:
    tier_idx: np.ndarray      # index into scheme.awards.tiers, -1 = none
    amount: np.ndarray        # per person before pay percent (nan = none/discretionary)
    pay_percent: np.ndarray
    paid: np.ndarray
    rollup: np.ndarray        # bool: amount is a roll-up average
    tier_amounts: dict[str, float | None]


def tier_amounts(scheme: Scheme) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for t in scheme.awards.tiers:
        if t.relative_to is not None:
            base = out.get(t.relative_to)
            factor = t.relative_factor  # validation requires it with relative_to
            out[t.key] = None if base is None or factor is None else base * factor
        else:
            out[t.key] = t.amount
    return out


def assign_awards(scheme: Scheme, p: Prepared, rk: Ranking, composite: np.ndarray,
                  quotas: QuotaState, vetoes: VetoState, grades: GradeState) -> AwardState:
    n = p.n
    aw = scheme.awards
    amounts = tier_amounts(scheme)
    cat = p.appraisees["category"].to_numpy()
    tier_idx = np.full(n, -1, dtype="int64")
    band_keys = [b.key for b in scheme.grades.bands]
    for i, t in enumerate(aw.tiers):
        members = p.ranked.copy()
        if t.categories is not None:
            members &= np.isin(cat, t.categories)
        eligible = members & ~vetoes.no_award & (tier_idx < 0)
        if t.quota is not None:
            eligible &= quotas.held[t.quota]
        if t.grades is not None:
            eligible &= np.isin(grades.idx, [band_keys.index(g) for g in t.grades])
        if t.min_score is not None:
            eligible &= composite >= t.min_score - 1e-9
        if t.count is not None or t.ratio is not None:
            pool, order = pool_codes(rk, t.pool, p.ranked)
            size = places(pool, members, t.ratio, t.count, t.rounding, t.min_one)
            got = allocate(order, pool, eligible, size, composite)
        else:
            got = eligible
        tier_idx = np.where(got, i, tier_idx)
    amt_by_tier = np.array([np.nan if amounts[t.key] is None else amounts[t.key]
                            for t in aw.tiers] + [np.nan])
    amount = amt_by_tier[tier_idx]  # index -1 → the trailing nan
    pay = vetoes.pay_percent.copy()
    for g, pct in aw.pay_percent_by_grade.items():
        pay = np.where(grades.idx == band_keys.index(g), np.minimum(pay, pct), pay)
    rollup = np.zeros(n, dtype=bool)
    a = p.appraisees
    ids = a["appraisee_id"].to_numpy()
    sup = a["supervisor_id"].to_numpy()
    for r in aw.rollups:  # in order: vice-chairs first, then the chair
        mine = cat == r.category
        per_sup = pd.Series(np.nan_to_num(amount)).groupby(sup).mean()
        amount = np.where(mine, per_sup.reindex(ids).to_numpy(dtype="float64"), amount)
        rollup |= mine
    paid = amount * pay / 100.0
    return AwardState(tier_idx, amount, pay, paid, rollup, amounts)
