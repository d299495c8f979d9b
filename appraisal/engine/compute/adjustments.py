"""Adjustments (加减分): claims → de-duplication → sharing → rule caps → total caps."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..numeric import exact_sum
from ..scheme import Scheme
from .prepare import Prepared

CLAIM_COLUMNS = ["claim_id", "appraisee_id", "rule", "kind", "level", "count", "dedup_key",
                 "sharers", "verified", "evidence", "points_unit", "points_raw",
                 "points_after_dedup", "points_after_sharing", "counted", "reason"]


@dataclass
class AdjustmentResult:
    per_rule: dict[str, np.ndarray]  # rule key → points per appraisee (after rule cap)
    per_rule_raw: dict[str, np.ndarray]  # before the rule cap
    bonus_raw: np.ndarray
    bonus: np.ndarray
    penalty_raw: np.ndarray
    penalty: np.ndarray
    claims: pd.DataFrame

    @property
    def total(self) -> np.ndarray:
        return self.bonus - self.penalty


def apply_adjustments(scheme: Scheme, p: Prepared) -> AdjustmentResult:
    n = p.n
    adj = scheme.adjustments
    c = p.claims
    if "claim_id" not in c.columns:
        c = c.assign(claim_id="")
    rules = adj.rules
    unit = np.zeros(len(c))
    kind = np.full(len(c), "", dtype=object)
    group = np.full(len(c), "", dtype=object)
    rule_col = c["rule"].to_numpy()
    level_col = c["level"].to_numpy()
    for r in rules:  # loop over the scheme's rules, vectorised over claims
        sel = rule_col == r.key
        if r.levels:
            lv = pd.Series({x.key: x.points for x in r.levels})
            unit[sel] = lv.reindex(level_col[sel]).to_numpy(dtype="float64")
        else:
            unit[sel] = r.points
        kind[sel] = r.kind
        group[sel] = r.dedup_group or ""
    c = c.assign(kind=kind, dedup_group=group, points_unit=unit)
    for col in ("rule", "level", "dedup_key", "evidence", "claim_id"):
        c[col] = c[col].astype("str")  # sort by value, not by category order
    # a deterministic order, whatever the input row order
    c = c.sort_values(["code", "dedup_group", "dedup_key", "points_unit", "rule", "level",
                       "count", "sharers", "verified", "evidence", "claim_id"],
                      ascending=[True, True, True, False, True, True, True, True, False, True, True],
                      kind="stable").reset_index(drop=True)
    rule_col = c["rule"].to_numpy()
    sharers = c["sharers"].to_numpy(dtype="float64")
    factor = np.ones(len(c))
    for r in rules:
        sel = rule_col == r.key
        share = r.share_factor if r.share_factor is not None else adj.share_factor
        if r.share_mode == "divide":
            factor[sel] = 1.0 / np.maximum(sharers[sel], 1.0)
        else:
            factor[sel] = np.where(sharers[sel] > 1, share, 1.0)

    count = c["count"].to_numpy(dtype="float64")
    raw = c["points_unit"].to_numpy() * count
    verified = c["verified"].to_numpy(dtype=bool) | adj.count_unverified
    keyed = (c["dedup_group"] != "").to_numpy() & (c["dedup_key"] != "").to_numpy()
    # among verified keyed claims, the first of each (appraisee, group, key) is the highest
    cand = c.loc[verified & keyed, ["code", "dedup_group", "dedup_key"]]
    dup = np.zeros(len(c), dtype=bool)
    dup[np.flatnonzero(verified & keyed)] = cand.duplicated().to_numpy()
    after_dedup = np.where(keyed, c["points_unit"].to_numpy(), raw)  # keyed: counted once
    after_dedup = np.where(dup | ~verified, 0.0, after_dedup)
    after_share = after_dedup * factor
    counted = verified & ~dup & (after_share > 0)
    reason = np.where(~verified, "unverified",
                      np.where(dup, "duplicate: counted once at its highest level",
                               np.where(factor < 1, "shared", "")))
    c = c.assign(points_raw=raw, points_after_dedup=after_dedup,
                 points_after_sharing=after_share, counted=counted, reason=reason)
    missing_id = (c["claim_id"].astype("str") == "").to_numpy()
    ids = "c" + pd.Series(np.arange(1, len(c) + 1)).astype("str")
    c["claim_id"] = np.where(missing_id, ids.to_numpy(), c["claim_id"].astype("str").to_numpy())

    codes = c["code"].to_numpy()
    per_rule, per_rule_raw = {}, {}
    bonus_raw, penalty_raw = np.zeros(n), np.zeros(n)
    for r in rules:
        sel = rule_col == r.key
        tot = exact_sum(codes[sel], after_share[sel], n)
        per_rule_raw[r.key] = tot
        if r.cap is not None:
            tot = np.minimum(tot, r.cap)
        per_rule[r.key] = tot
        if r.kind == "bonus":
            bonus_raw += tot
        else:
            penalty_raw += tot
    bonus = bonus_raw if adj.bonus_cap is None else np.minimum(bonus_raw, adj.bonus_cap)
    penalty = penalty_raw if adj.penalty_cap is None else np.minimum(penalty_raw, adj.penalty_cap)
    claims = c.drop(columns=["code", "dedup_group"])
    for col in claims.columns:
        if isinstance(claims[col].dtype, pd.CategoricalDtype) or claims[col].dtype == object:
            claims[col] = claims[col].astype("str")
    claims = claims[CLAIM_COLUMNS + [x for x in claims.columns if x not in CLAIM_COLUMNS]]
    return AdjustmentResult(per_rule, per_rule_raw, bonus_raw, bonus, penalty_raw, penalty, claims)
