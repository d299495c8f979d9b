"""What voters are told: an evaluation is open (each in-app voter, the same message),
and, as a reminder, that it closes soon while they have not voted (each voter of
their own status only, never to a group robot)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appraisal.platform import notifications
from appraisal.platform.db import db
from appraisal.tenants.ballots.models import Evaluation, EvaluationStatus, Voter

notifications.register_kind("ballots.opened", _l("民主测评开始投票"))
# about the voter alone: never to a group robot
notifications.register_kind("ballots.closing", _l("民主测评即将截止（您尚未投票）"), private=True)


def _not_voted(today):
    """Reminder source: each in-app voter with an account who has not voted in
    an open evaluation, before the end of the scoring phase. Each voter is told
    of their own status only, in a notification of their own."""
    from appraisal.platform.notifications.reminders import Due
    from appraisal.tenants.cycles.models import Cycle, CyclePhaseDate, Phase
    from appraisal.tenants.org.models import Person

    rows = db.session.execute(
        select(Evaluation.id, Evaluation.title, Person.user_id, CyclePhaseDate.ends_on)
        .join(Voter, Voter.evaluation_id == Evaluation.id)
        .join(Person, Person.id == Voter.person_id)
        .join(Cycle, Cycle.id == Evaluation.cycle_id)
        .join(CyclePhaseDate, (CyclePhaseDate.cycle_id == Cycle.id) & (CyclePhaseDate.phase == Phase.SCORING))
        .where(
            Evaluation.status == EvaluationStatus.OPEN,
            Voter.has_voted.is_(False),
            Person.user_id.is_not(None),
            CyclePhaseDate.ends_on.is_not(None),
        )
    )
    for evaluation_id, title, user_id, ends_on in rows:
        yield Due(
            key=f"ballot:{evaluation_id}:{user_id}",
            users=[user_id],
            kind="ballots.closing",
            title=_("民主测评“%(title)s”即将截止，您尚未投票", title=title),
            deadline=ends_on,
            link=notifications.tenant_link(f"/my-evaluations/{evaluation_id}"),
        )


def _register_reminders() -> None:
    from appraisal.platform.notifications.reminders import register_source

    register_source(_not_voted)


_register_reminders()


def tell_voters(evaluation: Evaluation) -> None:
    """Each in-app voter with an account is told the evaluation is open: one
    message per voter, the same for all, naming nobody else (code voters have
    no account to tell)."""
    from appraisal.tenants.org.models import Person

    user_ids = db.session.scalars(
        select(Person.user_id)
        .join(Voter, Voter.person_id == Person.id)
        .where(Voter.evaluation_id == evaluation.id, Person.user_id.is_not(None))
    )
    notifications.notify(
        notifications.current_tenant_of_scope(),
        [uid for uid in user_ids if uid is not None],
        "ballots.opened",
        _("民主测评“%(title)s”已开始投票", title=evaluation.title),
        _("请在投票截止前完成投票。"),
        notifications.tenant_link(f"/my-evaluations/{evaluation.id}"),
        dedupe_key=f"ballots.opened:{evaluation.id}",
    )
