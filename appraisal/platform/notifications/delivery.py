"""Dispatch: after the transaction commits, each delivery becomes a job (in-process
on the embedded default), sent on its channel with retries, its outcome logged."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import format_datetime
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from appraisal.platform import jobs
from appraisal.platform.db import db, utcnow
from appraisal.platform.models import User
from appraisal.platform.notifications import channels
from appraisal.platform.notifications.models import Delivery, Notification
from appraisal.platform.notifications.service import credentials, kind_label, profile_of
from appraisal.platform.tenancy import tenant_scope

log = logging.getLogger(__name__)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop("notify_pending", None)
    if pending:
        session.info.setdefault("notify_ready", []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop("notify_pending", None)


def dispatch_ready() -> int:
    """Queue a job for every delivery committed so far (in-process without Redis).
    Called at the end of every request and by commands after they commit."""
    session = db.session()
    ready = session.info.pop("notify_ready", None) or []
    for tenant_id, delivery_id in ready:
        try:
            jobs.enqueue(deliver, tenant_id, delivery_id, job_id=f"notify-{tenant_id}-{delivery_id}")
        except jobs.JobsUnavailable as exc:  # left pending: `reminders run` sends it later
            log.warning("delivery %s not queued: %s", delivery_id, exc)
    return len(ready)


def retry_delays() -> list[int]:
    raw = str(current_app.config.get("NOTIFY_RETRY_SECONDS", "60,300,1800"))
    return [int(x) for x in raw.split(",") if x.strip()]


def _message(note: Notification, *, recipients: str = "") -> channels.Message:
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    link = f"{base}{note.link}" if note.link and base else note.link
    deadline = format_datetime(note.deadline, "yyyy-MM-dd HH:mm") if note.deadline else ""
    return channels.Message(
        title=note.title,
        body=note.body,
        link=link,
        kind_label=str(kind_label(note.kind)),
        recipients=recipients,
        deadline=deadline,
    )


def _send(delivery: Delivery, note: Notification) -> None:
    config = current_app.config
    if delivery.channel == channels.EMAIL:
        user = db.session.get(User, note.user_id)
        if user is None or not user.email:
            raise channels.ChannelError("接收人没有电子邮件地址")
        channels.send_email(_message(note), user.email, config)
    elif delivery.channel == channels.SMS:
        profile = profile_of(note.user_id)
        channels.send_sms(_message(note), profile.mobile if profile else "", credentials())
    elif delivery.channel in channels.GROUP_CHANNELS:
        message = _message(note, recipients=delivery.target)
        send = channels.send_dingtalk if delivery.channel == channels.DINGTALK else channels.send_wecom
        send(message, credentials())
    else:
        raise channels.ChannelError(f"未知的发送渠道：{delivery.channel}")


def deliver(tenant_id: int, delivery_id: int) -> str:
    """The job: send one delivery; on failure record the error and try again
    later (RQ's scheduler with Redis; at once, up to the limit, in-process)."""
    with jobs.job_app_context(), tenant_scope(tenant_id):
        delays = retry_delays()
        while True:
            delivery = db.session.scalar(select(Delivery).where(Delivery.id == delivery_id))
            if delivery is None or delivery.status != "pending":
                return "gone" if delivery is None else delivery.status
            note = db.session.scalar(select(Notification).where(Notification.id == delivery.notification_id))
            delivery.attempts += 1
            try:
                if note is None:
                    raise channels.ChannelError("通知已不存在")
                _send(delivery, note)
            except Exception as exc:  # every failure is written to the log, none escapes as a 500
                delivery.error = str(exc) if isinstance(exc, channels.ChannelError) else f"发送出错：{exc}"[:1000]
                if delivery.attempts > len(delays):
                    delivery.status = "failed"
            else:
                delivery.status, delivery.error, delivery.sent_at = "sent", "", utcnow()
            status, attempts = delivery.status, delivery.attempts
            db.session.commit()
            if status != "pending":
                return status
            delay = delays[attempts - 1]
            q = jobs.queue()
            if q is None:
                continue  # in-process: try again now (a request cannot wait minutes)
            jobs.enqueue_in(timedelta(seconds=delay), deliver, tenant_id, delivery_id)
            return "retrying"


def resend_pending(tenant_id: int) -> int:
    """Queue the tenant's deliveries still pending (their job was lost: Redis down, a crash)."""
    with tenant_scope(tenant_id):
        ids = list(db.session.scalars(select(Delivery.id).where(Delivery.status == "pending")))
    for delivery_id in ids:
        jobs.enqueue(deliver, tenant_id, delivery_id, job_id=f"notify-{tenant_id}-{delivery_id}")
    return len(ids)
