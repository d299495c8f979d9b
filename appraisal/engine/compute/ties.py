"""Ties the tie-break chain cannot break, at a quota or prize line (并列待定).

After a line's places are given down the strict order, the line is *exhausted* in a
pool when the last appraisee given a place and the first eligible one left out are equal
on the composite and on every tie-break of the scheme's chain.  Then every eligible
appraisee of that pool equal to them is in the tie; nobody of the tie holds a place
until the office records who is placed (``TieDecision``).  A decision applies when the
same tie recurs — the same line and exactly the same appraisees — and places exactly as
many as the line has for them; otherwise the tie is pending again.  The display order of
fully tied appraisees (their id) decides nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TieDecision:
    """The office's decision on one tie: at ``line`` ('quotas.<key>' or 'awards.<key>'),
    of the appraisees ``tied``, those ``placed`` hold the places (reason, document no.)."""

    line: str
    tied: frozenset[str]
    placed: frozenset[str]
    reason: str = ""
    document: str = ""


@dataclass
class Tie:
    """One exhausted tie at a line: who is tied, for how many places, and its decision."""

    line: str
    name_zh: str
    name_en: str
    group: str
    tied: list[str]
    places: int
    decision: TieDecision | None = None

    @property
    def status(self) -> str:
        return "decided" if self.decision is not None else "pending"


@dataclass
class LineTies:
    """Per appraisee: in a pending tie at this line, in a decided one; and the ties."""

    pending: np.ndarray
    decided: np.ndarray
    ties: list[Tie] = field(default_factory=list)


def decision_index(decisions: Iterable[TieDecision]) -> dict[tuple[str, frozenset[str]], TieDecision]:
    """Decisions by (line, tied appraisees); a later decision on the same tie wins."""
    return {(decision.line, frozenset(decision.tied)): decision for decision in decisions}


def exhausted_ties(
    order: np.ndarray, pool: np.ndarray, candidate: np.ndarray, selected: np.ndarray, equal: np.ndarray
) -> np.ndarray:
    """The pool code of each appraisee in an exhausted tie at the line (-1: none).

    ``equal``: appraisees with the same code are equal on the composite and on every
    tie-break.  Arrays are per appraisee; ``order`` is the allocation order."""
    n = len(order)
    tied = np.full(n, -1, dtype="int64")
    if not n:
        return tied
    pools = int(pool.max()) + 1 if (pool >= 0).any() else 0
    ordered_pool = pool[order]
    ordered_candidate = candidate[order] & (ordered_pool >= 0)
    ordered_selected = selected[order] & ordered_candidate
    ordered_equal = equal[order]
    index = np.arange(n)
    codes = np.maximum(ordered_pool, 0)
    last_in = np.full(pools, -1)
    np.maximum.at(last_in, codes[ordered_selected], index[ordered_selected])
    rest = ordered_candidate & ~ordered_selected
    first_out = np.full(pools, n)
    np.minimum.at(first_out, codes[rest], index[rest])
    both = (last_in >= 0) & (first_out < n)
    tie_equal = np.full(pools, -1)
    same = both.copy()
    same[both] = ordered_equal[last_in[both]] == ordered_equal[first_out[both]]
    tie_equal[same] = ordered_equal[last_in[same]]
    member = ordered_candidate & same[codes] & (ordered_equal == tie_equal[codes])
    tied[order] = np.where(member, ordered_pool, -1)
    return tied


def settle_ties(
    line: tuple[str, str, str],
    tied: np.ndarray,
    selected: np.ndarray,
    ids: np.ndarray,
    groups: np.ndarray,
    decisions: dict[tuple[str, frozenset[str]], TieDecision],
) -> LineTies:
    """Apply the office's decision to each exhausted tie at ``line`` (key, name_zh,
    name_en), or leave the tie pending: none of it holds a place.  Changes ``selected``.
    Loops over the ties (rare), never over appraisees."""
    key, name_zh, name_en = line
    state = LineTies(np.zeros(len(ids), dtype=bool), np.zeros(len(ids), dtype=bool))
    for pool in np.unique(tied[tied >= 0]):
        members = np.flatnonzero(tied == pool)
        member_ids = ids[members].astype(str)
        places = int(selected[members].sum())
        decision = decisions.get((key, frozenset(member_ids.tolist())))
        if decision is not None and (len(decision.placed) != places or not decision.placed <= decision.tied):
            decision = None  # the line now has another number of places for them: ask again
        if decision is None:
            selected[members] = False
            state.pending[members] = True
        else:
            selected[members] = np.isin(member_ids, list(decision.placed))
            state.decided[members] = True
        tie = Tie(key, name_zh, name_en, str(groups[members[0]]), sorted(member_ids.tolist()), places, decision)
        state.ties.append(tie)
    return state
