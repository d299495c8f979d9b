"""The tenant's home page: what this user can do now.

``bp`` and ``NAV`` live here (the app registers them from
``appraisal.tenants.home.views``); the route is in ``pages``, imported at the
bottom so that it registers on ``bp``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.web import NavItem, tenant_blueprint

bp = tenant_blueprint("home", __name__, template_folder="../templates")

NAV = (NavItem("home.index", _l("首页"), "tenant.view", icon="home", order=0),)

__all__ = ["NAV", "bp"]

# the route module registers its route on import
from appraisal.tenants.home.views import pages  # noqa: E402,F401
