"""Browse and edit the org tree and people."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from appraisal.platform.permissions import requires
from appraisal.platform.web import NavItem, tenant_blueprint

bp = tenant_blueprint("org", __name__, url_prefix="/org", template_folder="templates")

NAV = (NavItem("org.tree", _l("组织机构"), "org.view", icon="org", order=10),)


@bp.route("/")
@requires("org.view")
def tree():
    return render_template("org/tree.html")
