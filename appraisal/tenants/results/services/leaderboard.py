"""Reading results: leaderboards with quota lines, rank changes, breakdowns.

Every function here reads a bounded number of queries whatever the number of
rows shown (a test counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.results.models import Publication, ResultExplanation, ResultRow, ResultRun
from appraisal.tenants.scoring.services import owner_path


@dataclass(frozen=True)
class PopulationResults:
    """What permission checks see: published or not, and whose population it is."""

    population: Population
    published: bool
    unit_path: str
    user_id: int | None = None


@dataclass(frozen=True)
class AppraiseeResults:
    appraisee: Appraisee
    published: bool
    unit_path: str
    user_id: int | None


def is_published(cycle_id: int) -> bool:
    return db.session.scalar(select(Publication.id).where(Publication.cycle_id == cycle_id)) is not None


def population_subject(population: Population, *, published: bool | None = None) -> PopulationResults:
    """Results before publication belong to whoever runs the population: the office,
    or the unit whose own staff it appraises. ``published``: when the caller knows it."""
    if published is None:
        published = is_published(population.cycle_id)
    return PopulationResults(population, published, owner_path(population))


def appraisee_subject(appraisee: Appraisee, *, published: bool | None = None) -> AppraiseeResults:
    population = appraisee.population
    if published is None:
        published = is_published(appraisee.cycle_id)
    return AppraiseeResults(appraisee, published, owner_path(population), appraisee.user_id)


@dataclass
class Line:
    row: ResultRow
    name: str
    appraisee_id: int
    previous_rank: int | None = None
    quota_lines: list[str] = field(default_factory=list)  # quota keys whose line falls after this row

    @property
    def rank_change(self) -> int | None:
        if self.previous_rank is None or self.row.rank is None:
            return None
        return self.previous_rank - self.row.rank


@dataclass
class Group:
    name: str
    lines: list[Line]

    @property
    def composites(self) -> list[float]:
        return [line.row.composite for line in self.lines if line.row.composite is not None]


def groups(run: ResultRun, *, previous: dict[str, int] | None = None) -> list[Group]:
    """The run's rows grouped and ordered, with each quota's line after its last holder."""
    rows = db.session.execute(
        select(ResultRow, Appraisee.name, Appraisee.subject_key)
        .join(Appraisee, Appraisee.id == ResultRow.appraisee_id)
        .where(ResultRow.run_id == run.id)
        .order_by(ResultRow.group, ResultRow.position == 0, ResultRow.position, Appraisee.sort_order)
    ).all()
    previous = previous or {}
    out: dict[str, Group] = {}
    for row, name, subject in rows:
        out.setdefault(row.group, Group(row.group, [])).lines.append(
            Line(row, name, row.appraisee_id, previous.get(subject))
        )
    for group in out.values():
        for key in {k for line in group.lines for k in line.row.quotas}:
            holders = [i for i, line in enumerate(group.lines) if line.row.quotas.get(key)]
            if holders:
                group.lines[max(holders)].quota_lines.append(key)
    return list(out.values())


def previous_ranks(population: Population) -> dict[str, int]:
    """Rank in the previous cycle's current results, by who the appraisee is."""
    previous_cycle = db.session.scalar(select(Cycle.previous_cycle_id).where(Cycle.id == population.cycle_id))
    if previous_cycle is None:
        return {}
    run_id = db.session.scalar(
        select(ResultRun.id)
        .join(Population, Population.id == ResultRun.population_id)
        .where(Population.cycle_id == previous_cycle, Population.key == population.key, ResultRun.is_current.is_(True))
    )
    if run_id is None:
        return {}
    # that one run's rows, then who they are: two index lookups, whatever the planner knows
    ranks = dict(
        db.session.execute(select(ResultRow.appraisee_id, ResultRow.rank).where(ResultRow.run_id == run_id)).all()
    )
    rows = (
        db.session.execute(select(Appraisee.subject_key, Appraisee.id).where(Appraisee.id.in_(list(ranks)))).all()
        if ranks
        else []
    )
    rows = [(subject, ranks[appraisee_id]) for subject, appraisee_id in rows]
    return {subject: rank for subject, rank in rows if rank is not None}


def breakdown(run: ResultRun, appraisee_id: int) -> tuple[ResultRow | None, list[ResultExplanation]]:
    row = db.session.scalar(select(ResultRow).where(ResultRow.run_id == run.id, ResultRow.appraisee_id == appraisee_id))
    explanations = list(
        db.session.scalars(
            select(ResultExplanation)
            .where(ResultExplanation.run_id == run.id, ResultExplanation.appraisee_id == appraisee_id)
            .order_by(ResultExplanation.seq)
        )
    )
    return row, explanations


def histogram(values: list[float], *, low: float = 50, high: float = 100, bins: int = 10) -> list[tuple[str, int]]:
    """Counts per band for the distribution chart, on round band edges (e.g. 60–65: 4)."""
    import math

    if values:
        low = min(low, math.floor(min(values) / 5) * 5)
        high = max(high, math.ceil(max(values) / 5) * 5)
    width = max(5, math.ceil((high - low) / bins / 5) * 5)
    low = math.floor(low / width) * width
    edges = list(range(int(low), int(high), width)) or [int(low)]
    counts = [0] * len(edges)
    for value in values:
        counts[min(len(edges) - 1, int((value - low) // width))] += 1
    return [(f"{edge}–{edge + width}", n) for edge, n in zip(edges, counts)]


def year_on_year(appraisee: Appraisee, limit: int = 5) -> list[tuple[int, float]]:
    """(year, composite) of the same unit or person in this and earlier cycles'
    current results of the same population, oldest first (a few small queries)."""
    population = appraisee.population
    out: list[tuple[int, float]] = []
    cycle_id = population.cycle_id
    for _ in range(limit):
        if cycle_id is None:
            break
        cycle = db.session.get(Cycle, cycle_id)
        run_id = db.session.scalar(
            select(ResultRun.id)
            .join(Population, Population.id == ResultRun.population_id)
            .where(ResultRun.is_current.is_(True), Population.cycle_id == cycle.id, Population.key == population.key)
        )
        composite = (
            None
            if run_id is None
            else db.session.scalar(
                select(ResultRow.composite)
                .join(Appraisee, Appraisee.id == ResultRow.appraisee_id)
                .where(ResultRow.run_id == run_id, Appraisee.subject_key == appraisee.subject_key)
            )
        )
        if composite is not None:
            out.append((cycle.year, composite))
        cycle_id = cycle.previous_cycle_id
    return list(reversed(out))


def parts(row: ResultRow, content: dict, *, english: bool = False) -> list[tuple[str, float, float]]:
    """(name, score, points) of each top-level indicator, for the breakdown chart."""
    out = []
    for node in content.get("indicators", []):
        score = row.data.get(f"score_{node['key']}")
        if score is not None:
            name = (node.get("name_en") if english else None) or node.get("name_zh") or node["key"]
            out.append((name, float(score), float(node.get("points") or 0)))
    return out


def grade_counts(groups: list[Group]) -> list[tuple[str, int]]:
    """(grade, how many) in the order grades first appear down the board (best first);
    the vetoed and the ungraded under their own labels."""
    counts: dict[str, int] = {}
    for group in groups:
        for line in group.lines:
            label = line.row.data.get("grade_zh") or line.row.grade or "—"
            counts[label] = counts.get(label, 0) + 1
    return list(counts.items())


@dataclass
class OwnResult:
    appraisee: Appraisee
    population: Population
    row: ResultRow | None  # None: not computed yet


def own_results(cycle_id: int, user) -> list[OwnResult]:
    """The user's own results in a cycle: as a person, and the units they administer
    (a unit admin files its appeals). Current runs only; a few queries in all."""
    from appraisal.platform.models import Role
    from appraisal.platform.permissions import grants_of
    from appraisal.tenants.org.models import Person

    unit_ids = [g.org_unit_id for g in grants_of(user, Role.UNIT_ADMIN)]
    mine = Appraisee.person_id.in_(select(Person.id).where(Person.user_id == user.id))
    if unit_ids:
        mine = mine | Appraisee.org_unit_id.in_(unit_ids)
    appraisees = list(
        db.session.scalars(
            select(Appraisee)
            .where(Appraisee.cycle_id == cycle_id, mine)
            .order_by(Appraisee.population_id, Appraisee.sort_order)
        )
    )
    if not appraisees:
        return []
    populations = {
        p.id: p
        for p in db.session.scalars(select(Population).where(Population.id.in_({a.population_id for a in appraisees})))
    }
    rows = {
        r.appraisee_id: r
        for r in db.session.scalars(
            select(ResultRow)
            .join(ResultRun, ResultRun.id == ResultRow.run_id)
            .where(ResultRun.is_current.is_(True), ResultRow.appraisee_id.in_([a.id for a in appraisees]))
        )
    }
    return [OwnResult(a, populations[a.population_id], rows.get(a.id)) for a in appraisees]
