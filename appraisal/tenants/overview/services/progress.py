"""A cycle's progress, feature by feature: letters, scores, ballots, appeals.

Each reads one feature through its ``services`` (or ``models``); nothing here writes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from appraisal.platform.db import db
from appraisal.tenants.ballots import services as ballots
from appraisal.tenants.ballots.models import Evaluation
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.letters import services as letters
from appraisal.tenants.results.models import Appeal, AppealStatus

# Not (yet) re-exported by those features' services: publication_of, scheme_columns and progress.
from appraisal.tenants.results.services import publication_of
from appraisal.tenants.schemes.models import SchemeVersion
from appraisal.tenants.scoring import services as scores


def letter_progress(cycle: Cycle):
    """Every unit appraisee that needs a letter, with its letter's state."""
    return letters.overview(cycle)


def load_scheme_versions(populations) -> None:
    """Read the populations' scheme versions in one query and hand each population
    its own (``Population.scheme_version``), before the letters and scores progress
    read them: one query instead of one per population."""
    ids = {p.scheme_version_id for p in populations}
    if not ids:
        return
    versions = {v.id: v for v in db.session.scalars(select(SchemeVersion).where(SchemeVersion.id.in_(ids)))}
    for population in populations:
        set_committed_value(population, "scheme_version", versions.get(population.scheme_version_id))


def scoring_progress(populations, counts) -> list[tuple[Population, int, int]]:
    """(population, cells scored, cells expected) — what the assessors still owe;
    the scores of every population counted in one query."""
    done = scores.progress_of((p, scores.scheme_columns(p), counts.get(p.id, 0)) for p in populations)
    return [(population, *done[population.id]) for population in populations]


def appeal_progress(cycle: Cycle):
    """The publication (or None) and every appeal with its appraisee, those waiting
    for an answer first, soonest due first: the deadlines the office counts down."""
    rows = db.session.execute(
        select(Appeal, Appraisee.name)
        .join(Appraisee, Appraisee.id == Appeal.appraisee_id)
        .where(Appeal.cycle_id == cycle.id)
        .order_by(Appeal.status != AppealStatus.FILED, Appeal.answer_due_on, Appeal.id)
    ).all()
    return publication_of(cycle), rows


def evaluation_progress(cycle: Cycle):
    """(evaluation, voted, eligible) for the cycle's democratic evaluations."""
    evaluations = list(
        db.session.scalars(select(Evaluation).where(Evaluation.cycle_id == cycle.id).order_by(Evaluation.id))
    )
    by_id = ballots.turnouts(evaluations)
    return [(e, sum(g.voted for g in by_id[e.id]), sum(g.eligible for g in by_id[e.id])) for e in evaluations]
