"""The office admin's user accounts screen."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from appraisal.platform.permissions import requires
from appraisal.platform.web import NavItem, tenant_blueprint

bp = tenant_blueprint("users", __name__, url_prefix="/users", template_folder="templates")

NAV = (NavItem("users.index", _l("用户与角色"), "users.manage", icon="users", order=80),)


@bp.route("/")
@requires("users.manage")
def index():
    return render_template("users/index.html")
