"""What the scoring routes share: choosing the cycle and population from the
query string, the appraisees a user may see, user names, labels."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.permissions import can, scope_clause
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.org.models import Person
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.models import AdjustmentKind, ClaimStatus

#: A score saved over someone else's newer one.
CONFLICT = 409

STATUS_LABELS = {
    ClaimStatus.CLAIMED: _l("待核实"),
    ClaimStatus.VERIFIED: _l("已核实"),
    ClaimStatus.REJECTED: _l("未通过"),
    ClaimStatus.WITHDRAWN: _l("已撤回"),
}
STATUS_BADGES = {
    ClaimStatus.CLAIMED: "warn",
    ClaimStatus.VERIFIED: "ok",
    ClaimStatus.REJECTED: "danger",
    ClaimStatus.WITHDRAWN: "",
}
KIND_LABELS = {AdjustmentKind.BONUS: _l("加分"), AdjustmentKind.PENALTY: _l("扣分")}


def chosen_cycle() -> Cycle | None:
    """The cycle of ``?cycle=`` (404 for another tenant's), else the current one."""
    cycle_id = request.args.get("cycle", type=int)
    if cycle_id:
        return get_or_404(Cycle, cycle_id)
    return services.current_cycle()


def chosen_population() -> Population:
    """The population of ``?population=`` (404 for another tenant's); without
    one, back to the hub to choose."""
    population_id = request.args.get("population", type=int)
    if not population_id:
        abort(redirect(url_for("scoring.index")))
    return get_or_404(Population, population_id)


def visible_appraisees(stmt, action: str = "claims.view"):
    """Appraisees ``action`` covers (subtree scopes in SQL) or the user's own."""
    return stmt.outerjoin(Person, Appraisee.person_id == Person.id).where(
        or_(scope_clause(current_user, action, Appraisee.unit_path), Person.user_id == current_user.id)
    )


def user_names(ids) -> dict[int, str]:
    """User id → display name, for "entered by" columns."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def may_enter(cycle: Cycle) -> bool:
    return cycle.phase == Phase.SCORING or cycle.phase == Phase.APPEALS


def penalty_rules(population: Population, appraisee: Appraisee) -> list:
    """The penalty rules the user may record for this appraisee."""
    return [
        r
        for r in services.rules_of(population).values()
        if r.kind == "penalty"
        and can(current_user, "penalties.record", services.subject_of(appraisee, population, r.key))
    ]
