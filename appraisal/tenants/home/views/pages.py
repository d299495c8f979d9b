"""The home page route: the user's tasks, their unit names, their own results."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from appraisal.platform import notifications
from appraisal.platform.permissions import can, requires
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.home.views import bp
from appraisal.tenants.org import services as org_services
from appraisal.tenants.scoring import services as scoring


@bp.route("/")
@requires("tenant.view")
def index():
    unit_ids = [g.org_unit_id for g in current_user.grants if g.org_unit_id]
    names = org_services.unit_names(unit_ids)
    cycle = cycles.default_cycle()
    tasks = scoring.tasks_for(current_user, scoring.populations_of(cycle)) if cycle is not None else []
    results_cycle, own = _own_results()
    return render_template(
        "home/index.html",
        unit_name=lambda uid: names.get(uid, ""),
        person=org_services.person_of_user(current_user.id),
        cycle=cycle,
        tasks=tasks,
        results_cycle=results_cycle,
        own=own,
        todos=notifications.todos(current_user.id),
        kind_label=notifications.kind_label,
    )


def _own_results():
    """The user's own results in the latest published year (their person, the units
    they administer), as far as they may see them."""
    from sqlalchemy import select

    from appraisal.platform.db import db
    from appraisal.tenants.cycles.models import Cycle
    from appraisal.tenants.results.models import Publication
    from appraisal.tenants.results.services import leaderboard

    latest = db.session.scalar(
        select(Cycle)
        .join(Publication, Publication.cycle_id == Cycle.id)
        .order_by(Cycle.year.desc(), Cycle.id.desc())
        .limit(1)
    )
    if latest is None:
        return None, []
    own = [
        o
        for o in leaderboard.own_results(latest.id, current_user)
        if o.row is not None
        and can(current_user, "results.view", leaderboard.appraisee_subject(o.appraisee, published=True))
    ]
    return latest, own
