"""催办: the office (or a sector lead for its units) reminds a unit's admins or a
department's assessors in one click, with an optional message. Each is a
notification to them and an audit entry on the unit (shown on the unit's page)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appraisal.platform import audit, notifications
from appraisal.platform.inputs import text_problem
from appraisal.platform.models import Role
from appraisal.platform.refusals import Refusal
from appraisal.tenants.cycles.models import Cycle
from appraisal.tenants.org.models import OrgUnit

notifications.register_kind("urge", _l("催办"))

AUDIENCES = {"unit_admins": Role.UNIT_ADMIN, "assessors": Role.ASSESSOR}
MESSAGE_MAX = 500


class UrgeError(Refusal):
    pass


def urge(cycle: Cycle, unit: OrgUnit, *, audience: str, message: str = "", sender: str = "") -> int:
    """Notify the unit's admins (or, for a department, its assessors); returns how many."""
    role = AUDIENCES.get(audience)
    if role is None:
        raise UrgeError(_("请选择催办对象"), field="audience")
    message = message.strip()
    problem = text_problem(message)
    if problem is not None:
        raise UrgeError(_("附言：%(why)s", why=problem), field="message")
    if len(message) > MESSAGE_MAX:
        raise UrgeError(_("附言最多 %(n)s 个字", n=MESSAGE_MAX), field="message")
    users = notifications.users_on(unit.id, role)
    if not users:
        raise UrgeError(
            _(
                "%(unit)s 还没有%(who)s账号，无法催办",
                unit=unit.name,
                who=_("单位管理员") if role == Role.UNIT_ADMIN else _("评分人"),
            ),
            field="audience",
        )
    what = (
        _("请尽快完成 %(cycle)s 的待办事项", cycle=cycle.name)
        if role == Role.UNIT_ADMIN
        else _("请尽快完成 %(cycle)s 的评分", cycle=cycle.name)
    )
    made = notifications.notify(
        notifications.current_tenant_of_scope(),
        users,
        "urge",
        _("考核办催办：%(what)s", what=what),
        message or what,
        notifications.tenant_link(f"/cycles/{cycle.id}" if role == Role.ASSESSOR else "/"),
    )
    audit.record(
        "notifications.urge",
        unit,
        object_type="OrgUnit",
        after={"cycle": cycle.name, "audience": audience, "message": message, "recipients": len(made)},
        label=unit.name,
    )
    return len(made)
