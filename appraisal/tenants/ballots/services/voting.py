"""The voter's own evaluations: where a signed-in user may vote or has voted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.tenants.ballots.models import BallotSession, Evaluation, EvaluationStatus, RaterGroup, Voter
from appraisal.tenants.org.models import Person


@dataclass
class MyEvaluation:
    evaluation: Evaluation
    voter: Voter
    group: RaterGroup
    session: BallotSession | None = None


def my_evaluations(user) -> list[MyEvaluation]:
    """Evaluations (open or closed) the user's person may vote or has voted in,
    each with the voter's session (a person votes in one session of an evaluation)."""
    person = db.session.scalar(select(Person).where(Person.user_id == user.id))
    if person is None:
        return []
    rows = db.session.execute(
        select(Evaluation, Voter, RaterGroup, BallotSession)
        .join(Voter, Voter.evaluation_id == Evaluation.id)
        .join(RaterGroup, RaterGroup.id == Voter.rater_group_id)
        .outerjoin(BallotSession, BallotSession.id == Voter.session_id)
        .where(Voter.person_id == person.id, Evaluation.status != EvaluationStatus.DRAFT)
        .order_by(Evaluation.id.desc())
    ).all()
    return [MyEvaluation(e, v, g, s) for e, v, g, s in rows]


def voter_of(evaluation: Evaluation, user) -> Voter | None:
    person = db.session.scalar(select(Person).where(Person.user_id == user.id))
    if person is None:
        return None
    return db.session.scalar(select(Voter).where(Voter.evaluation_id == evaluation.id, Voter.person_id == person.id))
