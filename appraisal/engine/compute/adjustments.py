"""Adjustments (加减分): claims → de-duplication → sharing → rule caps → total caps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..numeric import exact_sum
from ..scheme import Scheme
from ..scheme.rules import AdjustmentRule, Adjustments
from .prepare import Prepared

CLAIM_COLUMNS = [
    "claim_id",
    "appraisee_id",
    "rule",
    "kind",
    "level",
    "count",
    "dedup_key",
    "sharers",
    "verified",
    "evidence",
    "points_unit",
    "points_raw",
    "points_after_dedup",
    "points_after_sharing",
    "counted",
    "reason",
]


@dataclass
class AdjustmentResult:
    per_rule: dict[str, np.ndarray]  # rule key → points per appraisee (after rule cap)
    bonus_raw: np.ndarray
    bonus: np.ndarray
    penalty_raw: np.ndarray
    penalty: np.ndarray
    claims: pd.DataFrame

    @property
    def total(self) -> np.ndarray:
        return self.bonus - self.penalty


def apply_adjustments(scheme: Scheme, prepared: Prepared) -> AdjustmentResult:
    """Claims → points per claim (de-duplicated, shared) → totals per rule, bonus, penalty."""
    n = prepared.n
    adjustments = scheme.adjustments
    claims = prepared.claims
    if "claim_id" not in claims.columns:
        claims = claims.assign(claim_id="")
    claims = _sorted_claims(_with_rule_columns(adjustments.rules, claims))
    claims = _counted_claims(adjustments, claims)
    per_rule = {}
    bonus_raw, penalty_raw = np.zeros(n), np.zeros(n)
    rule_column = claims["rule"].to_numpy()
    codes = claims["code"].to_numpy()
    after_sharing = claims["points_after_sharing"].to_numpy()
    for rule in adjustments.rules:
        selected = rule_column == rule.key
        total = exact_sum(codes[selected], after_sharing[selected], n)
        if rule.cap is not None:
            total = np.minimum(total, rule.cap)
        per_rule[rule.key] = total
        if rule.kind == "bonus":
            bonus_raw += total
        else:
            penalty_raw += total
    bonus = bonus_raw if adjustments.bonus_cap is None else np.minimum(bonus_raw, adjustments.bonus_cap)
    penalty = penalty_raw if adjustments.penalty_cap is None else np.minimum(penalty_raw, adjustments.penalty_cap)
    return AdjustmentResult(per_rule, bonus_raw, bonus, penalty_raw, penalty, _claims_table(claims))


def _with_rule_columns(rules: list[AdjustmentRule], claims: pd.DataFrame) -> pd.DataFrame:
    """Each claim's kind, de-duplication group and points per occurrence, from its rule
    (loop over the scheme's rules, vectorised over claims)."""
    unit = np.zeros(len(claims))
    kind = np.full(len(claims), "", dtype=object)
    group = np.full(len(claims), "", dtype=object)
    rule_column = claims["rule"].to_numpy()
    level_column = claims["level"].to_numpy()
    for rule in rules:
        selected = rule_column == rule.key
        if rule.levels:
            level_points = pd.Series({level.key: level.points for level in rule.levels})
            unit[selected] = level_points.reindex(level_column[selected]).to_numpy(dtype="float64")
        else:
            unit[selected] = rule.points
        kind[selected] = rule.kind
        group[selected] = rule.dedup_group or ""
    return claims.assign(kind=kind, dedup_group=group, points_unit=unit)


def _sorted_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """A deterministic order, whatever the input row order; within an (appraisee, group,
    key) the highest points first."""
    for column in ("rule", "level", "dedup_key", "evidence", "claim_id"):
        claims[column] = claims[column].astype("str")  # sort by value, not by category order
    return claims.sort_values(
        [
            "code",
            "dedup_group",
            "dedup_key",
            "points_unit",
            "rule",
            "level",
            "count",
            "sharers",
            "verified",
            "evidence",
            "claim_id",
        ],
        ascending=[True, True, True, False, True, True, True, True, False, True, True],
        kind="stable",
    ).reset_index(drop=True)


def _share_factors(adjustments: Adjustments, claims: pd.DataFrame) -> np.ndarray:
    """Per claim: the factor for sharing it with other units ('factor' or 'divide')."""
    rule_column = claims["rule"].to_numpy()
    sharers = claims["sharers"].to_numpy(dtype="float64")
    factor = np.ones(len(claims))
    for rule in adjustments.rules:
        selected = rule_column == rule.key
        share = rule.share_factor if rule.share_factor is not None else adjustments.share_factor
        if rule.share_mode == "divide":
            factor[selected] = 1.0 / np.maximum(sharers[selected], 1.0)
        else:
            factor[selected] = np.where(sharers[selected] > 1, share, 1.0)
    return factor


def _counted_claims(adjustments: Adjustments, claims: pd.DataFrame) -> pd.DataFrame:
    """Points raw, after de-duplication, after sharing; counted or why not; claim ids."""
    factor = _share_factors(adjustments, claims)
    count = claims["count"].to_numpy(dtype="float64")
    unit = claims["points_unit"].to_numpy()
    raw = unit * count
    verified = claims["verified"].to_numpy(dtype=bool) | adjustments.count_unverified
    keyed = (claims["dedup_group"] != "").to_numpy() & (claims["dedup_key"] != "").to_numpy()
    # among verified keyed claims, the first of each (appraisee, group, key) is the highest
    candidates = claims.loc[verified & keyed, ["code", "dedup_group", "dedup_key"]]
    duplicate = np.zeros(len(claims), dtype=bool)
    duplicate[np.flatnonzero(verified & keyed)] = candidates.duplicated().to_numpy()
    after_dedup = np.where(keyed, unit, raw)  # keyed: counted once
    after_dedup = np.where(duplicate | ~verified, 0.0, after_dedup)
    after_sharing = after_dedup * factor
    counted = verified & ~duplicate & (after_sharing > 0)
    reason = np.where(
        ~verified,
        "unverified",
        np.where(duplicate, "duplicate: counted once at its highest level", np.where(factor < 1, "shared", "")),
    )
    claims = claims.assign(
        points_raw=raw,
        points_after_dedup=after_dedup,
        points_after_sharing=after_sharing,
        counted=counted,
        reason=reason,
    )
    missing_id = (claims["claim_id"].astype("str") == "").to_numpy()
    ids = "c" + pd.Series(np.arange(1, len(claims) + 1)).astype("str")
    claims["claim_id"] = np.where(missing_id, ids.to_numpy(), claims["claim_id"].astype("str").to_numpy())
    return claims


def _claims_table(claims: pd.DataFrame) -> pd.DataFrame:
    """The adjustments result table: plain str columns, CLAIM_COLUMNS first."""
    table = claims.drop(columns=["code", "dedup_group"])
    for column in table.columns:
        if isinstance(table[column].dtype, pd.CategoricalDtype) or table[column].dtype == object:
            table[column] = table[column].astype("str")
    return table[CLAIM_COLUMNS + [x for x in table.columns if x not in CLAIM_COLUMNS]]
