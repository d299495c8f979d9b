"""The office admin's view of the audit log: browse and filter."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.permissions import requires
from appraisal.platform.tenancy import current_tenant
from appraisal.platform.web import NavItem, paginate, tenant_blueprint

bp = tenant_blueprint("audit", __name__, url_prefix="/audit")

NAV = (NavItem("audit.index", _l("操作日志"), "audit.view", icon="audit", order=90),)


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


@bp.route("/")
@requires("audit.view")
def index():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(current_tenant().time_zone)
    args = request.args
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if args.get("action"):
        stmt = stmt.where(AuditEntry.action.startswith(args["action"].strip()))
    if args.get("actor"):
        stmt = stmt.where(AuditEntry.actor_label.contains(args["actor"].strip()))
    if args.get("object_type"):
        stmt = stmt.where(AuditEntry.object_type == args["object_type"].strip())
    if args.get("object_id"):
        stmt = stmt.where(AuditEntry.object_id == args["object_id"].strip())
    start, end = _day(args.get("from")), _day(args.get("to"))
    if start:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(start, time.min, tz))
    if end:
        stmt = stmt.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min, tz))
    page = paginate(stmt)
    object_types = list(db_distinct(AuditEntry.object_type))
    return render_template("audit/index.html", page=page, object_types=object_types, tz=tz)


def db_distinct(column):
    from appraisal.platform.db import db

    return db.session.scalars(select(column).distinct().order_by(column))
