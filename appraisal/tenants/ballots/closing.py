"""Closing an evaluation, and the shuffled rewrite of its ballots.

When the evaluation closes, every ballot and line is copied in random order
under new random ids, dated the closing day, and the originals are deleted —
the only deletion of ballots. Nothing in the database (row order, ids, the
inserting transaction, the day) then ties a ballot to the voter row that was
updated with it.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.ballots.common import BallotError, check_phase, today
from appraisal.tenants.ballots.models import Ballot, BallotLine, Evaluation, EvaluationStatus


def close_evaluation(evaluation: Evaluation) -> int:
    """Close the evaluation and rewrite its ballots (see the module docstring).
    Returns the number of ballots."""
    check_phase(evaluation.cycle, "ballots.manage")
    if not evaluation.is_open:
        raise BallotError(_("只有正在投票的测评可以结束"))
    day = today()
    # First the status (a ballot racing this either committed before — and is
    # rewritten below — or finds the evaluation closed and is refused).
    result = db.session.execute(
        update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.OPEN)
        .values(status=EvaluationStatus.CLOSED, closed_on=day).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise BallotError(_("测评状态已变化，请刷新页面"))
    count = _rewrite_ballots(evaluation, day)
    db.session.refresh(evaluation)
    audit.record("ballots.close", evaluation, before={"status": "open"},
                 after={"status": "closed", "closed_on": day.isoformat(), "ballots": count},
                 label=evaluation.title)
    return count


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _rewrite_ballots(evaluation: Evaluation, day: date) -> int:
    """Copy every ballot and line in random order under new random ids, dated
    ``day``; delete the originals."""
    rng = secrets.SystemRandom()
    tenant_id = evaluation.tenant_id
    old = db.session.execute(select(Ballot.id, Ballot.rater_group_id).where(
        Ballot.evaluation_id == evaluation.id, Ballot.tenant_id == tenant_id)).all()
    if not old:
        return 0
    new_ids = {row.id: uuid.uuid4().hex for row in old}
    lines = db.session.execute(
        select(BallotLine.ballot_id, BallotLine.appraisee_id, BallotLine.score)
        .join(Ballot, Ballot.id == BallotLine.ballot_id)
        .where(Ballot.evaluation_id == evaluation.id, BallotLine.tenant_id == tenant_id)).all()
    new_ballots = [{"id": new_ids[row.id], "tenant_id": tenant_id, "evaluation_id": evaluation.id,
                    "rater_group_id": row.rater_group_id, "cast_on": day} for row in old]
    new_lines = [{"id": uuid.uuid4().hex, "tenant_id": tenant_id, "ballot_id": new_ids[row.ballot_id],
                  "appraisee_id": row.appraisee_id, "score": row.score} for row in lines]
    rng.shuffle(new_ballots)
    rng.shuffle(new_lines)
    if db.engine.dialect.name == "sqlite":
        # zero the deleted rows' bytes in the file instead of leaving them in free pages
        db.session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    for chunk in _chunks(new_ballots):
        db.session.execute(insert(Ballot), chunk)
    for chunk in _chunks(new_lines):
        db.session.execute(insert(BallotLine), chunk)
    old_ids = [row.id for row in old]
    for chunk in _chunks(old_ids):
        db.session.execute(delete(BallotLine).where(BallotLine.ballot_id.in_(chunk))
                           .execution_options(synchronize_session=False))
    for chunk in _chunks(old_ids):
        db.session.execute(delete(Ballot).where(Ballot.id.in_(chunk)).execution_options(synchronize_session=False))
    db.session.expire_all()
    return len(old)
