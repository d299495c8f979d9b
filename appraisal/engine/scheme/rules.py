"""Rules outside the indicator tree: adjustments, vetoes, composition, ranking,
quotas, grades, awards and history flags."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Key, Named, Strict

Rounding = Literal["half_up", "floor", "ceil"]


# --- adjustments (加减分) -------------------------------------------------------------
class Level(Named):
    points: float = Field(gt=0)


class AdjustmentRule(Named):
    """A bonus or penalty claimed per occurrence (``claims`` rows).

    points per occurrence, or one of ``levels`` (city/province/national...).
    dedup_group: claims of rules in the same group with the same dedup_key for the
    same appraisee count once, at the highest points (同一项目不重复加分).
    Shared claims (sharers > 1) are multiplied by share_factor (default the
    scheme's ``adjustments.share_factor``) or divided by the number of sharers.
    cap: optional cap on this rule's total per appraisee."""

    kind: Literal["bonus", "penalty"]
    points: float | None = Field(default=None, gt=0)
    levels: list[Level] = Field(default_factory=list)
    dedup_group: Key | None = None
    share_mode: Literal["factor", "divide"] = "factor"
    share_factor: float | None = Field(default=None, gt=0, le=1)
    cap: float | None = Field(default=None, ge=0)


class Adjustments(Strict):
    bonus_cap: float | None = Field(default=None, ge=0)  # cap on the bonus total
    penalty_cap: float | None = Field(default=None, ge=0)  # optional cap on the penalty total
    share_factor: float = Field(default=0.5, gt=0, le=1)  # shared → half (setting)
    count_unverified: bool = False  # unverified claims never count (setting)
    rules: list[AdjustmentRule] = Field(default_factory=list)


# --- vetoes (一票否决) -----------------------------------------------------------------
class VetoEffects(Strict):
    exclude_quotas: bool = True  # no quota place (the place passes to the next)
    exclude_awards: bool = True  # no award
    grade_cap: Key | None = None  # grade at most this band
    pay_percent: float | None = Field(default=None, ge=0, le=100)  # bonus paid at this %
    head_not_excellent: bool = False  # the unit's head cannot be rated excellent


class Veto(Named):
    effects: VetoEffects = Field(default_factory=VetoEffects)


# --- composition ------------------------------------------------------------------------
class Part(Strict):
    indicator: Key
    weight: float | None = Field(default=None, ge=0, le=1)


class Composition(Strict):
    """sum: composite = Σ part scores + adjustments.
    weighted: composite = Σ weight × score / points × total + adjustments
    (a 100-point ballot used as a 30-point part).  Parts default to the top-level
    indicators."""

    method: Literal["sum", "weighted"] = "sum"
    parts: list[Part] = Field(default_factory=list)


# --- ranking ----------------------------------------------------------------------------
class TieBreak(Strict):
    indicator: Key  # an indicator key, or "bonus"/"penalty"
    order: Literal["desc", "asc"] = "desc"


class Ranking(Strict):
    """Rank inside groups by composite (standard competition ranking 1-2-2-4); the
    strict order (position) uses the tie-break chain.  Appraisees equal on the composite
    and on every tie-break are fully tied: at a quota or prize line such a tie is
    "pending" (并列待定) until the office records its decision — never decided by an
    id (their display order is the id's, which decides nothing)."""

    group_by: Literal["ranking_group", "category", "unit", "none"] = "ranking_group"
    tie_breaks: list[TieBreak] = Field(default_factory=list)


# --- quotas (限额) -----------------------------------------------------------------------
class Quota(Named):
    """Places given down the ranking to eligible appraisees; the ineligible are
    skipped and their place passes on.  Size = ratio × pool size (rounded) or count."""

    ratio: float | None = Field(default=None, gt=0, le=1)
    count: int | None = Field(default=None, ge=0)
    pool: Literal["group", "tenant"] = "group"
    rounding: Rounding = "half_up"  # 四舍五入 (setting)
    min_one: bool = False  # at least one place per non-empty pool (setting)
    min_score: float | None = None  # below-threshold appraisees are skipped
    exclude_vetoed: bool = True
    within: Key | None = None  # chosen only among holders of an earlier quota
    categories: list[str] | None = None  # only these categories are eligible
    tie_policy: Literal["tie_break", "include_all", "exclude_all"] = "tie_break"
    # places: a transferable quota (places given down the strict order, a vetoed or
    # ineligible appraisee's place passes on); rank: a rank condition (rank 1-2-2-4 in
    # the pool, everyone ranked, ≤ the quota size; all tied inside the line are in; a
    # vetoed appraisee keeps their rank and passes no place down) — seed 002 前20%
    reading: Literal["places", "rank"] = "places"


# --- grades (等次) -----------------------------------------------------------------------
class Band(Named):
    """A grade band: all conditions must hold; the first matching band wins."""

    min_score: float | None = None
    quota: Key | None = None  # must hold a place in this quota (e.g. top 20 %)


class Grades(Strict):
    """Ordered bands.  ``quota_floor``: the minimum score of a band that has a quota but
    no min_score (a quota-only band, e.g. 优秀 15 %): "next_band" (default) = the
    min_score of the next band that has one (称职), a number, or "none" (no floor).
    ``compare``: band thresholds compare the rounded composite (default) or the
    unrounded total ("95分以上" read on the exact total: 94.995 is below 95)."""

    bands: list[Band] = Field(default_factory=list)  # best first; the last is the catch-all
    quota_floor: float | Literal["next_band", "none"] = "next_band"
    compare: Literal["composite", "unrounded"] = "composite"

    def floor_of(self, index: int) -> float | None:
        """The effective min_score of band ``index`` (its own, or the quota floor)."""
        band = self.bands[index]
        if band.min_score is not None or band.quota is None or self.quota_floor == "none":
            return band.min_score
        if self.quota_floor != "next_band":
            return float(self.quota_floor)
        return next((b.min_score for b in self.bands[index + 1 :] if b.min_score is not None), None)


# --- awards (奖励) -----------------------------------------------------------------------
class Tier(Named):
    """An award tier, allocated in order down the ranking among eligible appraisees
    not yet awarded.  count/ratio limit it (like a quota); without them every
    eligible appraisee gets it."""

    quota: Key | None = None  # holders of this quota only
    grades: list[Key] | None = None  # only appraisees with these grades
    min_score: float | None = None
    categories: list[str] | None = None
    count: int | None = Field(default=None, ge=0)
    ratio: float | None = Field(default=None, gt=0, le=1)
    pool: Literal["group", "tenant"] = "group"
    rounding: Rounding = "half_up"
    min_one: bool = False
    amount: float | None = Field(default=None, ge=0)  # per person
    relative_to: Key | None = None  # amount = that tier's amount × relative_factor
    relative_factor: float | None = Field(default=None, gt=0)
    discretionary: bool = False  # eligible, amount decided case by case (酌情)
    head_may_be_excellent: bool = False  # the unit head may be rated excellent


class Rollup(Strict):
    """Appraisees of ``category`` are not ranked; their award = the mean of the award
    amounts of the appraisees whose supervisor_id is them (副主席按分管部室平均奖)."""

    category: str
    method: Literal["mean"] = "mean"


class Awards(Strict):
    currency: str = "CNY"
    tiers: list[Tier] = Field(default_factory=list)
    rollups: list[Rollup] = Field(default_factory=list)
    pay_percent_by_grade: dict[str, float] = Field(default_factory=dict)


# --- history flags ----------------------------------------------------------------------
class HistoryFlag(Named):
    """Raised when the condition holds this cycle and the ``cycles − 1`` cycles before."""

    below: float | None = None
    grade_in: list[Key] | None = None
    cycles: int = Field(default=2, ge=1)
    action_zh: str = ""
    action_en: str = ""
