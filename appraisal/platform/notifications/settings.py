"""Saving the choices: a user's channels per kind, the office's defaults, reminder
offsets and sealed channel credentials (the settings pages)."""

from __future__ import annotations

from sqlalchemy import select

from appraisal.platform.db import db, utcnow
from appraisal.platform.models import User
from appraisal.platform.notifications import channels, crypto
from appraisal.platform.notifications.models import Profile
from appraisal.platform.notifications.service import (
    KINDS,
    credentials,
    current_tenant_of_scope,
    profile_of,
    tenant_settings,
)
from appraisal.platform.refusals import Refusal
from appraisal.platform.tenancy import current_tenant_id

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
