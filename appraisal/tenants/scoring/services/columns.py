"""The columns of score entry: what a population's scheme asks for, cell by
cell, and who scores which (see :mod:`.scores` for saving them).

A *column* is one scoreable input of every appraisee of a population: an
entered score or completion %, one deduction item (occurrences), the actual or
target of a ratio, a count, a sub-score average — or, per appraisee, one item
of its approved responsibility letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.platform.permissions import can, has_role
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.letters.models import Letter, LetterItem, LetterStatus
from appraisal.tenants.scoring.models import Score
from appraisal.tenants.scoring.services import common

MAX_VALUE = Decimal(999999999)
STEP = Decimal("0.001")


@dataclass(frozen=True)
class Column:
    indicator_key: str  # key path of the indicator
    item_key: str  # deduction item, "actual"/"target", letter item id, or ""
    name: str  # the indicator's (or letter item's) name
    item_name: str  # the part of the indicator, e.g. a deduction item
    kind: str  # entered, percent, deduction, actual, target, count, average, item
    points: Decimal
    low: Decimal
    high: Decimal | None
    integer: bool
    assessor_unit_id: int | None
    by_sector: bool  # scored by the appraisee's sector group (letter items)
    lower_when_up: bool = False  # an increase lowers the score (deductions, negative counts, targets)
    detail: str = ""  # a letter item's measure (考核标准)
    unit_points: Decimal | None = None  # points per occurrence of a deduction item
    owner_path: str = ""  # the unit running the population for its own staff (see common.ScoreCell)

    @property
    def code(self) -> str:
        return f"{self.indicator_key}:{self.item_key}" if self.item_key else self.indicator_key

    @property
    def label(self) -> str:
        return f"{self.name}·{self.item_name}" if self.item_name else self.name

    @property
    def hint(self) -> str:
        kind = {"percent": "percent", "deduction": "times", "count": "times"}.get(self.kind, "points")
        if self.kind == "item" and self.high == Decimal(100) and self.points != 100:
            kind = "percent"
        low = fmt(self.low)
        if self.high is None:
            if kind == "times":
                return _("≥%(low)s次，整数", low=low) if self.integer else _("≥%(low)s次", low=low)
            return _("≥%(low)s%%", low=low) if kind == "percent" else _("≥%(low)s分", low=low)
        high = fmt(self.high)
        if kind == "percent":
            return _("%(low)s–%(high)s%%", low=low, high=high)
        if kind == "times":
            return _("%(low)s–%(high)s次", low=low, high=high)
        return _("%(low)s–%(high)s分", low=low, high=high)

    @property
    def phase_action(self) -> str:
        """Per-occurrence deductions are recorded all year (as penalties are, seed 002);
        everything else is scored at year end."""
        return "penalties.record" if self.kind == "deduction" else "scores.enter"

    def open_in(self, cycle: Cycle) -> bool:
        """May this column be written in the cycle's phase (or as an appeal correction)?"""
        from appraisal.tenants.cycles.models import Phase

        if cycle.phase == Phase.FINAL:
            return False
        return cycles.phase_allows(cycle, self.phase_action) or cycle.phase == Phase.APPEALS

    def cell(self, appraisee: Appraisee) -> common.ScoreCell:
        return common.ScoreCell(
            appraisee=appraisee,
            indicator_key=self.indicator_key,
            item_key=self.item_key,
            assessor_unit_id=self.assessor_unit_id,
            unit_path=appraisee.unit_path if self.by_sector else "",
            owner_path=self.owner_path,
        )

    def lowers(self, old: Decimal | None, new: Decimal) -> bool:
        """Does going from ``old`` to ``new`` lower the appraisee's score (or deduct)?"""
        if old is None:
            return self.lower_when_up and self.kind != "target" and new > 0
        return new > old if self.lower_when_up else new < old


def fmt(value: Decimal) -> str:
    """10.0 → "10", 2.50 → "2.5"."""
    return f"{Decimal(value).normalize():f}"


def _d(value) -> Decimal:
    return Decimal(str(value))


def scheme_columns(population: Population) -> list[Column]:
    """The population's columns that every appraisee has (not letter items)."""
    scheme = common.scheme_of(population)
    owner = common.owner_path(population)
    out: list[Column] = []
    for path, node in common.walk(scheme.indicators):
        method = node.method
        if node.children or method is None or method.kind in ("items", "ballot"):
            continue
        unit = common.assessor_unit(population, path)
        points = _d(node.points)
        base = {
            "indicator_key": path,
            "name": node.name_zh,
            "points": points,
            "assessor_unit_id": unit,
            "by_sector": False,
            "owner_path": owner,
        }
        if method.kind == "entered":
            percent = method.input == "percent"
            out.append(
                Column(
                    item_key="",
                    item_name=_("完成率") if percent else "",
                    kind="percent" if percent else "entered",
                    low=Decimal(0),
                    high=Decimal(100) if percent else points,
                    integer=False,
                    **base,
                )
            )
        elif method.kind == "deductions":
            for item in method.items:
                out.append(
                    Column(
                        item_key=item.key,
                        item_name=_(
                            "%(name)s（每次扣%(points)s分）", name=item.name_zh, points=f"{item.points_each:g}"
                        ),
                        kind="deduction",
                        low=Decimal(0),
                        high=None,
                        integer=True,
                        lower_when_up=True,
                        unit_points=_d(item.points_each),
                        **base,
                    )
                )
        elif method.kind == "ratio":
            out.append(
                Column(
                    item_key="actual",
                    item_name=_("实际完成"),
                    kind="actual",
                    low=Decimal(0),
                    high=None,
                    integer=False,
                    **base,
                )
            )
            out.append(
                Column(
                    item_key="target",
                    item_name=_("目标值"),
                    kind="target",
                    low=Decimal(0),
                    high=None,
                    integer=False,
                    lower_when_up=True,
                    **base,
                )
            )
        elif method.kind == "count":
            out.append(
                Column(
                    item_key="",
                    item_name=_("次数"),
                    kind="count",
                    low=Decimal(0),
                    high=None,
                    integer=True,
                    lower_when_up=method.points_each < 0,
                    **base,
                )
            )
        elif method.kind == "average":
            high = _d(method.scale_max) if method.scale_max else points
            out.append(
                Column(item_key="", item_name="", kind="average", low=Decimal(0), high=high, integer=False, **base)
            )
    return out


def item_columns(population: Population, appraisee_ids=None) -> dict[int, list[Column]]:
    """Per appraisee: a column for each item of its approved responsibility letter."""
    scheme = common.scheme_of(population)
    leaves = {
        path: node
        for path, node in common.walk(scheme.indicators)
        if node.method is not None and node.method.kind == "items"
    }
    percent = {path for path, node in leaves.items() if node.method.input == "percent"}
    stmt = (
        select(LetterItem)
        .join(Letter, LetterItem.letter_id == Letter.id)
        .join(Appraisee, Letter.appraisee_id == Appraisee.id)
        .where(Appraisee.population_id == population.id, Letter.status == LetterStatus.APPROVED)
        .order_by(LetterItem.appraisee_id, LetterItem.seq)
    )
    if appraisee_ids is not None:
        stmt = stmt.where(LetterItem.appraisee_id.in_(list(appraisee_ids)))
    out: dict[int, list[Column]] = {}
    owner = common.owner_path(population)
    for item in db.session.scalars(stmt):
        is_percent = item.indicator_key in percent
        out.setdefault(item.appraisee_id, []).append(
            Column(
                indicator_key=item.indicator_key,
                item_key=str(item.id),
                name=leaves[item.indicator_key].name_zh if item.indicator_key in leaves else _("业务目标"),
                item_name=item.title,
                kind="item",
                points=_d(item.points),
                low=Decimal(0),
                high=Decimal(100) if is_percent else _d(item.points),
                integer=False,
                assessor_unit_id=common.assessor_unit(population, item.indicator_key),
                by_sector=True,
                detail=item.measure,
                owner_path=owner,
            )
        )
    return out


def _probe(population: Population) -> Appraisee:
    return Appraisee(population_id=population.id, unit_path="", name="")


def columns_for(user, population: Population, action: str = "scores.view") -> list[Column]:
    """The scheme columns ``user`` may see (or enter) for every appraisee."""
    probe = _probe(population)
    return [c for c in scheme_columns(population) if can(user, action, c.cell(probe))]


def item_paths(population: Population) -> list[str]:
    """The indicators filled from each appraisee's responsibility letter."""
    return [
        p
        for p, n in common.walk(common.scheme_of(population).indicators)
        if n.method is not None and not n.children and n.method.kind == "items"
    ]


def scores_all_items(user, population: Population) -> bool:
    """Does ``user`` score the letter items of every appraisee: the office, the
    unit running the population, or an assessor whose department is mapped for them?"""
    if can(user, "scores.view", common.population_subject(population)):
        return True
    units = {common.assessor_unit(population, p) for p in item_paths(population)} - {None}
    return any(g.role == Role.ASSESSOR and g.org_unit_id in units for g in getattr(user, "grants", []))


def scores_items(user, population: Population) -> bool:
    """Does ``user`` score any letter items in this population?"""
    if not item_paths(population):
        return False
    return has_role(user, Role.SECTOR_LEAD) or scores_all_items(user, population)


@dataclass
class Task:
    """What ``user`` scores in one population: its columns and progress, and
    whether they score letter items."""

    population: Population
    columns: list[Column]
    scored: int
    total: int
    letter_items: bool

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(c.name for c in self.columns))  # an indicator once, however many inputs


def tasks_for(user, populations) -> list[Task]:
    """The populations ``user`` scores something in (the scoring hub, the home page)."""
    if not can(user, "scores.view"):
        return []
    tasks = []
    for population in populations:
        columns = columns_for(user, population)
        items = scores_items(user, population)
        if columns or items:
            scored, total = progress(population, columns, len(population.appraisees))
            tasks.append(Task(population, columns, scored, total, items))
    return tasks


def column_of(population: Population, appraisee: Appraisee, indicator_key: str, item_key: str) -> Column | None:
    for column in scheme_columns(population):
        if column.indicator_key == indicator_key and column.item_key == item_key:
            return column
    for column in item_columns(population, [appraisee.id]).get(appraisee.id, []):
        if column.item_key == item_key:
            return column
    return None


def cell_of_score(score: Score) -> common.ScoreCell | object:
    """The cell a stored score belongs to (what permissions judge)."""
    appraisee = score.appraisee
    population = db.session.get(Population, appraisee.population_id)
    column = column_of(population, appraisee, score.indicator_key, score.item_key)
    return column.cell(appraisee) if column is not None else common.NOTHING


def scores_by_cell(appraisee_ids) -> dict[tuple[int, str, str], Score]:
    ids = list(appraisee_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(Score).where(Score.appraisee_id.in_(ids)))
    return {(s.appraisee_id, s.indicator_key, s.item_key): s for s in rows}


def progress(population: Population, columns: list[Column], appraisee_count: int) -> tuple[int, int]:
    """(scored, expected) for these columns over the whole population. Deduction
    columns are left out: an empty one means nothing was deducted, not "not scored"."""
    return progress_of([(population, columns, appraisee_count)])[population.id]


def progress_of(wanted) -> dict[int, tuple[int, int]]:
    """:func:`progress` of several populations — ``wanted`` is a list of (population,
    columns, appraisee count) — counted in one query: population id → (scored, expected)."""
    wanted = list(wanted)
    keys: dict[int, set[tuple[str, str]]] = {}
    expected: dict[int, int] = {}
    for population, columns, appraisee_count in wanted:
        counted = {(c.indicator_key, c.item_key) for c in columns if c.kind != "deduction"}
        if counted and appraisee_count:
            keys[population.id] = counted
            expected[population.id] = len([c for c in columns if c.kind != "deduction"]) * appraisee_count
    scored = dict.fromkeys(keys, 0)
    if keys:
        rows = db.session.execute(
            select(Appraisee.population_id, Score.indicator_key, Score.item_key, func.count())
            .join(Appraisee, Score.appraisee_id == Appraisee.id)
            .where(
                Appraisee.population_id.in_(keys),
                Score.indicator_key.in_({indicator for pairs in keys.values() for indicator, _item in pairs}),
            )
            .group_by(Appraisee.population_id, Score.indicator_key, Score.item_key)
        )
        for population_id, indicator, item, n in rows:
            if (indicator, item) in keys[population_id]:
                scored[population_id] += n
    return {p.id: (scored.get(p.id, 0), expected.get(p.id, 0)) for p, _columns, _count in wanted}
