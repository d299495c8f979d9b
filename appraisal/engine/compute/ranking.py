"""Ranking inside groups (1-2-2-4) and the quota allocator shared by quotas and awards."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..numeric import quota_size
from ..scheme import Scheme


@dataclass
class Ranking:
    group: np.ndarray  # group label per appraisee ('' for unranked)
    group_code: np.ndarray  # int code per appraisee; -1 for unranked
    rank: np.ndarray  # competition rank in group (float, nan if unranked)
    position: np.ndarray  # strict order in group, 1-based (0 if unranked)
    group_size: np.ndarray
    order_group: np.ndarray  # permutation: by group, then strict order
    order_tenant: np.ndarray  # permutation: strict order across the tenant
    equal: np.ndarray  # same code = equal on the composite and on every tie break
    tie_values: list[tuple[np.ndarray, str]]  # the tie breaks' values and orders


def rank(
    scheme: Scheme,
    appraisees: pd.DataFrame,
    composite: np.ndarray,
    ranked: np.ndarray,
    tie_values: list[tuple[np.ndarray, str]],
) -> Ranking:
    """Strict order in each group (composite, then the tie breaks) and the competition
    rank (equal composites share a rank: 1-2-2-4).  Appraisees equal on everything keep
    the id's order for display only: ``equal`` marks them, and a line they straddle is
    left to the office (``ties``)."""
    n = len(appraisees)
    group_by = scheme.ranking.group_by
    labels = appraisees[group_by].to_numpy(dtype=object) if group_by != "none" else np.full(n, "", dtype=object)
    labels = np.where(ranked, labels, "")
    codes, uniques = pd.factorize(pd.Series(labels, dtype="str"), sort=True)
    codes = np.where(ranked, codes, -1)
    unranked_group = len(uniques) + 1
    group_key = np.where(ranked, codes, unranked_group)
    ranked_composite = np.where(ranked, composite, -np.inf)
    identity = np.arange(n)  # display order of the fully tied only (decides no line)
    keys = [identity]
    for values, order in reversed(tie_values):
        keys.append(-values if order == "desc" else values)
    keys.append(-ranked_composite)
    order_tenant = np.lexsort(keys + [~ranked])
    order_group = np.lexsort(keys + [group_key])
    position = np.zeros(n, dtype="int64")
    ordered_groups = group_key[order_group]
    starts = np.r_[True, ordered_groups[1:] != ordered_groups[:-1]] if n else np.zeros(0, dtype=bool)
    start_index = np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else starts
    position[order_group] = np.arange(n) - start_index + 1
    position = np.where(ranked, position, 0)
    sizes = np.bincount(group_key, minlength=unranked_group + 1)
    group_size = np.where(ranked, sizes[group_key], 0)
    competition_rank = (
        pd.Series(np.where(ranked, composite, np.nan)).groupby(group_key).rank(method="min", ascending=False).to_numpy()
    )
    return Ranking(
        np.where(ranked, labels, ""),
        codes,
        competition_rank,
        position,
        group_size,
        order_group,
        order_tenant,
        _equal_codes(ranked_composite, tie_values),
        tie_values,
    )


def _equal_codes(composite: np.ndarray, tie_values: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """One code per distinct (composite, tie-break values…)."""
    if not len(composite):
        return np.zeros(0, dtype="int64")
    stacked = np.column_stack([composite] + [np.nan_to_num(values, nan=-np.inf) for values, _ in tie_values])
    _, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype("int64")


def pool_codes(ranking: Ranking, pool: str, ranked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pool code per appraisee, allocation order) for a pool 'group' or 'tenant'."""
    if pool == "tenant":
        return np.where(ranked, 0, -1), ranking.order_tenant
    return ranking.group_code, ranking.order_group


def rank_within(pool: np.ndarray, members: np.ndarray, composite: np.ndarray) -> np.ndarray:
    """Competition rank (1-2-2-4) of each member inside its pool (nan for non-members)."""
    values = pd.Series(np.where(members & (pool >= 0), composite, np.nan))
    return values.groupby(pool).rank(method="min", ascending=False).to_numpy()


def places(
    pool: np.ndarray, members: np.ndarray, ratio: float | None, count: int | None, rounding: str, min_one: bool
) -> np.ndarray:
    """Quota size per pool code (indexable by code)."""
    pools = max(int(pool.max()) + 1 if len(pool) else 1, 1)
    size = np.bincount(pool[members & (pool >= 0)], minlength=pools)
    if ratio is not None:
        out = quota_size(size, ratio, rounding)
        if min_one:
            out = np.where(size > 0, np.maximum(out, 1), 0)
    else:
        out = np.full(pools, int(count or 0), dtype="int64")
    return out


def allocate(
    order: np.ndarray,
    pool: np.ndarray,
    eligible: np.ndarray,
    size: np.ndarray,
    composite: np.ndarray,
    tie_policy: str = "tie_break",
) -> np.ndarray:
    """Give ``size[pool]`` places down ``order`` to eligible appraisees; the ineligible
    are skipped (their place passes on).  tie_policy at the boundary: 'tie_break'
    (the tie-break chain decides, never exceeding; a tie it cannot break is settled by
    ``ties.settle_ties``), 'include_all', 'exclude_all'."""
    n = len(order)
    selected = np.zeros(n, dtype=bool)
    if not n:
        return selected
    ordered_pool = pool[order]
    candidate = eligible[order] & (ordered_pool >= 0)
    running = np.cumsum(candidate)
    starts = np.r_[True, ordered_pool[1:] != ordered_pool[:-1]]
    start_index = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    within = running - (running - candidate)[start_index]
    cap = size[np.maximum(ordered_pool, 0)]
    chosen = candidate & (within <= cap)
    if tie_policy != "tie_break":
        chosen = _boundary_ties(chosen, candidate, ordered_pool, composite[order], len(size), tie_policy)
    selected[order] = chosen
    return selected


def _boundary_ties(
    chosen: np.ndarray,
    candidate: np.ndarray,
    ordered_pool: np.ndarray,
    composite: np.ndarray,
    pools: int,
    tie_policy: str,
) -> np.ndarray:
    """Candidates tied with the last chosen and the first left out of a pool: all in
    ('include_all') or all out ('exclude_all').  Arrays are in allocation order."""
    codes = np.maximum(ordered_pool, 0)
    last = np.full(pools, np.inf)
    np.minimum.at(last, codes[chosen], composite[chosen])
    next_out = np.full(pools, -np.inf)
    rest = candidate & ~chosen
    np.maximum.at(next_out, codes[rest], composite[rest])
    tie = (last == next_out)[codes] & (composite == last[codes]) & candidate
    return (chosen | tie) if tie_policy == "include_all" else (chosen & ~tie)
