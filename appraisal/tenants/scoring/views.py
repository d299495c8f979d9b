"""Score entry, bonus claims, penalties, vetoes, deduction notices, self-reports.

Every route declares its permission. Routes on one object load it with
``get_or_404`` (another tenant's id is a 404) and authorise it; score cells
and claims are judged as :class:`~.common.ScoreCell` /
:class:`~.common.ClaimSubject` (unit path, person, assessing department).
Lists choose their cycle and population with ``?cycle=`` / ``?population=``
(looked up the same way). A refused change re-renders with 422 (409 for a
stale score), so the request boundary rolls back whatever was touched.
"""

from __future__ import annotations

from decimal import Decimal

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.permissions import can, scope_clause
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.org.models import Person
from appraisal.tenants.scoring import evidence, services
from appraisal.tenants.scoring.models import AdjustmentKind, ClaimStatus

bp = tenant_blueprint("scoring", __name__, url_prefix="/scoring", template_folder="templates")

NAV = (NavItem("scoring.index", _l("评分与加减分"), "claims.view", icon="results", order=40),)

INVALID, CONFLICT = 422, 409

STATUS_LABELS = {
    ClaimStatus.CLAIMED: _l("待核实"), ClaimStatus.VERIFIED: _l("已核实"),
    ClaimStatus.REJECTED: _l("未通过"), ClaimStatus.WITHDRAWN: _l("已撤回"),
}

register_value_labels("AdjustmentClaim", "status", STATUS_LABELS)
STATUS_BADGES = {ClaimStatus.CLAIMED: "warn", ClaimStatus.VERIFIED: "ok", ClaimStatus.REJECTED: "danger",
                 ClaimStatus.WITHDRAWN: ""}
KIND_LABELS = {AdjustmentKind.BONUS: _l("加分"), AdjustmentKind.PENALTY: _l("扣分")}


@bp.context_processor
def _helpers():
    return {"status_label": lambda s: STATUS_LABELS.get(ClaimStatus(s), s),
            "status_badge": lambda s: STATUS_BADGES.get(ClaimStatus(s), ""),
            "kind_label": lambda k: KIND_LABELS.get(AdjustmentKind(k), k),
            "phase_label": lambda p: cycles.PHASE_LABELS_ZH.get(Phase(p), p),
            "num": _num, "group_label": _group_label, "max_mb": f"{evidence.max_mb():g}", "file_url": evidence.file_url}


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


# ---------------------------------------------------------------------------
# Choosing the cycle and population; the appraisees a user may see
# ---------------------------------------------------------------------------


def _cycle() -> Cycle | None:
    cycle_id = request.args.get("cycle", type=int)
    if cycle_id:
        return get_or_404(Cycle, cycle_id)
    return services.current_cycle()


def _population() -> Population:
    """The population of ``?population=`` (404 for another tenant's); without
    one, back to the hub to choose."""
    population_id = request.args.get("population", type=int)
    if not population_id:
        abort(redirect(url_for("scoring.index")))
    return get_or_404(Population, population_id)


def _visible_appraisees(stmt, action: str = "claims.view"):
    """Appraisees ``action`` covers (subtree scopes in SQL) or the user's own."""
    return stmt.outerjoin(Person, Appraisee.person_id == Person.id).where(
        or_(scope_clause(current_user, action, Appraisee.unit_path), Person.user_id == current_user.id))


def _users(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _may_enter(cycle: Cycle) -> bool:
    return cycle.phase == Phase.SCORING or cycle.phase == Phase.APPEALS


def _penalty_rules(population: Population, appraisee: Appraisee) -> list:
    return [r for r in services.rules_of(population).values() if r.kind == "penalty"
            and can(current_user, "penalties.record", services.subject_of(appraisee, population, r.key))]


# The routes, by concept (imported last: they register on ``bp``).
from appraisal.tenants.scoring import views_adjustments, views_scores  # noqa: E402, F401
