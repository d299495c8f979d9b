"""One-time codes and printed slips for a live meeting.

A code opens one ballot without an account: anonymous slips for a group (e.g.
outside representatives) or named slips for staff without an account. Only a
code's hash is stored; the codes are shown once, on the printed slips.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.ballots.models import BallotSession, Evaluation, EvaluationStatus, RaterGroup, Voter
from appraisal.tenants.ballots.services.common import BallotError, check_group_sizes
from appraisal.tenants.ballots.services.voters import require_voters_editable, session_for
from appraisal.tenants.org.models import OrgUnit, Person

MAX_CODES_AT_ONCE = 500

#: One-time codes: 31 symbols without 0/O, 1/I/L — about 50 bits in 10 characters.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


@dataclass(frozen=True)
class Slip:
    """One printed voting slip: shown once, never stored in plain text."""

    group_name: str
    label: str
    code: str  # formatted for reading, e.g. "ABCDE-FGHJK"
    person_name: str = ""
    session_name: str = ""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str:
    """What a voter typed → the code: full-width forms folded, case and
    separators ignored."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()


def _fresh_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.update(new_code() for _ in range(count - len(codes)))
        taken = set(
            db.session.scalars(select(Voter.code_hash).where(Voter.code_hash.in_([hash_code(c) for c in codes])))
        )
        codes = {c for c in codes if hash_code(c) not in taken}
    return sorted(codes)


def generate_codes(
    evaluation: Evaluation, group: RaterGroup, count: int, session: BallotSession | None = None
) -> list[Slip]:
    """``count`` anonymous voting slips for ``group`` (e.g. outside
    representatives, who are not appraisees) in ``session`` (default: the
    evaluation's only session). Only the hashes are kept: the returned codes
    are printed now or never."""
    require_voters_editable(evaluation)
    session = session_for(evaluation, session)
    if group.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的评价人组别"))
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise BallotError(_("请填写要生成的投票码数量")) from None
    if not 1 <= count <= MAX_CODES_AT_ONCE:
        raise BallotError(_("一次可生成 1 到 %(n)s 个投票码", n=MAX_CODES_AT_ONCE))
    issued = (
        db.session.scalar(
            select(func.count())
            .select_from(Voter)
            .where(Voter.evaluation_id == evaluation.id, Voter.rater_group_id == group.id, Voter.person_id.is_(None))
        )
        or 0
    )
    slips = []
    for n, code in enumerate(_fresh_codes(count), start=issued + 1):
        label = f"{n:03d}"
        db.session.add(
            Voter(
                evaluation_id=evaluation.id,
                rater_group_id=group.id,
                session_id=session.id,
                person_id=None,
                code_hash=hash_code(code),
                label=label,
                has_voted=False,
            )
        )
        slips.append(Slip(group.name, label, format_code(code), session_name=session.name))
    db.session.flush()
    if evaluation.is_open:
        check_group_sizes(evaluation, [group])
    audit.record(
        "ballots.codes",
        evaluation,
        after={
            "group": group.key,
            "count": count,
            "session": session.name,
            "slips": f"{slips[0].label}–{slips[-1].label}",
        },
        label=evaluation.title,
    )
    return slips


def issue_named_codes(
    evaluation: Evaluation, group: RaterGroup, *, reissue: bool = False, without_account_only: bool = True
) -> list[Slip]:
    """Voting slips for the group's named voters who have not voted — for staff
    without an account at a live meeting. The slip names its holder, so their
    ballot leaves them out like an in-app ballot would. ``reissue`` replaces
    codes already issued (the old slips stop working)."""
    require_voters_editable(evaluation)
    if group.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的评价人组别"))
    stmt = (
        select(Voter, Person)
        .join(Person, Person.id == Voter.person_id)
        .join(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(Voter.evaluation_id == evaluation.id, Voter.rater_group_id == group.id, Voter.has_voted.is_(False))
        .order_by(OrgUnit.path, Person.sort_order, Person.staff_no)
    )
    if not reissue:
        stmt = stmt.where(Voter.code_hash.is_(None))
    if without_account_only:
        stmt = stmt.where(Person.user_id.is_(None))
    rows = db.session.execute(stmt).all()
    if not rows:
        raise BallotError(_("“%(group)s”没有需要发放投票码的投票人", group=group.name))
    codes = _fresh_codes(len(rows))
    slips = []
    for (voter, person), code in zip(rows, codes):
        voter.code_hash = hash_code(code)
        slips.append(Slip(group.name, person.staff_no, format_code(code), person.name))
    db.session.flush()
    audit.record(
        "ballots.codes_named",
        evaluation,
        after={"group": group.key, "count": len(slips), "reissue": reissue},
        label=evaluation.title,
    )
    return slips


def code_stats(evaluation: Evaluation) -> dict[int, dict[str, int]]:
    """Per rater group: anonymous slips issued/used, named voters holding a code."""
    rows = db.session.execute(
        select(Voter.rater_group_id, Voter.person_id.is_(None), Voter.has_voted, func.count())
        .where(Voter.evaluation_id == evaluation.id, Voter.code_hash.is_not(None))
        .group_by(Voter.rater_group_id, Voter.person_id.is_(None), Voter.has_voted)
    ).all()
    stats: dict[int, dict[str, int]] = defaultdict(lambda: {"anonymous": 0, "anonymous_used": 0, "named": 0})
    for group_id, anonymous, voted, n in rows:
        if anonymous:
            stats[group_id]["anonymous"] += n
            if voted:
                stats[group_id]["anonymous_used"] += n
        else:
            stats[group_id]["named"] += n
    return stats


def voter_for_code(text: str) -> Voter | None:
    """The unused voter of an open evaluation behind a typed code, or None."""
    code = normalise_code(text)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return db.session.scalar(
        select(Voter)
        .join(Evaluation, Evaluation.id == Voter.evaluation_id)
        .where(
            Voter.code_hash == hash_code(code), Voter.has_voted.is_(False), Evaluation.status == EvaluationStatus.OPEN
        )
        .limit(1)
    )
