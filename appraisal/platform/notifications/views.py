"""The notification pages: the inbox, a user's channel choices, the office's
settings and the delivery log."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform import notifications as service
from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.notifications import channels
from appraisal.platform.notifications.forms import ProfileForm, SettingsForm
from appraisal.platform.notifications.models import Delivery, Notification
from appraisal.platform.permissions import actor_id, requires
from appraisal.platform.refusals import form_status, refuse
from appraisal.platform.web import NavItem, paginate, tenant_blueprint

bp = tenant_blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

NAV = (
    NavItem("notifications.index", _l("消息通知"), "notifications.own", icon="bell", order=5),
    NavItem("notifications.deliveries", _l("发送记录"), "notifications.manage", icon="audit", order=91),
)

CHANNEL_LABELS = {
    channels.INBOX: _l("站内消息"),
    channels.EMAIL: _l("电子邮件"),
    channels.SMS: _l("短信"),
    channels.DINGTALK: _l("钉钉群机器人"),
    channels.WECOM: _l("企业微信群机器人"),
}
STATUS_LABELS = {"pending": _l("待发送"), "sent": _l("已发送"), "failed": _l("发送失败")}


def _safe_link(link: str) -> str:
    """A notification's link, when it is a path of this site; else the inbox."""
    if link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return url_for("notifications.index")


@bp.route("/")
@requires("notifications.own")
def index():
    only_unread = request.args.get("unread") == "1"
    stmt = select(Notification).where(Notification.user_id == actor_id())
    if only_unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = paginate(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()))
    return render_template(
        "notifications/inbox.html", page=page, only_unread=only_unread, kind_label=service.kind_label
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@requires("notifications.own", load=Notification)
def open_(notification: Notification):
    service.mark_read(notification)
    return redirect(_safe_link(notification.link) if notification.link else url_for("notifications.index"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@requires("notifications.own", load=Notification)
def read(notification: Notification):
    service.mark_read(notification)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@requires("notifications.own")
def read_all():
    count = service.mark_all_read(current_user.id)
    flash(_("已将 %(n)s 条消息标为已读。", n=count), "success")
    return redirect(url_for("notifications.index"))


def _chosen_channels(allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """The checkboxes ``ch-<kind>-<channel>``: a kind listed on the page is saved with
    the channels ticked (none ticked: the inbox only)."""
    chosen: dict[str, list[str]] = {}
    for kind in service.KINDS:
        chosen[kind] = [c for c in allowed if request.form.get(f"ch-{kind}-{c}") == "on"]
    return chosen


@bp.route("/preferences", methods=["GET", "POST"])
@requires("notifications.own")
def preferences():
    profile = service.profile_of(current_user.id)
    form = ProfileForm(obj=profile)
    personal = (channels.EMAIL, channels.SMS, channels.DINGTALK, channels.WECOM)
    if form.validate_on_submit():
        service.save_profile(current_user.id, _chosen_channels(personal), form.mobile.data or "")
        flash(_("已保存通知设置。"), "success")
        return redirect(url_for("notifications.preferences"))
    defaults = service.tenant_defaults()
    current = {
        kind: service.channels_for(current_user.id, kind, defaults=defaults, profile=profile) for kind in service.KINDS
    }
    return render_template(
        "notifications/preferences.html",
        form=form,
        kinds=sorted(service.KINDS.values(), key=lambda k: k.code),
        offered=personal,
        current=current,
        channel_labels=CHANNEL_LABELS,
    ), form_status()


@bp.route("/settings", methods=["GET", "POST"])
@requires("notifications.manage")
def settings():
    row = service.tenant_settings()
    form = SettingsForm()
    if request.method == "GET":
        form.reminder_offsets.data = row.reminder_offsets or ",".join(str(x) for x in service.DEFAULT_OFFSETS)
    offered = (channels.EMAIL, channels.SMS, channels.DINGTALK, channels.WECOM)
    context: dict[str, Any] = dict(
        kinds=sorted(service.KINDS.values(), key=lambda k: k.code),
        offered=offered,
        channel_labels=CHANNEL_LABELS,
        configured=service.configured_credentials(),
        current={kind: service.default_channels(kind) for kind in service.KINDS},
    )
    if form.validate_on_submit():
        new = {name: (getattr(form, name).data or "") for name in service.CREDENTIAL_FIELDS}
        clear = {name for name in service.CREDENTIAL_FIELDS if request.form.get(f"clear-{name}") == "on"}
        try:
            service.save_settings(_chosen_channels(offered), form.reminder_offsets.data or "", new, clear)
        except service.NotificationSettingsError as exc:
            return refuse(exc, "notifications/settings.html", form=form, **context)
        flash(_("已保存通知设置。"), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form, **context), form_status()


@bp.route("/deliveries")
@requires("notifications.manage")
def deliveries():
    status = request.args.get("status", "")
    stmt = (
        select(Delivery, Notification, User)
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(User, User.id == Notification.user_id)
    )
    if status in STATUS_LABELS:
        stmt = stmt.where(Delivery.status == status)
    page = paginate(stmt.order_by(Delivery.created_at.desc(), Delivery.id.desc()), scalars=False)
    return render_template(
        "notifications/deliveries.html",
        page=page,
        status=status,
        status_labels=STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
        kind_label=service.kind_label,
    )


__all__ = ["NAV", "bp", "db"]
