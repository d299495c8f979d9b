"""The notification service's core: kinds of event, who receives them, their channel
choices, :func:`notify` itself and the inbox. Re-exported by the package."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from appraisal.platform.db import db, utcnow
from appraisal.platform.models import Role, RoleGrant, Tenant, User
from appraisal.platform.notifications import channels, crypto
from appraisal.platform.notifications.models import Delivery, Notification, Profile, TenantSettings
from appraisal.platform.tenancy import current_tenant_id, tenant_scope

log = logging.getLogger(__name__)

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


def _pending(session: Session) -> list[tuple[int, int]]:
    """The deliveries :func:`notify` added in this transaction (queued after it commits)."""
    return session.info.setdefault("notify_pending", [])


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


def current_tenant_of_scope() -> int:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("notify() from a service needs a tenant in scope")
    return tenant_id
