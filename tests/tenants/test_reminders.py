"""Deadline reminders: sent from the cycle's dates at the offsets, once per thing
and offset, never across tenants, and no more once the thing is done."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.notifications import reminders
from appraisal.platform.notifications.models import Notification
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import CyclePhaseDate, Phase

TODAY = date(2026, 3, 10)


def _deadline(year, phase, ends_on):
    with tenant_scope(year.tenant):
        row = db.session.scalar(
            select(CyclePhaseDate).where(CyclePhaseDate.cycle_id == year.ids["cycle"], CyclePhaseDate.phase == phase)
        )
        if row is None:
            row = CyclePhaseDate(cycle_id=year.ids["cycle"], phase=phase)
            db.session.add(row)
        row.ends_on = ends_on
        db.session.commit()


def _notes(year, role, kind="letter.due"):
    db.session.expire_all()
    with tenant_scope(year.tenant):
        return list(
            db.session.scalars(
                select(Notification)
                .where(Notification.user_id == year.users[role].id, Notification.kind == kind)
                .order_by(Notification.id)
            )
        )


def test_due_offset_picks_the_latest_due_offset_only():
    deadline = date(2026, 3, 20)
    offsets = (7, 3, 1, -1)
    assert reminders.due_offset(deadline, date(2026, 3, 12), offsets) is None
    assert reminders.due_offset(deadline, date(2026, 3, 13), offsets) == 7
    assert reminders.due_offset(deadline, date(2026, 3, 16), offsets) == 7
    assert reminders.due_offset(deadline, date(2026, 3, 17), offsets) == 3  # a missed day: no backlog of 7
    assert reminders.due_offset(deadline, date(2026, 3, 21), offsets) == -1


def test_letter_reminders_once_per_offset_per_tenant_and_stop_when_done(app, year, other_year):
    _deadline(year, Phase.TARGET_SETTING, TODAY + timedelta(days=3))
    _deadline(other_year, Phase.TARGET_SETTING, TODAY + timedelta(days=30))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "run", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    (note,) = _notes(year, "unit_admin")
    assert "尚未提交" in note.title and "还有 3 天截止" in note.title
    assert note.deadline is not None and note.dedupe_key.endswith(":3")
    assert _notes(other_year, "unit_admin") == []  # its deadline is far off
    # idempotent: running again the same day sends nothing more
    runner.invoke(args=["reminders", "run", "--today", TODAY.isoformat()])
    assert len(_notes(year, "unit_admin")) == 1
    # the next offset (1 day before) is another reminder
    reminders.run(TODAY + timedelta(days=2))
    assert len(_notes(year, "unit_admin")) == 2
    # once the letter is submitted, the unit is no longer reminded; its reviewers are
    from appraisal.tenants.letters import services as letters
    from appraisal.tenants.letters.models import Letter

    with tenant_scope(year.tenant):
        letter = db.session.scalar(select(Letter).where(Letter.appraisee_id == year.ids["appraisee"]))
        letters.save_item(letter, title="补足", points="40")
        letters.submit(letter)
        db.session.commit()
    assert all(n.read_at is not None for n in _notes(year, "unit_admin"))  # left the to-do list
    reminders.run(TODAY + timedelta(days=4))
    assert len(_notes(year, "unit_admin")) == 2
    (review,) = _notes(year, "sector_lead")
    assert "待审核" in review.title and "已逾期 1 天" in review.title
    with tenant_scope(year.tenant):
        letters.decide(letter, approve=True)
        db.session.commit()
    reminders.run(TODAY + timedelta(days=5))
    assert len(_notes(year, "sector_lead")) == 1
