"""The office admin's view of the audit log: browse and filter.

Entries keep the raw action code and field names (``org.unit.create``,
``staff_no``); the page shows them in words (Chinese message ids, English by
the catalogue) with the raw code beside them, small, for support staff. A code
or field without a label shows as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.audit_labels import ACTION_AREAS, ACTION_LABELS, FIELD_LABELS, OBJECT_LABELS
from appraisal.platform.inputs import text_problem
from appraisal.platform.permissions import requires
from appraisal.platform.tenancy import current_tenant
from appraisal.platform.web import NavItem, paginate, tenant_blueprint

bp = tenant_blueprint("audit", __name__, url_prefix="/audit")

NAV = (NavItem("audit.index", _l("操作日志"), "audit.view", icon="audit", order=90),)


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


#: (object type, field) → {stored value: label}: the values a field takes, in words.
#: Features register their own (phases, statuses) where they define the labels.
VALUE_LABELS: dict[tuple[str, str], dict] = {}


def register_value_labels(object_type: str, field: str, labels: dict) -> None:
    VALUE_LABELS[(object_type, field)] = labels


register_value_labels("Tenant", "status", {"active": _l("正常"), "suspended": _l("已停用")})


def value_label(object_type: str, field: str, value):
    """A recorded value as people read it: a phase or status in words, else as stored."""
    labels = VALUE_LABELS.get((object_type, field))
    if labels is None or not isinstance(value, str) or value not in labels:
        return value
    return str(labels[value])


def object_label(object_type: str) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type))


def area_of(code: str) -> str | None:
    """The filter group (prefix) of an action code or prefix, the longest that fits."""
    fits = [prefix for prefix, _label in ACTION_AREAS if code.startswith(prefix)]
    return max(fits, key=len) if fits else None


@dataclass(frozen=True)
class ActionChoice:
    value: str
    label: str
    nested: bool = False  # an action inside the chosen group


def action_choices(current: str) -> list[ActionChoice]:
    """The action filter's options: the groups, and the actions of the chosen
    group under it (choose a group, then narrow it to one action). A value typed
    into the address (any prefix) is kept as an option of its own."""
    area = area_of(current) if current else None
    choices = []
    for prefix, label in ACTION_AREAS:
        choices.append(ActionChoice(prefix, str(label)))
        if prefix == area:
            choices.extend(
                ActionChoice(code, action_label(code), nested=True) for code in ACTION_LABELS if area_of(code) == prefix
            )
    if current and current not in {c.value for c in choices}:
        choices.append(ActionChoice(current, current))
    return choices


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


def _filter(name: str) -> str:
    """A text filter from the query string; one with a control character (a NUL
    the database cannot compare) is dropped, and the page says so."""
    value = (request.args.get(name) or "").strip()
    if text_problem(value):
        flash(_("筛选条件不能包含不可见的控制字符，已忽略该条件"), "error")
        return ""
    return value


def _midnight(day, tz, *, days_after: int = 0) -> datetime | None:
    """The moment ``day`` (+ ``days_after``) begins in ``tz``, in UTC; None past
    the calendar's ends (from 0001-01-01, to 9999-12-31): no bound on that side."""
    try:
        return datetime.combine(day + timedelta(days=days_after), time.min, tz).astimezone(UTC)
    except OverflowError:
        return None


@bp.route("/")
@requires("audit.view")
def index():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(current_tenant().time_zone)
    args = {name: _filter(name) for name in ("action", "actor", "object_type", "object_id")}
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    action = args["action"]
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if args["actor"]:
        stmt = stmt.where(AuditEntry.actor_label.contains(args["actor"]))
    if args["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == args["object_type"])
    if args["object_id"]:
        stmt = stmt.where(AuditEntry.object_id == args["object_id"])
    start, end = _day(request.args.get("from")), _day(request.args.get("to"))
    if start and (since := _midnight(start, tz)):
        stmt = stmt.where(AuditEntry.at >= since)
    if end and (until := _midnight(end, tz, days_after=1)):
        stmt = stmt.where(AuditEntry.at < until)
    page = paginate(stmt)
    object_types = list(db_distinct(AuditEntry.object_type))
    return render_template(
        "audit/index.html",
        page=page,
        object_types=object_types,
        tz=tz,
        action=action,
        action_choices=action_choices(action),
        action_label=action_label,
        field_label=field_label,
        object_label=object_label,
        value_label=value_label,
    )


def db_distinct(column):
    from appraisal.platform.db import db

    return db.session.scalars(select(column).distinct().order_by(column))
