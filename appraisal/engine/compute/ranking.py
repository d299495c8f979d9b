"""Ranking inside groups (1-2-2-4) and the quota allocator shared by quotas and awards."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..numeric import quota_size
from ..scheme import Scheme


@dataclass
class Ranking:
    group: np.ndarray          # group label per appraisee ('' for unranked)
    group_code: np.ndarray     # int code per appraisee; -1 for unranked
    rank: np.ndarray           # competition rank in group (float, nan if unranked)
    position: np.ndarray       # strict order in group, 1-based (0 if unranked)
    group_size: np.ndarray
    order_group: np.ndarray    # permutation: by group, then strict order
    order_tenant: np.ndarray   # permutation: strict order across the tenant
    tenant_position: np.ndarray


def rank(scheme: Scheme, appraisees: pd.DataFrame, composite: np.ndarray, ranked: np.ndarray,
         tie_values: list[tuple[np.ndarray, str]]) -> Ranking:
    n = len(appraisees)
    by = scheme.ranking.group_by
    labels = (appraisees[by].to_numpy(dtype=object) if by != "none"
              else np.full(n, "", dtype=object))
    labels = np.where(ranked, labels, "")
    codes, uniques = pd.factorize(pd.Series(labels, dtype="str"), sort=True)
    codes = np.where(ranked, codes, -1)
    big = len(uniques) + 1
    gkey = np.where(ranked, codes, big)
    comp = np.where(ranked, composite, -np.inf)
    ident = np.arange(n)  # appraisees are sorted by id: row number = id order
    keys = [ident]
    for values, order in reversed(tie_values):
        keys.append(-values if order == "desc" else values)
    keys.append(-comp)
    order_tenant = np.lexsort(keys + [~ranked])
    order_group = np.lexsort(keys + [gkey])
    position = np.zeros(n, dtype="int64")
    og = gkey[order_group]
    starts = np.r_[True, og[1:] != og[:-1]] if n else np.zeros(0, dtype=bool)
    start_idx = np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else starts
    position[order_group] = np.arange(n) - start_idx + 1
    position = np.where(ranked, position, 0)
    tenant_position = np.zeros(n, dtype="int64")
    tenant_position[order_tenant] = np.arange(1, n + 1)
    sizes = np.bincount(gkey, minlength=big + 1)
    group_size = np.where(ranked, sizes[gkey], 0)
    rk = (pd.Series(np.where(ranked, composite, np.nan))
          .groupby(gkey).rank(method="min", ascending=False).to_numpy())
    return Ranking(np.where(ranked, labels, ""), codes, rk, position, group_size,
                   order_group, order_tenant, np.where(ranked, tenant_position, 0))


def pool_codes(rk: Ranking, pool: str, ranked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pool code per appraisee, allocation order) for a pool 'group' or 'tenant'."""
    if pool == "tenant":
        return np.where(ranked, 0, -1), rk.order_tenant
    return rk.group_code, rk.order_group


def places(pool: np.ndarray, members: np.ndarray, ratio: float | None, count: int | None,
           rounding: str, min_one: bool) -> np.ndarray:
    """Quota size per pool code (indexable by code)."""
    m = max(int(pool.max()) + 1 if len(pool) else 1, 1)
    size = np.bincount(pool[members & (pool >= 0)], minlength=m)
    if ratio is not None:
        out = quota_size(size, ratio, rounding)
        if min_one:
            out = np.where(size > 0, np.maximum(out, 1), 0)
    else:
        out = np.full(m, int(count or 0), dtype="int64")
    return out


def allocate(order: np.ndarray, pool: np.ndarray, eligible: np.ndarray, size: np.ndarray,
             composite: np.ndarray, tie_policy: str = "tie_break") -> np.ndarray:
    """Give ``size[pool]`` places down ``order`` to eligible appraisees; the ineligible
    are skipped (their place passes on).  tie_policy at the boundary: 'tie_break'
    (the strict order decides, never exceeding), 'include_all', 'exclude_all'."""
    n = len(order)
    sel = np.zeros(n, dtype=bool)
    if not n:
        return sel
    pl = pool[order]
    e = eligible[order] & (pl >= 0)
    cum = np.cumsum(e)
    starts = np.r_[True, pl[1:] != pl[:-1]]
    start_idx = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    within = cum - (cum - e)[start_idx]
    cap = size[np.maximum(pl, 0)]
    s = e & (within <= cap)
    if tie_policy != "tie_break":
        comp = composite[order]
        codes = np.maximum(pl, 0)
        m = len(size)
        last = np.full(m, np.inf)
        np.minimum.at(last, codes[s], comp[s])
        nxt = np.full(m, -np.inf)
        rest = e & ~s
        np.maximum.at(nxt, codes[rest], comp[rest])
        tie = (last == nxt)[codes] & (comp == last[codes]) & e
        s = (s | tie) if tie_policy == "include_all" else (s & ~tie)
    sel[order] = s
    return sel
