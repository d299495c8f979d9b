"""Eligible voters: who may vote in an evaluation, in which rater group.

``voters`` says who may vote and whether they have voted (and on which day);
nothing in it points at a ballot. Voters are added by unit (with a default
group per leader role) or one by one, and removed only while they have not
voted. Anonymous one-time codes (voters without a person) are in :mod:`.codes`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.ballots.models import BallotSession, Evaluation, RaterGroup, Voter
from appraisal.tenants.ballots.services.common import (
    BallotError,
    check_group_sizes,
    check_phase,
    groups_of,
    inside_unit,
)
from appraisal.tenants.ballots.services.sessions import add_session, only_session, population_departments, sessions_of
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person

#: Which standard group a person joins by default, from their leader role.
ROLE_GROUP_KEYS = {LeaderRole.PRINCIPAL: "principal", LeaderRole.DEPUTY: "deputy", LeaderRole.NONE: "staff"}


def require_voters_editable(evaluation: Evaluation) -> None:
    """Voters (and codes) change only while the evaluation is not closed."""
    check_phase(evaluation.cycle, "ballots.manage")
    if evaluation.is_closed:
        raise BallotError(_("测评已结束，不能再调整投票人"))


def _check_unit_allowed(evaluation: Evaluation, unit: OrgUnit) -> None:
    owner = evaluation.owner_unit
    if owner is not None and not inside_unit(unit.path, owner):
        raise BallotError(_("本测评由%(unit)s组织，只能从本单位选取投票人", unit=owner.name))


def session_for(evaluation: Evaluation, session: BallotSession | None) -> BallotSession:
    if session is None:
        return only_session(evaluation)
    if session.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的场次"))
    if session.is_closed:
        raise BallotError(_("场次“%(name)s”已结束，不能再调整投票人", name=session.name))
    return session


def rater_group(evaluation: Evaluation, group_id) -> RaterGroup:
    """The evaluation's rater group with id ``group_id`` (as submitted), or a refusal."""
    group = db.session.get(RaterGroup, int(group_id)) if str(group_id or "").isdigit() else None
    if group is None or group.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的评价人组别"))
    return group


def default_role_groups(evaluation: Evaluation, groups: list[RaterGroup] | None = None) -> dict[str, int | None]:
    """Leader role → the group people with that role join by default (by key);
    ``groups``: the evaluation's groups when the caller has them already."""
    by_key = {g.key: g.id for g in (groups_of(evaluation) if groups is None else groups)}
    return {role.value: by_key.get(key) for role, key in ROLE_GROUP_KEYS.items()}


def add_voters_by_unit(
    evaluation: Evaluation,
    unit: OrgUnit,
    *,
    subtree: bool = True,
    role_groups: Mapping[str, Any],
    session: BallotSession | None = None,
    audited: bool = True,
) -> tuple[int, int]:
    """Add the active people of ``unit`` (and below) as voters in ``session``
    (default: the evaluation's only session): ``role_groups`` maps a leader role
    (principal/deputy/none) to a rater group id, or to None to leave those
    people out. Returns (added, already voters)."""
    require_voters_editable(evaluation)
    session = session_for(evaluation, session)
    _check_unit_allowed(evaluation, unit)
    targets: dict[str, RaterGroup | None] = {}
    for role in LeaderRole:
        value = role_groups.get(role.value)
        targets[role.value] = rater_group(evaluation, value) if value not in (None, "", 0, "0") else None
    if not any(targets.values()):
        raise BallotError(_("请至少为一类人员选择评价人组别"))
    stmt = select(Person).join(OrgUnit, Person.unit_id == OrgUnit.id).where(Person.active.is_(True))
    if subtree:
        stmt = stmt.where(OrgUnit.path.startswith(unit.path, autoescape=True))
    else:
        stmt = stmt.where(Person.unit_id == unit.id)
    people = list(db.session.scalars(stmt.order_by(OrgUnit.path, Person.sort_order, Person.staff_no)))
    existing = set(
        db.session.scalars(
            select(Voter.person_id).where(Voter.evaluation_id == evaluation.id, Voter.person_id.is_not(None))
        )
    )
    added = already = 0
    per_group: dict[str, int] = defaultdict(int)
    for person in people:
        group = targets.get(person.leader_role.value)
        if group is None:
            continue
        if person.id in existing:
            already += 1
            continue
        db.session.add(
            Voter(
                evaluation_id=evaluation.id,
                rater_group_id=group.id,
                session_id=session.id,
                person_id=person.id,
                label="",
                has_voted=False,
            )
        )
        per_group[group.name] += 1
        added += 1
    db.session.flush()
    if evaluation.is_open:
        check_group_sizes(evaluation)
    if added and audited:
        audit.record(
            "ballots.voters_add",
            evaluation,
            after={"unit": unit.code, "subtree": subtree, "session": session.name, "added": dict(per_group)},
            label=evaluation.title,
        )
    return added, already


def add_voter(evaluation: Evaluation, person: Person, group: RaterGroup, session: BallotSession | None = None) -> Voter:
    require_voters_editable(evaluation)
    session = session_for(evaluation, session)
    if group.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的评价人组别"))
    if not person.active:
        raise BallotError(_("%(name)s 已停用，不能作为投票人", name=person.name))
    _check_unit_allowed(evaluation, person.unit)
    if db.session.scalar(select(Voter.id).where(Voter.evaluation_id == evaluation.id, Voter.person_id == person.id)):
        raise BallotError(_("%(name)s 已是本测评的投票人", name=person.name))
    voter = Voter(
        evaluation_id=evaluation.id,
        rater_group_id=group.id,
        session_id=session.id,
        person_id=person.id,
        label="",
        has_voted=False,
    )
    db.session.add(voter)
    db.session.flush()
    if evaluation.is_open:
        check_group_sizes(evaluation, [group])
    audit.record(
        "ballots.voter_add",
        evaluation,
        after={"person": person.staff_no, "group": group.key, "session": session.name},
        label=evaluation.title,
    )
    return voter


def remove_voter(evaluation: Evaluation, voter: Voter) -> None:
    """Remove a voter who has not voted (a person added by mistake, a lost slip)."""
    require_voters_editable(evaluation)
    if voter.evaluation_id != evaluation.id:
        raise BallotError(_("该投票人不属于本测评"))
    person = voter.person
    who = person.name if person else _("投票码 %(label)s", label=voter.label)
    result = db.session.execute(
        delete(Voter)
        .where(Voter.id == voter.id, Voter.has_voted.is_(False))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BallotError(_("%(name)s 已投票，不能移除", name=who))
    db.session.expunge(voter)
    if evaluation.is_open:
        check_group_sizes(evaluation)
    audit.record(
        "ballots.voter_remove",
        evaluation,
        after={"person": person.staff_no if person else None, "slip": voter.label or None},
        label=evaluation.title,
    )


def create_department_sessions(evaluation: Evaluation, *, role_groups: Mapping[str, Any]) -> list[BallotSession]:
    """One action: a session for every department (or district) of the
    population, each with that department's active people as voters (leader
    role → rater group as ``role_groups`` says, as when adding voters by unit).
    An empty whole-population session (no voters) is replaced; departments that
    already have a session are skipped. Returns the sessions made."""
    from appraisal.tenants.ballots.services.voters import add_voters_by_unit

    check_phase(evaluation.cycle, "ballots.manage")
    if evaluation.is_closed:
        raise BallotError(_("测评已结束，不能再调整场次"))
    departments = population_departments(evaluation)
    if not departments:
        raise BallotError(_("考核对象群体中没有属于部门或区县的考核对象，无法按部门建立场次"))
    existing = sessions_of(evaluation)
    taken = {s.unit_id for s in existing if s.unit_id is not None}
    for whole in (s for s in existing if s.unit_id is None):
        voters = db.session.scalar(select(func.count()).select_from(Voter).where(Voter.session_id == whole.id))
        if voters:
            raise BallotError(
                _(
                    "场次“%(name)s”（全体考核对象）已有 %(n)s 名投票人：请先移除这些投票人，再按部门建立场次",
                    name=whole.name,
                    n=voters,
                )
            )
        if not whole.is_draft:
            raise BallotError(_("场次“%(name)s”已开始投票，不能再按部门拆分", name=whole.name))
        db.session.delete(whole)
    db.session.flush()
    made: list[BallotSession] = []
    for unit, _n in departments:
        if unit.id in taken:
            continue
        session = add_session(evaluation, unit, unit.name)
        made.append(session)
        add_voters_by_unit(evaluation, unit, subtree=True, role_groups=role_groups, session=session, audited=False)
    audit.record(
        "ballots.sessions_create",
        evaluation,
        after={"sessions": [s.name for s in made]},
        label=evaluation.title,
    )
    return made
