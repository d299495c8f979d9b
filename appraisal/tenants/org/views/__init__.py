"""The org screens: the tree and its units, people, and the roster import.

``bp`` and ``NAV`` live here (the app registers them from
``appraisal.tenants.org.views``); the route modules add their routes to ``bp``
when imported at the bottom: ``units`` (the tree, units), ``people`` (the
roster list, one person) and ``roster`` (import, template, export). What they
share is in ``_shared``.

Every route declares its permission; a route on one object names it with
``@requires(action, load=Model)`` (another tenant's id is a 404, a role or
a unit outside the user's subtree a 403). Lists are filtered in SQL with
``scope_clause``. A refused change re-renders its form with status 422
(``platform.refusals.refuse`` / ``form_status``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.org import services
from appraisal.tenants.org.models import UnitKind

bp = tenant_blueprint("org", __name__, url_prefix="/org", template_folder="../templates")

# One entry per blueprint: the layout highlights entries by blueprint, so the
# people list and the import are reached from the tree page's actions.
NAV = (
    NavItem("org.tree", _l("组织机构"), "org.view", icon="org", order=10),
    NavItem("org.people", _l("人员名册"), "people.view", icon="people", order=11),
    NavItem("org.roster_import", _l("名册导入"), "roster.import", icon="import", order=12),
)

__all__ = ["NAV", "bp"]


@bp.context_processor
def _org_helpers():
    return {
        "kind_label": services.kind_label,
        "kind_badge": lambda kind: services.UNIT_KIND_BADGES.get(UnitKind(kind), ""),
        "category_label": services.category_label,
        "leader_label": services.leader_label,
    }


# the route modules register their routes on import
from appraisal.tenants.org.views import people, roster, units  # noqa: E402,F401
