"""Sessions (场次): an evaluation held as several meetings.

Each session is scoped to a unit (a department or district): its appraisees
are the population's members in that unit, its voters the voters attached to
it (that unit's people, plus invited representatives as their own rater group,
on anonymous slips). A session opens and closes on its own and has its own
turnout; all sessions feed the evaluation's one sealed pool, opened when the
evaluation closes, and so the one population's computation.

An evaluation always has at least one session: :func:`.setup.create_evaluation`
makes one covering the whole population (``unit_id`` None), and the migration
gave every older evaluation one in its own state, holding its voters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.ballots.models import (
    BallotSession,
    Evaluation,
    EvaluationStatus,
    SessionStatus,
    Voter,
)
from appraisal.tenants.ballots.services.common import BallotError, check_phase, today
from appraisal.tenants.cycles.models import Appraisee
from appraisal.tenants.org.models import OrgUnit, UnitKind

WHOLE = "全体"  # the name of the session covering the whole population
MAX_SESSION_NAME = 200


def sessions_of(evaluation: Evaluation) -> list[BallotSession]:
    return list(
        db.session.scalars(
            select(BallotSession).where(BallotSession.evaluation_id == evaluation.id).order_by(BallotSession.id)
        )
    )


def session_of(evaluation: Evaluation, session_id: Any) -> BallotSession:
    """The evaluation's session with id ``session_id`` (as submitted), or a refusal."""
    found = db.session.get(BallotSession, int(session_id)) if str(session_id or "").isdigit() else None
    if found is None or found.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的场次"))
    return found


def only_session(evaluation: Evaluation) -> BallotSession:
    """The evaluation's session when it has exactly one (made if it has none);
    with several, the caller must say which."""
    found = sessions_of(evaluation)
    if not found:
        return add_session(evaluation, None, WHOLE)
    if len(found) > 1:
        raise BallotError(_("本测评有多个场次，请选择场次"))
    return found[0]


def add_session(evaluation: Evaluation, unit: OrgUnit | None, name: str) -> BallotSession:
    session = BallotSession(
        evaluation_id=evaluation.id,
        unit_id=unit.id if unit is not None else None,
        name=name[:MAX_SESSION_NAME],
        status=SessionStatus.DRAFT,
    )
    db.session.add(session)
    db.session.flush()
    return session


def in_session(appraisee: Appraisee, session: BallotSession | None) -> bool:
    """Is ``appraisee`` on the ballots of ``session`` (None: the whole population)?"""
    if session is None or session.unit_id is None:
        return True
    return f"/{session.unit_id}/" in (appraisee.unit_path or "")


def _department_of(path: str, kinds: Mapping[int, UnitKind]) -> int | None:
    """The outermost department or district on a unit path ("/1/4/9/")."""
    for part in (path or "").strip("/").split("/"):
        if part.isdigit() and kinds.get(int(part)) in (UnitKind.DEPARTMENT, UnitKind.DISTRICT):
            return int(part)
    return None


def population_departments(evaluation: Evaluation) -> list[tuple[OrgUnit, int]]:
    """The departments (or districts) the population's appraisees belong to, with
    how many appraisees each, in tree order."""
    paths = db.session.scalars(
        select(Appraisee.unit_path).where(Appraisee.population_id == evaluation.population_id)
    ).all()
    kinds = dict(db.session.execute(select(OrgUnit.id, OrgUnit.kind)).all())
    counts: dict[int, int] = defaultdict(int)
    for path in paths:
        dept = _department_of(path, kinds)
        if dept is not None:
            counts[dept] += 1
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(list(counts)))).all() if counts else []
    return [(u, counts[u.id]) for u in sorted(units, key=lambda u: (u.path, u.sort_order))]


def set_closing_time(evaluation: Evaluation, session: BallotSession, closes_at: datetime | None) -> None:
    """The announced closing time shown as a countdown on the projector page
    (voting itself closes when the office closes the session)."""
    check_phase(evaluation.cycle, "ballots.manage")
    if session.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的场次"))
    if session.is_closed:
        raise BallotError(_("场次“%(name)s”已结束", name=session.name))
    before = session.closes_at.isoformat() if session.closes_at else None
    session.closes_at = closes_at
    db.session.flush()
    audit.record(
        "ballots.session_time",
        evaluation,
        before={"session": session.name, "closes_at": before},
        after={"session": session.name, "closes_at": closes_at.isoformat() if closes_at else None},
        label=evaluation.title,
    )


def session_voter_counts(evaluation: Evaluation) -> dict[int | None, int]:
    return dict(
        db.session.execute(
            select(Voter.session_id, func.count())
            .where(Voter.evaluation_id == evaluation.id)
            .group_by(Voter.session_id)
        ).all()
    )


def open_sessions(evaluation: Evaluation, sessions: list[BallotSession]) -> None:
    """Mark draft ``sessions`` open (the caller has checked them)."""
    day = today()
    for session in sessions:
        result = db.session.execute(
            update(BallotSession)
            .where(BallotSession.id == session.id, BallotSession.status == SessionStatus.DRAFT)
            .values(status=SessionStatus.OPEN, opened_on=day)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise BallotError(_("场次状态已变化，请刷新页面"))
        db.session.refresh(session)


def close_session(evaluation: Evaluation, session: BallotSession) -> None:
    """Stop voting in one session: a cast claims its voter only while the
    session is open (a cast already past that check when the close commits still
    lands — the session's close stops new ballots; the evaluation's close is the
    one serialised against every cast). Its ballots stay sealed until the
    evaluation closes."""
    check_phase(evaluation.cycle, "ballots.manage")
    if session.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的场次"))
    if not session.is_open or evaluation.status != EvaluationStatus.OPEN:
        raise BallotError(_("只有正在投票的场次可以结束"))
    day = today()
    result = db.session.execute(
        update(BallotSession)
        .where(BallotSession.id == session.id, BallotSession.status == SessionStatus.OPEN)
        .values(status=SessionStatus.CLOSED, closed_on=day)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BallotError(_("场次状态已变化，请刷新页面"))
    db.session.refresh(session)
    voted = db.session.scalar(
        select(func.count()).select_from(Voter).where(Voter.session_id == session.id, Voter.has_voted.is_(True))
    )
    audit.record(
        "ballots.session_close",
        evaluation,
        before={"session": session.name, "status": "open"},
        after={"session": session.name, "status": "closed", "voted": voted},
        label=evaluation.title,
    )


def close_all_sessions(evaluation: Evaluation) -> None:
    """With the evaluation's close: every session still open or never opened closes."""
    db.session.execute(
        update(BallotSession)
        .where(BallotSession.evaluation_id == evaluation.id, BallotSession.status != SessionStatus.CLOSED)
        .values(status=SessionStatus.CLOSED, closed_on=today())
        .execution_options(synchronize_session=False)
    )
