"""Cycles: the office opens a year, sets its populations and dates, moves its phases.

The year's dashboard (``/cycles/<id>``) is the overview feature's: it shows
what the features above cycles know. Route modules: :mod:`.years` (the list,
a new year, its phase and dates) and :mod:`.populations`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.cycles import services
from appraisal.tenants.cycles.models import Phase

bp = tenant_blueprint("cycles", __name__, url_prefix="/cycles", template_folder="../templates")
register_value_labels("Cycle", "phase", services.PHASE_LABELS)

NAV = (NavItem("cycles.index", _l("考核年度"), "cycles.view", icon="cycle", order=20),)


@bp.app_context_processor
def _labels():
    return {"phase_label": lambda phase: services.PHASE_LABELS[Phase(phase)]}


from appraisal.tenants.cycles.views import populations, years  # noqa: E402,F401  (registers the routes)
