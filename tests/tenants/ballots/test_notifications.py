"""Ballots and notifications: voters with accounts are told an evaluation opened;
"closing soon, you have not voted" goes to each such voter alone (never to a
group robot, never naming anyone), and stops once they have voted."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from appraisal.platform import notifications
from appraisal.platform.db import db
from appraisal.platform.notifications import reminders
from appraisal.platform.notifications.models import Delivery, Notification
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import CyclePhaseDate, Phase
from tests.tenants.ballots.conftest import make_evaluation, vote


def _notes(world, kind):
    db.session.expire_all()
    with tenant_scope(world.tenant):
        return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def test_opened_then_closing_soon_to_the_voter_alone(app, city, webhooks):
    with tenant_scope(city.tenant):  # the office sends every kind to the group robot too
        notifications.save_settings(
            {"ballots.opened": ["dingtalk"], "ballots.closing": ["dingtalk"]},
            "",
            {"dingtalk_url": f"{webhooks.url}/dingtalk", "dingtalk_secret": webhooks.dingtalk_secret},
            set(),
        )
        db.session.commit()
    eid = make_evaluation(city)
    notifications.dispatch_ready()
    opened = _notes(city, "ballots.opened")
    assert [n.user_id for n in opened] == [city.users["staff"].id]  # the one voter with an account
    today = date.today()
    with tenant_scope(city.tenant):
        row = db.session.scalar(
            select(CyclePhaseDate).where(
                CyclePhaseDate.cycle_id == city.ids["cycle"], CyclePhaseDate.phase == Phase.SCORING
            )
        )
        if row is None:
            row = CyclePhaseDate(cycle_id=city.ids["cycle"], phase=Phase.SCORING)
            db.session.add(row)
        row.ends_on = today + timedelta(days=3)
        db.session.commit()
    reminders.run(today)
    (closing,) = _notes(city, "ballots.closing")
    assert closing.user_id == city.users["staff"].id and "您尚未投票" in closing.title
    with tenant_scope(city.tenant):
        channels = set(db.session.scalars(select(Delivery.channel).where(Delivery.notification_id == closing.id)))
    assert "dingtalk" not in channels  # private: never posted to the group
    hits = [payload["markdown"]["text"] for _p, _q, _h, payload in webhooks.on("/dingtalk")]
    assert hits and not any("尚未投票" in text for text in hits)
    vote(city, eid, "staff1")
    reminders.run(today + timedelta(days=2))  # the 1-day offset: nothing, the voter has voted
    assert len(_notes(city, "ballots.closing")) == 1
