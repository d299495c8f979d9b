"""A cycle's progress, feature by feature: letters, scores, ballots, appeals.

Each reads one feature through its ``services`` (or ``models``); nothing here writes.
"""

from __future__ import annotations

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.tenants.ballots import services as ballots
from appraisal.tenants.ballots.models import Evaluation
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.letters import services as letters
from appraisal.tenants.results.models import Appeal, AppealStatus

# Not (yet) re-exported by those features' services: publication_of, scheme_columns and progress.
from appraisal.tenants.results.services import publication_of
from appraisal.tenants.scoring import services as scores


def letter_progress(cycle: Cycle):
    """Every unit appraisee that needs a letter, with its letter's state."""
    return letters.overview(cycle)


def scoring_progress(populations, counts) -> list[tuple[Population, int, int]]:
    """(population, cells scored, cells expected) — what the assessors still owe."""
    rows = []
    for population in populations:
        columns = scores.scheme_columns(population)
        scored, expected = scores.progress(population, columns, counts.get(population.id, 0))
        rows.append((population, scored, expected))
    return rows


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
