"""Reminders from the cycle's dates: "7, 3 and 1 days before, and the day after".

Features register *sources* (:func:`register_source`): a function that, in a
tenant's scope, yields the open things with a deadline (:class:`Due`) — a letter
not yet submitted, an evaluation a voter has not voted in, an appeal not yet
answered. What is done is no longer yielded, so its reminders stop.

:func:`run` goes through every active tenant, one at a time and each in its own
scope (never across tenants), and for each open thing sends the reminder of the
latest offset that is due today — one per thing and offset, however often it
runs (the notification's ``dedupe_key`` is ``<thing's key>:<offset>``). A missed
day does not send a backlog: only the latest due offset goes.

Run it daily: ``flask --app wsgi reminders run`` from cron on the embedded
default; with Redis, ``flask --app wsgi reminders schedule`` queues the daily
job with RQ's scheduler (``enqueue_at``), which queues itself again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform import jobs
from appraisal.platform.db import db
from appraisal.platform.models import Tenant, TenantStatus, User
from appraisal.platform.tenancy import tenant_scope, unscoped

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """One open thing with a deadline, and whom to remind."""

    key: str  # stable per thing: "letter:12" (the offset is appended)
    users: list[User | int]
    kind: str
    title: str
    deadline: date
    body: str = ""
    link: str = ""
    extra: dict = field(default_factory=dict)


Source = Callable[[date], Iterable[Due]]
SOURCES: list[Source] = []


def register_source(source: Source) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def due_offset(deadline: date, today: date, offsets: Iterable[int]) -> int | None:
    """The offset to send today: the one whose day is the latest not after today
    (a missed run sends that one only, not a backlog); None before the first."""
    for day, offset in sorted(((deadline - timedelta(days=o), o) for o in offsets), reverse=True):
        if day <= today:
            return offset
    return None


def _when_text(offset: int) -> str:
    if offset > 0:
        return _("还有 %(n)s 天截止", n=offset)
    if offset == 0:
        return _("今天截止")
    return _("已逾期 %(n)s 天", n=-offset)


def run_tenant(tenant_id: int, today: date) -> int:
    """Send the reminders due today in one tenant; returns how many notifications were made."""
    from appraisal.platform import notifications

    made = 0
    with tenant_scope(tenant_id):
        offsets = notifications.reminder_offsets()
        tz = ZoneInfo(getattr(db.session.get(Tenant, tenant_id), "time_zone", None) or "Asia/Shanghai")
        for source in SOURCES:
            for due in source(today):
                offset = due_offset(due.deadline, today, offsets)
                if offset is None:
                    continue
                deadline = datetime.combine(due.deadline, time(23, 59), tzinfo=tz).astimezone(UTC)
                made += len(
                    notifications.notify(
                        tenant_id,
                        due.users,
                        due.kind,
                        f"{due.title}（{_when_text((due.deadline - today).days)}）",
                        due.body,
                        due.link,
                        deadline=deadline,
                        dedupe_key=f"{due.key}:{offset}",
                    )
                )
        db.session.commit()
        notifications.resend_pending(tenant_id)
    notifications.dispatch_ready()
    return made


def _tenants() -> Iterator[int]:
    with unscoped():
        ids = list(
            db.session.scalars(select(Tenant.id).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.id))
        )
    yield from ids


def run(today: date | None = None) -> int:
    """Every active tenant's reminders for today (each tenant in its own scope and transaction)."""
    total = 0
    for tenant_id in _tenants():
        with unscoped():
            tz = ZoneInfo(getattr(db.session.get(Tenant, tenant_id), "time_zone", None) or "Asia/Shanghai")
        day = today or datetime.now(tz).date()
        try:
            with force_locale("zh_Hans"):
                total += run_tenant(tenant_id, day)
        except Exception:  # one tenant's failure does not stop the others
            db.session.rollback()
            log.exception("reminders failed for tenant %s", tenant_id)
    return total


DAILY_JOB_ID = "reminders-daily"


def daily_job() -> int:
    """The RQ job: run today's reminders, then schedule tomorrow's at 08:00 (Asia/Shanghai)."""
    with jobs.job_app_context():
        total = run()
        schedule_next()
        return total


def schedule_next(now: datetime | None = None) -> datetime:
    tz = ZoneInfo("Asia/Shanghai")
    now = (now or datetime.now(UTC)).astimezone(tz)
    when = datetime.combine(now.date() + timedelta(days=1), time(8, 0), tzinfo=tz)
    jobs.enqueue_at(when.astimezone(UTC), daily_job, job_id=f"{DAILY_JOB_ID}-{when.date().isoformat()}")
    return when


reminders_cli = AppGroup("reminders", help="Deadline reminders (7, 3, 1 days before and the day after).")


@reminders_cli.command("run")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Pretend today is this day.")
def run_command(today):
    """Send the reminders due today in every tenant (cron-able; idempotent)."""
    total = run(today.date() if today else None)
    click.echo(f"reminders: {total} notification(s)")


@reminders_cli.command("schedule")
def schedule_command():
    """With Redis: queue the daily reminders job with RQ's scheduler (the worker runs it)."""
    if jobs.queue() is None:
        raise click.ClickException("REDIS_URL is not set: run `flask --app wsgi reminders run` from cron instead")
    when = schedule_next()
    click.echo(f"reminders scheduled for {when.isoformat()}")
