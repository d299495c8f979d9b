"""The results of a computation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Results:
    """What ``compute`` returns (every column is documented in docs/engine/inputs-and-results.md).

    appraisees: one row per appraisee, flat and JSON-friendly, sorted by ranking group
        then position: identity columns; score_<indicator> for every node of the tree;
        part_<part> (contribution to the composite); base_score; adj_<rule>; bonus_raw,
        bonus, penalty_raw, penalty, adjustment; composite; vetoes, vetoed; group, rank,
        position, group_size; quota_<key> and quota_<key>_places; grade, grade_zh,
        grade_en, grade_by_score, grade_rule; award, award_zh, award_en, award_amount,
        pay_percent, award_paid; ties_pending, ties_decided; flag_<key>; flags;
        missing_inputs.
    adjustments: one row per claim: raw points, after de-dup, after sharing, counted
        and why not.
    groups: one row per ranking group: group, size, and places of each quota.
    ties: one row per tie the tie-break chain cannot break at a quota or prize line:
        line, line_zh, line_en, group, tied (ids), places, status (pending/decided),
        placed, reason, document — publication waits while one is pending.
    explanations: appraisee_id, seq, kind, ref, zh, en — built on first access.
    """

    appraisees: pd.DataFrame
    adjustments: pd.DataFrame
    groups: pd.DataFrame
    scheme_key: str
    scheme_version: int
    scheme_hash: str
    ties: pd.DataFrame = field(default_factory=pd.DataFrame)
    _explain: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    _explanations: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def explanations(self) -> pd.DataFrame:
        if self._explanations is None:
            self._explanations = self._explain() if self._explain else pd.DataFrame()
        return self._explanations

    def records(self, table: str = "appraisees") -> list[dict]:
        """A result table as JSON-ready dicts (NaN/NA → None, numpy → Python types),
        e.g. to store per-appraisee results: ``records("appraisees")``,
        ``records("adjustments")``, ``records("explanations")``, ``records("groups")``."""
        frame = getattr(self, table)
        return json.loads(frame.to_json(orient="records", force_ascii=False))
