"""Score entry, bonus claims, penalties, vetoes, deduction notices, self-reports.

Every route declares its permission. Routes on one object name it with
``@requires(action, load=Model)`` (another tenant's id is a 404, a wrong role
a 403); score cells and claims are judged as :class:`~..common.ScoreCell` /
:class:`~..common.ClaimSubject` (unit path, person, assessing department).
Lists choose their cycle and population with ``?cycle=`` / ``?population=``
(looked up the same way, :mod:`._shared`). A refused change re-renders with
422 (409 for a stale score), so the request boundary rolls back whatever was
touched.

The routes live by concept: :mod:`.scores` (the hub, the grid, letter items,
upload), :mod:`.appraisees` (one appraisee, one score), :mod:`.files` (evidence upload and
download), :mod:`.adjustments` (claims, penalties, vetoes, self-reports,
notices).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Phase
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.scoring.models import AdjustmentKind, ClaimStatus
from appraisal.tenants.scoring.views._shared import KIND_LABELS, STATUS_BADGES, STATUS_LABELS

bp = tenant_blueprint("scoring", __name__, url_prefix="/scoring", template_folder="../templates")

NAV = (NavItem("scoring.index", _l("评分与加减分"), "claims.view", icon="results", order=40),)

register_value_labels("AdjustmentClaim", "status", STATUS_LABELS)


@bp.context_processor
def _helpers():
    return {
        "status_label": lambda s: STATUS_LABELS.get(ClaimStatus(s), s),
        "status_badge": lambda s: STATUS_BADGES.get(ClaimStatus(s), ""),
        "kind_label": lambda k: KIND_LABELS.get(AdjustmentKind(k), k),
        "phase_label": lambda p: cycles.PHASE_LABELS_ZH.get(Phase(p), p),
        "num": _num,
        "group_label": _group_label,
        "max_mb": f"{evidence.max_mb():g}",
        "file_url": evidence.file_url,
    }


def _group_label(group: str) -> str:
    """A ranking group as people read it (person categories and unit kinds have labels)."""
    from appraisal.tenants.org.services import CATEGORY_LABELS, UNIT_KIND_LABELS

    for labels in (CATEGORY_LABELS, UNIT_KIND_LABELS):
        for key, label in labels.items():
            if key.value == group:
                return str(label)
    return group


def _num(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}" if isinstance(value, Decimal) else f"{value:g}"


# The routes, by concept (imported last: they register on ``bp``).
from appraisal.tenants.scoring.views import adjustments, appraisees, files, scores, vetoes  # noqa: E402, F401
