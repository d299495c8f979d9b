"""The API's bodies, as pydantic models (spectree turns them into the OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

UnitKindName = Literal["office", "sector_group", "department", "district", "section"]
CategoryName = Literal["city_cadre", "county_level", "section_level", "general_staff", "trainee", "seconded"]
LeaderName = Literal["none", "principal", "deputy"]
PhaseName = Literal["target_setting", "tracking", "scoring", "computing", "publicity", "appeals", "final"]

Code = str  # unit and staff codes: the roster import checks them (letters, digits, - _ .)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldProblem(BaseModel):
    pointer: str = Field(description="JSON pointer into the request body (or query)")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class PageQuery(Strict):
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=100, ge=1, le=500)


class PageInfo(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int


# --- organisation -------------------------------------------------------------


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: UnitKindName
    parent_id: int | None
    parent_code: str | None
    depth: int
    sort_order: int
    active: bool


class UnitPage(PageInfo):
    items: list[UnitOut]


class PersonOut(BaseModel):
    id: int
    staff_no: str
    name: str
    unit_id: int
    unit_code: str
    category: CategoryName
    position: str
    leader_role: LeaderName
    sort_order: int
    active: bool


class PersonPage(PageInfo):
    items: list[PersonOut]


class UnitIn(Strict):
    code: Code = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKindName
    parent_code: Code | None = Field(default=None, max_length=32)
    sort_order: int | None = Field(default=None, ge=-99999, le=99999)


class PersonIn(Strict):
    staff_no: Code = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    unit_code: Code = Field(min_length=1, max_length=32)
    category: CategoryName
    position: str | None = Field(default=None, max_length=100)
    leader_role: LeaderName | None = None
    sort_order: int | None = Field(default=None, ge=-99999, le=99999)


class RosterIn(Strict):
    """Units and people to create or update, checked as the Excel roster import
    checks them: all or nothing."""

    units: list[UnitIn] = Field(default_factory=list, max_length=5000)
    people: list[PersonIn] = Field(default_factory=list, max_length=20000)


class Counts(BaseModel):
    created: int
    updated: int
    unchanged: int


class RosterOut(BaseModel):
    units: Counts
    people: Counts


# --- cycles and populations --------------------------------------------------------


class CycleOut(BaseModel):
    id: int
    year: int
    name: str
    phase: PhaseName
    published: bool


class CycleList(BaseModel):
    items: list[CycleOut]


class PopulationOut(BaseModel):
    id: int
    cycle_id: int
    key: str
    name: str
    appraisee_kind: Literal["unit", "person"]
    appraisees: int


class PopulationList(BaseModel):
    items: list[PopulationOut]


# --- results -----------------------------------------------------------------------


class ResultLine(BaseModel):
    appraisee_id: int
    name: str
    group: str
    rank: int | None
    composite: float | None
    grade: str
    award: str
    vetoed: bool
    quotas: list[str]


class Leaderboard(BaseModel):
    population_id: int
    cycle_id: int
    computed_at: str | None
    items: list[ResultLine]


class BreakdownLine(BaseModel):
    kind: str
    ref: str
    text: str


class Breakdown(BaseModel):
    appraisee_id: int
    name: str
    population_id: int
    rank: int | None
    composite: float | None
    grade: str
    vetoed: bool
    lines: list[BreakdownLine]


# --- scores and statistics ----------------------------------------------------------

Number = str | float | int


class ScoreIn(Strict):
    appraisee_id: int = Field(ge=1)
    indicator_key: str = Field(min_length=1, max_length=200)
    item_key: str = Field(default="", max_length=100)
    value: Number
    version: int | None = Field(default=None, ge=0, description="the version read; omitted: the current one")
    reason: str = Field(default="", max_length=2000)
    comment: str | None = Field(default=None, max_length=2000)


class ScoresIn(Strict):
    scores: list[ScoreIn] = Field(min_length=1, max_length=5000)


class ScoreOut(BaseModel):
    appraisee_id: int
    indicator_key: str
    item_key: str
    value: str
    version: int


class ScoresOut(BaseModel):
    saved: int
    items: list[ScoreOut]


class StatisticIn(Strict):
    unit_code: Code = Field(min_length=1, max_length=32, description="the district's unit code")
    indicator_key: str = Field(min_length=1, max_length=200)
    actual: Number | None = None
    target: Number | None = None
    reason: str = Field(default="", max_length=2000)


class StatisticsIn(Strict):
    verified_by: str = Field(min_length=1, max_length=200, description="the department that verified the figures")
    values: list[StatisticIn] = Field(min_length=1, max_length=5000)
