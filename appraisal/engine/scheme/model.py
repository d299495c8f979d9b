"""The scheme (考核方案): everything the engine needs to turn inputs into results."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Strict
from .indicators import Indicator
from .rules import (
    Adjustments,
    Awards,
    Composition,
    Grades,
    HistoryFlag,
    Quota,
    Ranking,
    Veto,
)


class Settings(Strict):
    precision: int = Field(default=2, ge=0, le=6)  # decimals of scores (四舍五入)
    total_points: float = Field(default=100.0, gt=0)  # full marks of the composite
    points_tolerance: float = Field(default=1e-6, ge=0)


class Procedure(Strict):
    """Cycle procedure the platform applies (the engine only carries them)."""

    letter_due: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")  # MM-DD, e.g. 03-15
    publicity_days: int = Field(default=5, ge=0)  # 公示天数 (seed 001: 5–7; seed 000: 3)
    appeal_days: int = Field(default=10, ge=0)  # 复核申请期限 (seed 001: 10 days)
    appeal_answer_days: int = Field(default=10, ge=0)  # 复核答复期限 (seed 001: 10 days)


class Scheme(Strict):
    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=80)
    version: int = Field(default=1, ge=1)
    name_zh: str
    name_en: str
    description_zh: str = ""
    description_en: str = ""
    appraisee_kind: Literal["unit", "individual"]
    seed: str | None = None  # the source document
    base: str | None = None  # template this scheme was customised from
    locks: list[str] = Field(default_factory=list)  # paths overrides may not touch
    settings: Settings = Field(default_factory=Settings)
    procedure: Procedure = Field(default_factory=Procedure)
    indicators: list[Indicator] = Field(min_length=1)
    composition: Composition = Field(default_factory=Composition)
    adjustments: Adjustments = Field(default_factory=Adjustments)
    vetoes: list[Veto] = Field(default_factory=list)
    ranking: Ranking = Field(default_factory=Ranking)
    quotas: list[Quota] = Field(default_factory=list)
    grades: Grades = Field(default_factory=Grades)
    awards: Awards = Field(default_factory=Awards)
    flags: list[HistoryFlag] = Field(default_factory=list)

    # --- navigation helpers (used by validation and the engine) ---------------------
    def nodes(self):
        """(path, node) for every indicator node, parents first."""
        for i, ind in enumerate(self.indicators):
            yield from ind.walk(f"indicators[{i}]")

    def node_map(self) -> dict[str, Indicator]:
        return {n.key: n for _, n in self.nodes()}

    def leaves(self) -> list[Indicator]:
        return [n for _, n in self.nodes() if not n.children]

    def parts(self):
        """Composition parts (defaults: the top-level indicators, weight None)."""
        from .rules import Part

        if self.composition.parts:
            return list(self.composition.parts)
        return [Part(indicator=i.key) for i in self.indicators]

    def rollup_categories(self) -> set[str]:
        return {r.category for r in self.awards.rollups}


__all__ = ["Procedure", "Scheme", "Settings"]
