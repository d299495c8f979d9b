"""The tenant's home page: what this user can do now."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from flask_babel import lazy_gettext as _l

from appraisal.platform.permissions import requires
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.org import services as org_services
from appraisal.tenants.scoring import common as scoring, scores

bp = tenant_blueprint("home", __name__, template_folder="templates")

NAV = (NavItem("home.index", _l("首页"), "tenant.view", icon="home", order=0),)


@bp.route("/")
@requires("tenant.view")
def index():
    unit_ids = [g.org_unit_id for g in current_user.grants if g.org_unit_id]
    names = org_services.unit_names(unit_ids)
    cycle = scoring.current_cycle()
    tasks = scores.tasks_for(current_user, scoring.populations_of(cycle)) if cycle is not None else []
    return render_template("home/index.html", unit_name=lambda uid: names.get(uid, ""),
                           person=org_services.person_of_user(current_user.id), cycle=cycle, tasks=tasks)
