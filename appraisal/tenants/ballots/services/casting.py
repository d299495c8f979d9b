"""The ballot: the sheet a voter fills in, and casting it.

A ballot is cast in one transaction that first *claims* the voter with a
conditional ``UPDATE voters SET has_voted = true … WHERE has_voted = false``
and goes on only when exactly one row changed: two submissions by the same
voter, however simultaneous, give one ballot (the database serialises the two
updates; the second finds the flag already set). The ballot itself goes in,
in the same transaction, as one *sealed* row (:mod:`.sealing`): an opaque
ciphertext with a random id — no plaintext ballot row exists while voting is
open, so a transaction id, a row's physical place or a dump links the voter
only to bytes nobody can read without the server's key. No audit row is
written per ballot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select, update

from appraisal.platform.db import db
from appraisal.tenants.ballots.models import BallotSession, Evaluation, EvaluationStatus, SessionStatus, Voter
from appraisal.tenants.ballots.services.common import CENT, AlreadyVoted, BallotInvalid, NotEligible, today
from appraisal.tenants.ballots.services.rules import UNKNOWN, Rules, check_ballot, rules_of
from appraisal.tenants.ballots.services.sealing import REASONS_ROOM, add_sealed, reasons_size
from appraisal.tenants.ballots.services.sessions import in_session
from appraisal.tenants.cycles.models import Appraisee
from appraisal.tenants.cycles.services import CycleError, require_phase
from appraisal.tenants.org.models import Person
from appraisal.tenants.scoring.models import SelfReport


@dataclass
class SheetRow:
    appraisee: Appraisee
    report: SelfReport | None = None


def _own_appraisee(appraisee: Appraisee, person: Person | None) -> bool:
    """Would this line be the voter rating themselves (or, for a population of
    units, their own unit)?"""
    if person is None:
        return False
    if appraisee.person_id is not None:
        return appraisee.person_id == person.id
    if appraisee.org_unit_id is not None:
        return f"/{appraisee.org_unit_id}/" in (person.unit.path or "")
    return False


def _session(voter: Voter) -> BallotSession | None:
    return db.session.get(BallotSession, voter.session_id) if voter.session_id else None


def _population(evaluation: Evaluation) -> list[Appraisee]:
    """Every appraisee of the evaluation's population, in sheet order."""
    return list(
        db.session.scalars(
            select(Appraisee)
            .where(Appraisee.population_id == evaluation.population_id)
            .order_by(Appraisee.sort_order, Appraisee.id)
        )
    )


def _sheet(population: list[Appraisee], person: Person | None, session: BallotSession | None) -> list[Appraisee]:
    """The lines of ``person``'s sheet in ``session``: the session's part of the
    population, without themself and without appraisees excluded from the cycle."""
    return [
        a
        for a in population
        if in_session(a, session) and not (a.excluded_reason or "").strip() and not _own_appraisee(a, person)
    ]


def _person(voter: Voter) -> Person | None:
    return voter.person


def ballot_sheet(evaluation: Evaluation, voter: Voter) -> list[SheetRow]:
    """The appraisees this voter scores: their session's part of the population
    without themself (and without appraisees excluded from the cycle), with
    their submitted self-reports."""
    appraisees = _sheet(_population(evaluation), _person(voter), _session(voter))
    reports = (
        {
            r.appraisee_id: r
            for r in db.session.scalars(
                select(SelfReport).where(
                    SelfReport.appraisee_id.in_([a.id for a in appraisees]), SelfReport.submitted_at.is_not(None)
                )
            )
        }
        if appraisees
        else {}
    )
    return [SheetRow(a, reports.get(a.id)) for a in appraisees]


_UNREAD: Any = object()


def check_can_vote(evaluation: Evaluation, voter: Voter, session: BallotSession | None = _UNREAD) -> None:
    if voter.evaluation_id != evaluation.id:
        raise NotEligible(_("您不是本次测评的投票人"))
    if evaluation.is_draft:
        raise NotEligible(_("本次测评尚未开始投票"))
    if evaluation.is_closed:
        raise NotEligible(_("本次测评已结束"))
    try:
        require_phase(evaluation.cycle, "ballots.vote")
    except CycleError as exc:
        raise NotEligible(str(exc)) from None
    if voter.has_voted:
        raise AlreadyVoted(_("您已经投过票了：每人只能投一次"))
    if session is _UNREAD:
        session = _session(voter)
    if session is not None and session.is_draft:
        raise NotEligible(_("本场测评（%(name)s）尚未开始投票", name=session.name))
    if session is not None and session.is_closed:
        raise NotEligible(_("本场测评（%(name)s）已结束投票", name=session.name))


def _score_of(evaluation: Evaluation, raw: Any, rules: Rules) -> tuple[Decimal | None, str]:
    """A line's answer → (score, "") or (None, why); 不了解 → (None, "") when allowed."""
    if isinstance(raw, str) and raw.strip() == UNKNOWN:
        return (None, "") if rules.allow_unknown else (None, _("本次测评不能选“不了解”"))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, _("请评分") if evaluation.scale == "score" else _("请选择等次")
    if evaluation.scale == "grade":
        grades = evaluation.grade_values or {}
        key = str(raw).strip()
        if key not in grades:
            return None, _("请从列表中选择等次")
        return Decimal(str(grades[key])).quantize(CENT, ROUND_HALF_UP), ""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None, _("请输入 0 到 100 之间的分数")
    if not value.is_finite() or not 0 <= value <= 100:
        return None, _("请输入 0 到 100 之间的分数")
    if value != value.quantize(CENT):
        return None, _("分数最多保留两位小数")
    return value.quantize(CENT), ""


@dataclass
class Checked:
    scores: dict[int, Decimal | None]  # None: 不了解
    reasons: dict[int, str]
    invalid: bool  # invalid under the rules, counted at the close


def _lines(
    evaluation: Evaluation,
    voter: Voter,
    answers: Mapping[int, Any],
    population: list[Appraisee],
    reasons: Mapping[int, Any] | None = None,
    session: BallotSession | None = None,
) -> Checked:
    person = _person(voter)
    sheet = {a.id for a in _sheet(population, person, session)}
    rules = rules_of(evaluation)
    errors: dict[int, str] = {}
    scores: dict[int, Decimal | None] = {}
    for appraisee_id in sheet:
        score, error = _score_of(evaluation, answers.get(appraisee_id), rules)
        if error:
            errors[appraisee_id] = error
        else:
            scores[appraisee_id] = score
    extra = set(answers) - sheet
    if extra:
        own = [a for a in population if a.id in extra and _own_appraisee(a, person)]
        errors[0] = _("不能给本人（本单位）评分") if own else _("选票中有不属于本次测评的考核对象")
    given = {a: str(r).strip() for a, r in (reasons or {}).items() if a in scores and str(r or "").strip()}
    invalid = False
    if not errors:
        invalid = check_ballot(evaluation, rules, scores, given, errors)
    if errors:
        raise BallotInvalid(errors)
    kept = {a: r for a, r in given.items() if scores.get(a) is not None and rules.wants_reasons}
    if reasons_size(kept) > REASONS_ROOM - 256:
        raise BallotInvalid({0: _("理由的总字数过多，请精简后再提交")})
    return Checked(scores, kept, invalid)


def cast_ballot(voter_id: int, answers: Mapping[int, Any], reasons: Mapping[int, Any] | None = None) -> None:
    """Cast the voter's one ballot: ``answers`` maps appraisee id → a 0–100 score
    or a grade name (or :data:`.rules.UNKNOWN` for 不了解 where the rules allow
    it); ``reasons``: appraisee id → the reason the rules ask for. One transaction, committed here: claim the voter (only if
    they have not voted), check the evaluation is still open (freezing its
    settings), add the ballot sealed (nothing else of it: no date, no group in
    the clear).

    Raises :class:`NotEligible` / :class:`AlreadyVoted` / :class:`BallotInvalid`
    (nothing is written then).
    """
    try:
        row = db.session.execute(
            select(Voter, BallotSession)
            .outerjoin(BallotSession, BallotSession.id == Voter.session_id)
            .where(Voter.id == int(voter_id))
            .execution_options(populate_existing=True)
        ).first()
        if row is None:
            raise NotEligible(_("您不是本次测评的投票人"))
        voter, session = row
        evaluation = db.session.get(Evaluation, voter.evaluation_id, populate_existing=True)
        check_can_vote(evaluation, voter, session)
        population = _population(evaluation)
        checked = _lines(evaluation, voter, answers, population, reasons, session)
        day = today()
        session_open = exists().where(BallotSession.id == Voter.session_id, BallotSession.status == SessionStatus.OPEN)
        claimed = db.session.execute(
            update(Voter)
            .where(
                Voter.id == voter.id,
                Voter.evaluation_id == evaluation.id,
                Voter.has_voted.is_(False),
                or_(Voter.session_id.is_(None), session_open),
            )
            .values(has_voted=True, voted_on=day)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            if session is not None:
                db.session.refresh(session)
                if not session.is_open:
                    raise NotEligible(_("本场测评已结束投票"))
            raise AlreadyVoted(_("您已经投过票了：每人只能投一次"))
        still_open = db.session.execute(
            update(Evaluation)
            .where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.OPEN)
            .values(settings_frozen=True)
            .execution_options(synchronize_session=False)
        )
        if still_open.rowcount != 1:
            raise NotEligible(_("本次测评已结束"))
        add_sealed(
            evaluation,
            voter.rater_group_id,
            checked.scores,
            population=[a.id for a in population],
            reasons=checked.reasons,
            reasons_room=rules_of(evaluation).wants_reasons,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
