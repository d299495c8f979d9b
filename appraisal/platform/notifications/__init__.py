"""One notification service for every feature (the platform knows no feature).

A feature registers its kinds of event (:func:`register_kind`) and calls
:func:`notify` from its services. ``notify`` stores one :class:`Notification`
per user (their inbox) and one :class:`Delivery` per channel the user takes for
that kind (their choice, else the office's default, else the kind's); the
deliveries are sent by background jobs once the transaction commits
(:func:`dispatch_ready`; in-process on the embedded default), each with retries
and its outcome written to the delivery log. See docs/dev/notifications.md.
"""

import logging

from flask import g

from appraisal.platform.db import db
from appraisal.platform.notifications.delivery import deliver, dispatch_ready, resend_pending, retry_delays
from appraisal.platform.notifications.models import Delivery, Notification
from appraisal.platform.notifications.service import (
    DEFAULT_OFFSETS,
    KINDS,
    Kind,
    channels_for,
    credentials,
    current_tenant_of_scope,
    default_channels,
    done,
    kind_label,
    mark_all_read,
    mark_read,
    notify,
    office_admins,
    profile_of,
    register_kind,
    reminder_offsets,
    tenant_defaults,
    tenant_settings,
    todos,
    unread_count,
    users_on,
    users_over,
)
from appraisal.platform.notifications.settings import (
    CREDENTIAL_FIELDS,
    URL_FIELDS,
    NotificationSettingsError,
    all_users,
    configured_credentials,
    save_profile,
    save_settings,
    tenant_link,
    urges_of,
)

log = logging.getLogger(__name__)

__all__ = [
    "CREDENTIAL_FIELDS",
    "DEFAULT_OFFSETS",
    "KINDS",
    "URL_FIELDS",
    "Delivery",
    "Kind",
    "Notification",
    "NotificationSettingsError",
    "all_users",
    "channels_for",
    "configured_credentials",
    "credentials",
    "current_tenant_of_scope",
    "default_channels",
    "deliver",
    "dispatch_ready",
    "done",
    "init_app",
    "kind_label",
    "mark_all_read",
    "mark_read",
    "notify",
    "office_admins",
    "profile_of",
    "register_kind",
    "reminder_offsets",
    "resend_pending",
    "retry_delays",
    "save_profile",
    "save_settings",
    "tenant_defaults",
    "tenant_link",
    "tenant_settings",
    "todos",
    "unread_count",
    "urges_of",
    "users_on",
    "users_over",
]


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
