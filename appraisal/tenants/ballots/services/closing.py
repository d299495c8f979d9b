"""Closing an evaluation: the sealed ballots become plain ballots.

One transaction (the caller commits; a crash or a refusal rolls all of it back
and the close can simply be tried again): the status turns to closed (only if
still open), every sealed ballot is opened (:mod:`.sealing` — one that cannot
be opened refuses the close, it is never dropped), the ballots and lines are
written in an order drawn with ``secrets.SystemRandom`` under new random ids,
dated the closing day, and the sealed rows and the evaluation's key are
deleted. All plain ballot rows thus come from one transaction that touched no
voter, in a physical order that owes nothing to the order of voting. After the
commit, :func:`after_close` vacuums the sealed tables on PostgreSQL.

Ballots of an evaluation opened before sealing existed (plain rows cast while
open) are rewritten the same way, under new ids, and the originals deleted.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.ballots.models import Ballot, BallotLine, BallotReason, Evaluation, EvaluationStatus, Voter
from appraisal.tenants.ballots.services import sealing
from appraisal.tenants.ballots.services.common import BallotError, check_phase, today
from appraisal.tenants.ballots.services.rules import is_invalid, rules_of
from appraisal.tenants.ballots.services.sessions import close_all_sessions


def close_evaluation(evaluation: Evaluation) -> int:
    """Close the evaluation and write out its ballots (see the module
    docstring). Returns the number of ballots. The caller commits, then calls
    :func:`after_close`; on any exception it must roll back."""
    check_phase(evaluation.cycle, "ballots.manage")
    if not evaluation.is_open:
        raise BallotError(_("只有正在投票的测评可以结束"))
    day = today()
    # First the status (a ballot racing this either committed before — its
    # casting transaction held this row's lock, so it is read below — or finds
    # the evaluation closed and is refused).
    result = db.session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.OPEN)
        .values(status=EvaluationStatus.CLOSED, closed_on=day)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BallotError(_("测评状态已变化，请刷新页面"))
    close_all_sessions(evaluation)
    count = _rewrite_ballots(evaluation, day)
    db.session.flush()
    db.session.refresh(evaluation)
    audit.record(
        "ballots.close",
        evaluation,
        before={"status": "open"},
        after={
            "status": "closed",
            "closed_on": day.isoformat(),
            "ballots": count,
            "invalid_ballots": evaluation.invalid_ballots or 0,
        },
        label=evaluation.title,
    )
    return count


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def after_close() -> None:
    """After the close has committed: free the dead sealed rows (PostgreSQL)."""
    sealing.vacuum()


def _rewrite_ballots(evaluation: Evaluation, day: date) -> int:
    """Open the sealed ballots (and take any plain ones cast before sealing
    existed), write them all in random order under new random ids dated
    ``day`` — a ``ballots`` row per ballot (its group, for counting) and the
    lines on their own, per rater group, with nothing grouping them into
    ballots — and delete the sealed rows, the key and the old plain rows."""
    rng = secrets.SystemRandom()
    tenant_id = evaluation.tenant_id
    opened = sealing.open_all(evaluation)
    old = db.session.execute(
        select(Ballot.id, Ballot.rater_group_id).where(
            Ballot.evaluation_id == evaluation.id, Ballot.tenant_id == tenant_id
        )
    ).all()
    old_lines = (
        db.session.execute(
            select(BallotLine.id, BallotLine.rater_group_id, BallotLine.appraisee_id, BallotLine.score).where(
                BallotLine.evaluation_id == evaluation.id, BallotLine.tenant_id == tenant_id
            )
        ).all()
        if old
        else []
    )

    def ballot(group_id: int) -> dict:
        return {
            "id": uuid.uuid4().hex,
            "tenant_id": tenant_id,
            "evaluation_id": evaluation.id,
            "rater_group_id": group_id,
            "cast_on": day,
        }

    def line(group_id: int, appraisee_id: int, score) -> dict:
        return {
            "id": uuid.uuid4().hex,
            "tenant_id": tenant_id,
            "evaluation_id": evaluation.id,
            "rater_group_id": group_id,
            "appraisee_id": appraisee_id,
            "score": score,
        }

    rules = rules_of(evaluation)
    counting = rules.invalid_mode == "count" and (rules.invalid_same_score or rules.invalid_unknown_half)
    new_ballots: list[dict] = []
    new_lines: list[dict] = []
    new_reasons: list[dict] = []
    invalid = 0
    for group_id, lines in opened:
        # counted invalid under the rules: the ballot counts, its lines are not written
        # (kept together they would make one ballot, which could name its voter)
        valid = not (counting and is_invalid(rules, {a: s for a, s, _r in lines}))
        invalid += not valid
        new_ballots.append(ballot(group_id))
        if valid:  # 不了解 lines are not scores: not written, not in any mean
            new_lines += [line(group_id, a, s) for a, s, _r in lines if s is not None]
            new_reasons += [dict(line(group_id, a, s), reason=r) for a, s, r in lines if s is not None and r]
    new_ballots += [ballot(row.rater_group_id) for row in old]
    new_lines += [line(row.rater_group_id, row.appraisee_id, row.score) for row in old_lines]
    db.session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation.id)
        .values(invalid_ballots=invalid)
        .execution_options(synchronize_session=False)
    )
    voted = (
        db.session.scalar(
            select(func.count())
            .select_from(Voter)
            .where(Voter.evaluation_id == evaluation.id, Voter.has_voted.is_(True))
        )
        or 0
    )
    if len(new_ballots) != voted:
        # every claim was committed with its ballot: a difference means rows were lost or added outside the app
        raise sealing.SealBroken(
            _(
                "选票数（%(ballots)s）与已投票人数（%(voted)s）不一致，数据可能已被改动。"
                "测评未结束，选票未作任何改动；请联系系统管理员",
                ballots=len(new_ballots),
                voted=voted,
            )
        )
    if db.engine.dialect.name == "sqlite":
        # zero the deleted rows' bytes in the file instead of leaving them in free pages
        db.session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    sealing.destroy(evaluation)
    if old:  # the plain rows read above, before any new one is written
        for model in (BallotLine, Ballot):
            db.session.execute(
                delete(model).where(model.evaluation_id == evaluation.id).execution_options(synchronize_session=False)
            )
    if not new_ballots:
        return 0
    rng.shuffle(new_ballots)
    rng.shuffle(new_lines)
    if new_reasons:
        rng.shuffle(new_reasons)
    for chunk in _chunks(new_ballots):
        db.session.execute(insert(Ballot), chunk)
    for chunk in _chunks(new_lines):
        db.session.execute(insert(BallotLine), chunk)
    for chunk in _chunks(new_reasons):
        db.session.execute(insert(BallotReason), chunk)
    db.session.expire_all()
    return len(new_ballots)
