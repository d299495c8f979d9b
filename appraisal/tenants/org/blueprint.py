"""The org blueprint and what its views share.

Every route declares its permission; routes on one object load it with
``get_or_404`` (another tenant's id is a 404) and ``authorize`` it (a wrong
role or a unit outside the user's subtree is a 403). Lists are filtered in
SQL with ``scope_clause``. A refused change re-renders the form with status
422 (``INVALID``), so the request boundary rolls back whatever was touched.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_babel import lazy_gettext as _l

from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.org import labels, workbooks
from appraisal.tenants.org.models import OrgUnit, UnitKind

bp = tenant_blueprint("org", __name__, url_prefix="/org", template_folder="templates")

# One entry per blueprint: the layout highlights entries by blueprint, so the
# people list and the import are reached from the tree page's actions.
NAV = (
    NavItem("org.tree", _l("组织机构"), "org.view", icon="org", order=10),
    NavItem("org.people", _l("人员名册"), "people.view", icon="people", order=11),
    NavItem("org.roster_import", _l("名册导入"), "roster.import", icon="import", order=12),
)

INVALID = 422


@bp.context_processor
def _org_helpers():
    return {
        "kind_label": labels.kind_label,
        "kind_badge": lambda kind: labels.UNIT_KIND_BADGES.get(UnitKind(kind), ""),
        "category_label": labels.category_label,
        "leader_label": labels.leader_label,
    }




def xlsx_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=workbooks.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response



def choice_label(unit: OrgUnit, depth: int) -> str:
    """A unit in a select, indented by its depth."""
    return f"{'　' * depth}{unit.name}（{unit.code}）"


def valid(form, unique_check) -> bool:
    """Validate the form and, in the same round, whether its code is free, so
    that every problem is shown at once (the check adds its error after the
    form's own validation, which resets the fields' errors)."""
    valid = form.validate_on_submit()
    if getattr(form, "hostile", None):
        return False  # a NUL byte must not reach the uniqueness query
    return unique_check(form) and valid


