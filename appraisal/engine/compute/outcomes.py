"""Veto effects, quotas and grades."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..scheme import Scheme
from .prepare import Prepared
from .ranking import Ranking, allocate, places, pool_codes


@dataclass
class VetoState:
    has: dict[str, np.ndarray]  # veto key → bool per appraisee
    any: np.ndarray
    no_quota: np.ndarray
    no_award: np.ndarray
    cap_idx: np.ndarray  # worst grade index allowed (0 = no cap)
    pay_percent: np.ndarray  # 100 = no effect
    head_not_excellent: np.ndarray  # the unit's head may not be excellent


def veto_state(scheme: Scheme, p: Prepared) -> VetoState:
    n = p.n
    codes = p.vetoes["code"].to_numpy()
    keys = p.vetoes["veto"].to_numpy()
    band_idx = {b.key: i for i, b in enumerate(scheme.grades.bands)}
    st = VetoState({}, np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                   np.zeros(n, "int64"), np.full(n, 100.0), np.zeros(n, bool))
    for v in scheme.vetoes:
        has = np.bincount(codes[keys == v.key], minlength=n)[:n] > 0
        st.has[v.key] = has
        st.any |= has
        e = v.effects
        st.no_quota |= has & e.exclude_quotas
        st.no_award |= has & e.exclude_awards
        if e.grade_cap is not None:
            st.cap_idx = np.where(has, np.maximum(st.cap_idx, band_idx[e.grade_cap]), st.cap_idx)
        if e.pay_percent is not None:
            st.pay_percent = np.where(has, np.minimum(st.pay_percent, e.pay_percent), st.pay_percent)
        st.head_not_excellent |= has & e.head_not_excellent
    return st


@dataclass
class QuotaState:
    held: dict[str, np.ndarray] = field(default_factory=dict)  # quota key → bool
    size: dict[str, np.ndarray] = field(default_factory=dict)  # quota key → places per appraisee's pool
    line: dict[str, np.ndarray] = field(default_factory=dict)  # lowest composite holding a place


def allocate_quotas(scheme: Scheme, p: Prepared, rk: Ranking, composite: np.ndarray,
                    vetoes: VetoState) -> QuotaState:
    qs = QuotaState()
    cat = p.appraisees["category"].to_numpy()
    for q in scheme.quotas:
        members = p.ranked.copy()
        if q.categories is not None:
            members &= np.isin(cat, q.categories)
        eligible = members.copy()
        if q.exclude_vetoed:
            eligible &= ~vetoes.no_quota
        if q.min_score is not None:
            eligible &= composite >= q.min_score - 1e-9
        if q.within is not None:
            eligible &= qs.held[q.within]
        pool, order = pool_codes(rk, q.pool, p.ranked)
        size = places(pool, members, q.ratio, q.count, q.rounding, q.min_one)
        qs.held[q.key] = allocate(order, pool, eligible, size, composite, q.tie_policy)
        qs.size[q.key] = np.where(pool >= 0, size[np.maximum(pool, 0)], 0)
        held = qs.held[q.key]
        line = np.full(len(size), np.inf)
        np.minimum.at(line, pool[held], composite[held])
        line = np.where(np.isinf(line), np.nan, line)
        qs.line[q.key] = np.where(pool >= 0, line[np.maximum(pool, 0)], np.nan)
    return qs


@dataclass
class GradeState:
    idx: np.ndarray        # band index per appraisee (-1 = no grades / unranked)
    by_score_idx: np.ndarray  # before veto caps (after a grade override)
    capped: np.ndarray     # a veto cap (or head rule) lowered the grade
    overridden: np.ndarray  # the grade was given from outside (grade_override)


def assign_grades(scheme: Scheme, p: Prepared, composite: np.ndarray, quotas: QuotaState,
                  vetoes: VetoState) -> GradeState:
    n = p.n
    bands = scheme.grades.bands
    if not bands:
        none = np.full(n, -1, dtype="int64")
        return GradeState(none, none, np.zeros(n, bool), np.zeros(n, bool))
    idx = np.full(n, len(bands) - 1, dtype="int64")
    for i in range(len(bands) - 2, -1, -1):  # best band last so it wins
        b = bands[i]
        ok = np.ones(n, dtype=bool)
        if b.min_score is not None:
            ok &= composite >= b.min_score - 1e-9
        if b.quota is not None:
            ok &= quotas.held[b.quota]
        idx = np.where(ok, i, idx)
    override = p.appraisees["grade_override"].to_numpy(dtype=object)
    given = override != ""
    if given.any():
        pos = pd.Index([b.key for b in bands], dtype=object).get_indexer(override)
        idx = np.where(given, pos, idx)
    cap = vetoes.cap_idx.copy()
    if scheme.appraisee_kind == "individual" and len(bands) > 1:
        # a unit head cannot be excellent when a veto with that effect hits the unit
        a = p.appraisees
        unit_hit = (pd.Series(vetoes.head_not_excellent).groupby(a["unit"].to_numpy())
                    .transform("any").to_numpy())
        head = a["is_unit_head"].to_numpy(dtype=bool) & (a["unit"] != "").to_numpy()
        cap = np.where(head & unit_hit, np.maximum(cap, 1), cap)
        cap = np.where(vetoes.head_not_excellent, np.maximum(cap, 1), cap)
    final = np.maximum(idx, cap)
    final = np.where(p.ranked, final, -1)
    by_score = np.where(p.ranked, idx, -1)
    return GradeState(final, by_score, final != by_score, given & p.ranked)
