"""One notification service for every feature (the platform knows no feature).

A feature registers its kinds of event (:func:`register_kind`) and calls
:func:`notify` from its services. ``notify`` stores one :class:`Notification`
per user (their inbox) and one :class:`Delivery` per channel the user takes for
that kind (their choice, else the office's default, else the kind's); the
deliveries are sent by background jobs once the transaction commits
(:func:`dispatch_ready`; in-process on the embedded default), each with retries
and its outcome written to the delivery log. See docs/dev/notifications.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g
from flask_babel import format_datetime
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from appraisal.platform import jobs
from appraisal.platform.db import db, utcnow
from appraisal.platform.models import Role, RoleGrant, Tenant, User
from appraisal.platform.notifications import channels, crypto
from appraisal.platform.notifications.models import Delivery, Notification, Profile, TenantSettings
from appraisal.platform.refusals import Refusal
from appraisal.platform.tenancy import current_tenant_id, tenant_scope

log = logging.getLogger(__name__)

__all__ = [
    "Delivery",
    "Notification",
    "dispatch_ready",
    "notify",
    "office_admins",
    "register_kind",
    "users_over",
]

DEFAULT_OFFSETS = (7, 3, 1, -1)  # days before each deadline (negative: after)


# ---------------------------------------------------------------------------
# Kinds of event
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    code: str
    label: Any  # a lazy string
    channels: tuple[str, ...] = (channels.INBOX, channels.EMAIL)
    private: bool = False  # never to a group robot (e.g. "you have not voted")


KINDS: dict[str, Kind] = {}


def register_kind(
    code: str,
    label: Any,
    default_channels: Iterable[str] = (channels.INBOX, channels.EMAIL),
    *,
    private: bool = False,
) -> None:
    """Declare a kind of event (a feature does, at import): its label and the
    channels it goes on unless the office or the user says otherwise.
    ``private``: about the recipient alone (whether they voted): never posted to
    a group robot, whatever anyone chooses."""
    KINDS[code] = Kind(code, label, tuple(default_channels), private)


def kind_label(code: str) -> Any:
    kind = KINDS.get(code)
    return kind.label if kind is not None else code


# ---------------------------------------------------------------------------
# Who: recipients by role
# ---------------------------------------------------------------------------


def office_admins() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.OFFICE_ADMIN, User.active.is_(True))
            .distinct()
        )
    )


def users_over(unit_path: str, *roles: Role) -> list[User]:
    """Active users holding one of ``roles`` on a unit of ``unit_path`` (``/1/4/9/``):
    on the unit itself or one above it."""
    unit_ids = [int(part) for part in unit_path.strip("/").split("/") if part.isdigit()]
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role.in_(roles), RoleGrant.org_unit_id.in_(unit_ids), User.active.is_(True))
            .distinct()
        )
    )


def users_on(unit_id: int, *roles: Role) -> list[User]:
    """Active users holding one of ``roles`` on exactly this unit."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role.in_(roles), RoleGrant.org_unit_id == unit_id, User.active.is_(True))
            .distinct()
        )
    )


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


def tenant_settings() -> TenantSettings:
    row = db.session.scalar(select(TenantSettings))
    if row is None:
        row = TenantSettings(defaults={}, reminder_offsets="")
        db.session.add(row)
        db.session.flush()
    return row


def reminder_offsets() -> tuple[int, ...]:
    row = db.session.scalar(select(TenantSettings))
    if row is None or not row.reminder_offsets.strip():
        return DEFAULT_OFFSETS
    return tuple(int(x) for x in row.reminder_offsets.split(",") if x.strip())


def credentials() -> dict[str, str]:
    row = db.session.scalar(select(TenantSettings))
    return crypto.unseal(current_tenant_of_scope(), row.sealed_credentials) if row is not None else {}


def tenant_defaults() -> dict[str, list[str]]:
    row = db.session.scalar(select(TenantSettings))
    return dict(row.defaults or {}) if row is not None else {}


def default_channels(kind: str, defaults: dict[str, list[str]] | None = None) -> tuple[str, ...]:
    defaults = tenant_defaults() if defaults is None else defaults
    if kind in defaults:
        return tuple(defaults[kind])
    found = KINDS.get(kind)
    return found.channels if found is not None else (channels.INBOX,)


def profile_of(user_id: int) -> Profile | None:
    return db.session.scalar(select(Profile).where(Profile.user_id == user_id))


def channels_for(user_id: int, kind: str, *, defaults=None, profile: Profile | None = None) -> tuple[str, ...]:
    """The channels a user takes for a kind: their own choice, else the default. Always the inbox."""
    profile = profile if profile is not None else profile_of(user_id)
    chosen = (profile.channels or {}).get(kind) if profile is not None else None
    picked = tuple(chosen) if chosen is not None else default_channels(kind, defaults)
    private = KINDS[kind].private if kind in KINDS else False
    return (
        channels.INBOX,
        *(
            c
            for c in picked
            if c != channels.INBOX and c in channels.CHANNELS and not (private and c in channels.GROUP_CHANNELS)
        ),
    )


# ---------------------------------------------------------------------------
# notify
# ---------------------------------------------------------------------------


def _ids(users: Iterable[User | int]) -> list[int]:
    seen: dict[int, None] = {}
    for user in users:
        seen.setdefault(user if isinstance(user, int) else user.id, None)
    return list(seen)


def notify(
    tenant: Tenant | int,
    users: Iterable[User | int],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    deadline: datetime | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Notify ``users`` (of ``tenant``) of an event: an inbox row each, and
    deliveries on their channels, sent after the transaction commits.

    ``dedupe_key``: a user who already has a notification with this key gets no
    other (reminders: one per deadline and offset). Inactive users and users of
    another tenant are skipped. Returns the notifications created."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    with tenant_scope(tenant_id):
        ids = _ids(users)
        if not ids:
            return []
        # the tenancy safety net filters User to this tenant: another tenant's ids fall out
        recipients = list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))))
        if dedupe_key is not None:
            already = set(
                db.session.scalars(
                    select(Notification.user_id).where(
                        Notification.dedupe_key == dedupe_key, Notification.user_id.in_(ids)
                    )
                )
            )
            recipients = [u for u in recipients if u.id not in already]
        if not recipients:
            return []
        defaults = tenant_defaults()
        profiles = {
            p.user_id: p
            for p in db.session.scalars(select(Profile).where(Profile.user_id.in_([u.id for u in recipients])))
        }
        created: list[Notification] = []
        for user in sorted(recipients, key=lambda u: u.id):
            created.append(
                Notification(
                    user_id=user.id,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    link=link[:500],
                    deadline=deadline,
                    dedupe_key=dedupe_key,
                )
            )
        db.session.add_all(created)
        db.session.flush()
        deliveries: list[Delivery] = []
        group_channels: set[str] = set()
        for note, user in zip(created, sorted(recipients, key=lambda u: u.id), strict=True):
            for channel in channels_for(user.id, kind, defaults=defaults, profile=profiles.get(user.id)):
                if channel == channels.INBOX:
                    continue
                if channel in channels.GROUP_CHANNELS:
                    group_channels.add(channel)
                    continue
                target = user.email if channel == channels.EMAIL else getattr(profiles.get(user.id), "mobile", "")
                deliveries.append(
                    Delivery(notification_id=note.id, channel=channel, target=channels.mask(target or ""))
                )
        # a group robot gets one message per event (on the first notification), naming whom it is for
        names = "、".join(u.display_name for u in sorted(recipients, key=lambda u: u.id))
        for channel in sorted(group_channels):
            deliveries.append(Delivery(notification_id=created[0].id, channel=channel, target=names[:200]))
        db.session.add_all(deliveries)
        db.session.flush()
        _pending(db.session()).extend((tenant_id, d.id) for d in deliveries)
        return created


# ---------------------------------------------------------------------------
# Dispatch: after the transaction commits, each delivery becomes a job
# ---------------------------------------------------------------------------


def _pending(session: Session) -> list[tuple[int, int]]:
    return session.info.setdefault("notify_pending", [])


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


# ---------------------------------------------------------------------------
# The inbox
# ---------------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(note: Notification) -> None:
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.flush()


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def todos(user_id: int, limit: int = 10) -> list[Notification]:
    """What waits for the user: unread notifications, those with a deadline first
    (soonest first), then the newest."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def done(dedupe_prefix: str) -> int:
    """Mark read every notification whose key starts with ``dedupe_prefix``: the
    thing is done (a letter approved: its reminders leave the to-do lists)."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.dedupe_key.startswith(dedupe_prefix, autoescape=True), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def init_app(app) -> None:
    """The request's end sends what it committed; the layout shows the unread count;
    the ``reminders`` commands."""
    from appraisal.platform.notifications.reminders import reminders_cli

    app.cli.add_command(reminders_cli)

    @app.teardown_request
    def _dispatch(exc=None) -> None:
        if exc is None and db.session.registry.has():
            try:
                dispatch_ready()
            except Exception:  # a delivery never breaks the page that caused it
                log.exception("dispatching notifications failed")

    @app.context_processor
    def _unread():
        def unread() -> int:
            from flask_login import current_user

            if "tenant" not in g or not getattr(current_user, "is_authenticated", False):
                return 0
            if getattr(current_user, "is_operator", False):
                return 0
            return unread_count(current_user.id)

        return {"notifications_unread": unread}


# ---------------------------------------------------------------------------
# Saving the choices (the settings pages)
# ---------------------------------------------------------------------------

CREDENTIAL_FIELDS = ("dingtalk_url", "dingtalk_secret", "wecom_url", "sms_url", "sms_token")
URL_FIELDS = ("dingtalk_url", "wecom_url", "sms_url")


class NotificationSettingsError(Refusal):
    """A setting refused; the message says which and why (shown beside the field)."""


def save_profile(user_id: int, chosen: dict[str, list[str]], mobile: str) -> Profile:
    from appraisal.platform import audit

    profile = profile_of(user_id)
    if profile is None:
        profile = Profile(user_id=user_id, channels={}, mobile="")
        db.session.add(profile)
    before = {"channels": dict(profile.channels or {}), "mobile": profile.mobile}
    profile.channels = {k: [c for c in v if c in channels.CHANNELS] for k, v in chosen.items() if k in KINDS}
    profile.mobile = mobile.strip()
    db.session.flush()
    audit.record(
        "notifications.profile",
        profile,
        before=before,
        after={"channels": profile.channels, "mobile": profile.mobile},
        label=str(user_id),
    )
    return profile


def save_settings(defaults: dict[str, list[str]], offsets: str, new_credentials: dict[str, str], clear: set[str]):
    """The office's settings. Blank credentials keep the stored ones; ``clear``
    removes them. The audit entry names what changed, never a secret."""
    from flask_babel import gettext as _

    from appraisal.platform import audit

    for name in URL_FIELDS:
        value = new_credentials.get(name, "").strip()
        if value and not value.startswith(("https://", "http://")):
            raise NotificationSettingsError(_("地址须以 https:// 或 http:// 开头"), field=name)
    parsed = [int(x) for x in offsets.split(",") if x.strip()] if offsets.strip() else []
    if any(abs(x) > 365 for x in parsed):
        raise NotificationSettingsError(_("提醒时间须在截止前后 365 天以内"), field="reminder_offsets")
    row = tenant_settings()
    stored = crypto.unseal(current_tenant_of_scope(), row.sealed_credentials)
    changed = sorted(
        {name for name, value in new_credentials.items() if value.strip() and stored.get(name) != value.strip()}
        | {name for name in clear if name in stored}
    )
    for name, value in new_credentials.items():
        if value.strip():
            stored[name] = value.strip()
    for name in clear:
        stored.pop(name, None)
    before = {"defaults": dict(row.defaults or {}), "reminder_offsets": row.reminder_offsets}
    row.defaults = {k: [c for c in v if c in channels.CHANNELS] for k, v in defaults.items() if k in KINDS}
    row.reminder_offsets = ",".join(str(x) for x in parsed)
    row.sealed_credentials = crypto.seal(current_tenant_of_scope(), stored) if stored else None
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "notifications.settings",
        row,
        before=before,
        after={"defaults": row.defaults, "reminder_offsets": row.reminder_offsets, "credentials_changed": changed},
        label="通知设置",
    )
    return row


def configured_credentials() -> set[str]:
    """Which credentials are stored (the settings page says "已设置", never the value)."""
    return {name for name, value in credentials().items() if value}


def tenant_link(path: str) -> str:
    """A path of the current tenant's site (``/letters/3`` → ``/t/<slug>/letters/3``), for a notification's link."""
    from appraisal.platform.models import Tenant as _Tenant

    tenant = db.session.get(_Tenant, current_tenant_id()) if current_tenant_id() else None
    return f"/t/{tenant.slug}{path}" if tenant is not None else path


def current_tenant_of_scope() -> int:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("notify() from a service needs a tenant in scope")
    return tenant_id


def all_users() -> list[User]:
    """Every active user of the tenant in scope (results published: everyone may read them)."""
    return list(db.session.scalars(select(User).where(User.active.is_(True))))


def urges_of(unit_id: int, limit: int = 20):
    """The 催办 recorded on a unit (audit entries ``notifications.urge``), newest first: its page shows them."""
    from appraisal.platform.audit import AuditEntry

    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == "notifications.urge",
                AuditEntry.object_type == "OrgUnit",
                AuditEntry.object_id == str(unit_id),
            )
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
