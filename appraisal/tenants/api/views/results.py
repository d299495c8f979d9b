"""Reading cycles, populations and published results (scope ``read:results``)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.permissions import requires
from appraisal.platform.problems import problem
from appraisal.platform.token_scopes import requires_scope
from appraisal.tenants.api import schemas
from appraisal.tenants.api.views._shared import api, responses, spec
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.results import services as results
from appraisal.tenants.results.models import Publication
from appraisal.tenants.results.services import leaderboard

TAG = "results"


def _published_cycles() -> set[int]:
    return set(db.session.scalars(select(Publication.cycle_id)))


@api.get("/cycles")
@requires("cycles.view")
@requires_scope("read:results")
@spec.validate(resp=responses(schemas.CycleList), tags=[TAG])
def cycles():
    """The appraisal years, newest first, with their phase and whether results are published."""
    published = _published_cycles()
    rows = db.session.scalars(select(Cycle).order_by(Cycle.year.desc(), Cycle.id.desc()))
    return schemas.CycleList(
        items=[
            schemas.CycleOut(id=c.id, year=c.year, name=c.name, phase=c.phase.value, published=c.id in published)
            for c in rows
        ]
    )


@api.get("/cycles/<int:cycle_id>/populations")
@requires("cycles.view", load=Cycle)
@requires_scope("read:results")
@spec.validate(resp=responses(schemas.PopulationList), tags=[TAG])
def populations(cycle: Cycle):
    """A year's populations (who is appraised under which scheme), with their sizes."""
    counts = dict(
        db.session.execute(
            select(Appraisee.population_id, func.count())
            .where(Appraisee.cycle_id == cycle.id)
            .group_by(Appraisee.population_id)
        ).all()
    )
    rows = db.session.scalars(select(Population).where(Population.cycle_id == cycle.id).order_by(Population.id))
    return schemas.PopulationList(
        items=[
            schemas.PopulationOut(
                id=p.id,
                cycle_id=p.cycle_id,
                key=p.key,
                name=p.name,
                appraisee_kind=p.appraisee_kind.value,
                appraisees=counts.get(p.id, 0),
            )
            for p in rows
        ]
    )


def _not_published():
    return problem(404, _("该考核年度的结果尚未公布。"), kind="not-published")


@api.get("/populations/<int:population_id>/results")
@requires("results.view", load=Population, subject=leaderboard.population_subject)
@requires_scope("read:results")
@spec.validate(resp=responses(schemas.Leaderboard), tags=[TAG])
def population_results(population: Population):
    """The published leaderboard of a population: groups, ranks, grades, quota places.
    Answers with an ETag; send it back in If-None-Match to get 304 while nothing changed."""
    if not leaderboard.is_published(population.cycle_id):
        return _not_published()
    run = results.current_run(population)
    lines = []
    if run is not None:
        for group in leaderboard.groups(run):
            for line in group.lines:
                row = line.row
                lines.append(
                    schemas.ResultLine(
                        appraisee_id=line.appraisee_id,
                        name=line.name,
                        group=row.group,
                        rank=row.rank,
                        composite=row.composite,
                        grade=row.grade,
                        award=row.award,
                        vetoed=row.vetoed,
                        quotas=sorted(k for k, held in (row.quotas or {}).items() if held),
                    )
                )
    return schemas.Leaderboard(
        population_id=population.id,
        cycle_id=population.cycle_id,
        computed_at=run.finished_at.isoformat() if run is not None and run.finished_at else None,
        items=lines,
    )


@api.get("/appraisees/<int:appraisee_id>/breakdown")
@requires("results.view", load=Appraisee, subject=leaderboard.appraisee_subject)
@requires_scope("read:results")
@spec.validate(resp=responses(schemas.Breakdown), tags=[TAG])
def breakdown(appraisee: Appraisee):
    """An appraisee's published breakdown: each indicator, adjustment, veto effect, rank and grade reason."""
    if not leaderboard.is_published(appraisee.cycle_id):
        return _not_published()
    population = db.session.get(Population, appraisee.population_id)
    run = results.current_run(population) if population is not None else None
    row, explanations = leaderboard.breakdown(run, appraisee.id) if run is not None else (None, [])
    english = str(get_locale()) == "en"
    return schemas.Breakdown(
        appraisee_id=appraisee.id,
        name=appraisee.name,
        population_id=appraisee.population_id,
        rank=row.rank if row is not None else None,
        composite=row.composite if row is not None else None,
        grade=row.grade if row is not None else "",
        vetoed=bool(row.vetoed) if row is not None else False,
        lines=[
            schemas.BreakdownLine(kind=e.kind, ref=e.ref, text=(e.en or e.zh) if english else e.zh)
            for e in explanations
        ],
    )
