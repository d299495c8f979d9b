"""What the parts of the democratic evaluation share: the refusals they raise,
a rater group as entered, the tenant's calendar day and the phase check (see
:mod:`.services` for the whole picture)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.models import Tenant
from appraisal.platform.refusals import Refusal
from appraisal.platform.tenancy import current_tenant, current_tenant_id
from appraisal.tenants.ballots.models import BallotSession, Evaluation, RaterGroup, SessionStatus, Voter
from appraisal.tenants.cycles.models import Cycle
from appraisal.tenants.cycles.services import CycleError, require_phase
from appraisal.tenants.org.models import OrgUnit

#: Scores, grade values and means are kept to the cent.
CENT = Decimal("0.01")


class BallotError(Refusal):
    """A clear, user-facing reason why a ballot operation was refused."""


class SettingsFrozen(BallotError):
    pass


class NotEligible(BallotError):
    pass


class AlreadyVoted(NotEligible):
    pass


class ResultsHidden(BallotError):
    pass


class BallotInvalid(BallotError):
    """The ballot form has problems: ``errors`` maps appraisee id (0: the whole
    ballot) to the reason."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(_("选票填写有误，请检查标红的项目"))
        self.errors = errors


@dataclass(frozen=True)
class GroupSpec:
    """A rater group as entered or as the scheme defines it."""

    key: str
    name: str
    weight: Decimal


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def today() -> date:
    """The tenant's calendar day (ballots and voters keep nothing finer)."""
    tenant = current_tenant()
    if tenant is None and current_tenant_id() is not None:
        tenant = db.session.get(Tenant, current_tenant_id())
    try:
        zone = ZoneInfo(tenant.time_zone if tenant is not None else "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - a broken time zone setting
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


def check_phase(cycle: Cycle, action: str) -> None:
    """Refuse, as a :class:`BallotError`, what the cycle's phase does not allow."""
    try:
        require_phase(cycle, action)
    except CycleError as exc:
        raise BallotError(str(exc)) from None


def groups_of(evaluation: Evaluation) -> list[RaterGroup]:
    return list(
        db.session.scalars(select(RaterGroup).where(RaterGroup.evaluation_id == evaluation.id).order_by(RaterGroup.id))
    )


def fmt_weight(weight: Decimal | float) -> str:
    return f"{Decimal(str(weight)).normalize():f}"


def inside_unit(path: str, unit: OrgUnit) -> bool:
    """Is the unit path ``path`` in ``unit``'s subtree?"""
    return f"/{unit.id}/" in (path or "")


def group_sizes(evaluation: Evaluation) -> dict[int, int]:
    """Rater group id → number of eligible voters."""
    return dict(
        db.session.execute(
            select(Voter.rater_group_id, func.count())
            .where(Voter.evaluation_id == evaluation.id)
            .group_by(Voter.rater_group_id)
        ).all()
    )


def check_group_sizes(
    evaluation: Evaluation, groups: list[RaterGroup] | None = None, sessions: list[BallotSession] | None = None
) -> None:
    """Refuse a rater group with voters but fewer than the minimum in a session,
    unless the office keeps it as a known-voter group (its voters are
    identifiable: even merged in the results, its ballots carry its group in the
    database, and a session's appraisees are scored by that session's voters
    only). Checked for ``sessions`` (default: the sessions open now) and for
    voters without a session (from before sessions existed)."""
    if sessions is None:
        checked = set(
            db.session.scalars(
                select(BallotSession.id).where(
                    BallotSession.evaluation_id == evaluation.id, BallotSession.status == SessionStatus.OPEN
                )
            )
        ) | {None}
    else:
        checked = {s.id for s in sessions} | {None}
    names = dict(
        db.session.execute(
            select(BallotSession.id, BallotSession.name).where(BallotSession.evaluation_id == evaluation.id)
        ).all()
    )
    sizes = session_group_sizes(evaluation)
    several = len(names) > 1
    for group in groups_of(evaluation) if groups is None else groups:
        for (session_id, group_id), n in sizes.items():
            if group_id != group.id or session_id not in checked:
                continue
            if 0 < n < evaluation.min_group_size and not group.known_voters:
                where = _("场次“%(session)s”的", session=names.get(session_id, "")) if several and session_id else ""
                raise BallotError(
                    where
                    + _(
                        "组别“%(name)s”只有 %(n)s 名投票人，少于最少人数 %(min)s 人，其投票人可被识别。"
                        "请增加投票人，或在“人数不足的组别”中确认将其作为记名组",
                        name=group.name,
                        n=n,
                        min=evaluation.min_group_size,
                    )
                )


def session_group_sizes(evaluation: Evaluation) -> dict[tuple[int | None, int], int]:
    """(session id, rater group id) → number of eligible voters."""
    return {
        (session_id, group_id): n
        for session_id, group_id, n in db.session.execute(
            select(Voter.session_id, Voter.rater_group_id, func.count())
            .where(Voter.evaluation_id == evaluation.id)
            .group_by(Voter.session_id, Voter.rater_group_id)
        ).all()
    }
