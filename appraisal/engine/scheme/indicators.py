"""The indicator tree (指标) and the scoring method of each leaf."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import Key, Named, Strict


class Entered(Strict):
    """An assessor enters the score (0..points), or a completion % (score = % × points / 100).

    Input: one ``scores`` row (indicator = this key, item empty, value)."""

    kind: Literal["entered"]
    input: Literal["score", "percent"] = "score"
    clip: bool = True  # clip the score to 0..points


class DeductionItem(Named):
    points_each: float = Field(gt=0)


class Deductions(Strict):
    """Base = the node's points, minus points_each × occurrences per item; never below floor.

    Input: ``scores`` rows with item = the deduction key and value = occurrences
    (missing = none)."""

    kind: Literal["deductions"]
    items: list[DeductionItem] = Field(min_length=1)
    floor: float = 0.0  # 扣完为止: a category never goes below 0 (setting)
    # 由分管领导和科室共同承担: each deduction of this leaf is also charged to the
    # appraisee's supervisor (supervisor_id, when appraised in the same scheme), except
    # the personal items (确因个人造成的扣分由个人承担).
    charge_supervisor: bool = False
    personal_items: list[Key] = Field(default_factory=list)


class Ratio(Strict):
    """Actual against target.  Input: ``scores`` rows with item ``actual`` and ``target``.

    proportional: score = points × min(actual/target, 1); otherwise full points when met.
    Then + per_point_over per percentage point over target (capped at cap_over)
    and − per_point_under per point under (capped at cap_under); floor at ``floor``."""

    kind: Literal["ratio"]
    proportional: bool = False
    per_point_over: float = Field(default=0.0, ge=0)
    per_point_under: float = Field(default=0.0, ge=0)
    cap_over: float | None = Field(default=None, ge=0)
    cap_under: float | None = Field(default=None, ge=0)
    whole_points: bool = False  # count whole percentage points only (每增一个百分点)
    floor: float = 0.0


class Count(Strict):
    """Score = base + (count − threshold) × points_each, the counted part capped at cap.

    Input: one ``scores`` row with value = the count (missing = 0)."""

    kind: Literal["count"]
    base: float = 0.0
    threshold: float = 0.0
    points_each: float
    cap: float | None = Field(default=None, ge=0)
    floor: float = 0.0


class Average(Strict):
    """Average of several sub-scores (e.g. project-quality scores) scaled to the points.

    Input: any number of ``scores`` rows; score = mean(value) / scale_max × points."""

    kind: Literal["average"]
    scale_max: float | None = Field(default=None, gt=0)  # default: the node's points


class RaterGroup(Named):
    weight: float = Field(ge=0, le=1)


class Ballot(Strict):
    """Democratic evaluation (民主测评) from anonymous ballot lines.

    Per appraisee: mean score of each rater group, combined by the group weights;
    a group with no ballots has its weight redistributed over the present groups
    (redistribute_missing, default).  No rater groups = plain mean of all ballots.
    Score = combined / scale_max × points.  prefer_entered: a ``scores`` row for
    this indicator (e.g. a leader's city-level evaluation) replaces the ballots."""

    kind: Literal["ballot"]
    scale_max: float = Field(default=100.0, gt=0)
    rater_groups: list[RaterGroup] = Field(default_factory=list)
    redistribute_missing: bool = True
    prefer_entered: bool = True


class Items(Strict):
    """Per-appraisee items from the responsibility letter (目标责任书).

    Input: ``items`` rows (appraisee, indicator = this key, item, points, value); the
    node score is the sum of item scores, each clipped to its points; the items'
    points should add up to the node's points (else flag ``items_points_mismatch``)."""

    kind: Literal["items"]
    input: Literal["score", "percent"] = "score"


Method = Annotated[
    Entered | Deductions | Ratio | Count | Average | Ballot | Items,
    Field(discriminator="kind"),
]


class Indicator(Named):
    """A node of the indicator tree: a leaf has a method, an inner node has children
    whose points add up to its own."""

    points: float = Field(ge=0)
    assessor_zh: str | None = None  # who scores it, e.g. 组织部
    assessor_en: str | None = None
    method: Method | None = None
    children: list[Indicator] = Field(default_factory=list)

    def walk(self, prefix: str = ""):
        """Yield (path, node) depth-first, parents before children."""
        yield prefix, self
        for i, child in enumerate(self.children):
            yield from child.walk(f"{prefix}.children[{i}]")


Indicator.model_rebuild()

__all__ = [
    "Average",
    "Ballot",
    "Count",
    "DeductionItem",
    "Deductions",
    "Entered",
    "Indicator",
    "Items",
    "Key",
    "Method",
    "RaterGroup",
    "Ratio",
]
