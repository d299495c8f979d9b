"""Schemes in use: browse the built-in templates, adopt one, customise it in versions.

Route modules: :mod:`.catalogue` (the list, the templates, adopting one),
:mod:`.scheme` (one scheme, its versions, who may adopt it) and
:mod:`.customising` (the customisation form).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.web import NavItem, tenant_blueprint

bp = tenant_blueprint("schemes", __name__, url_prefix="/schemes", template_folder="../templates")

NAV = (NavItem("schemes.index", _l("考核方案"), "schemes.view", icon="scheme", order=15),)

METHOD_LABELS = {
    "entered": _l("考核部门打分"),
    "deductions": _l("基本分扣减"),
    "ratio": _l("实际与目标比"),
    "count": _l("按次计分"),
    "average": _l("平均分"),
    "ballot": _l("民主测评"),
    "items": _l("责任书逐项计分"),
}


def edit_permission(target) -> str:
    """Who may customise a scheme: the office's own, or a unit's (its unit admin)."""
    return "schemes.manage" if target.owner_unit_id is None else "schemes.unit_manage"


@bp.app_context_processor
def _labels():
    return {"method_label": lambda kind: METHOD_LABELS.get(kind, kind)}


from appraisal.tenants.schemes.views import catalogue, customising, scheme  # noqa: E402,F401  (registers the routes)
