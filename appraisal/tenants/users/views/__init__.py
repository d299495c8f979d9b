"""The office admin's user accounts: list, create, roles, reset password, deactivate.

``bp`` and ``NAV`` live here (the app registers them from
``appraisal.tenants.users.views``); the routes are in ``manage``, imported at
the bottom so that they register on ``bp``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.web import NavItem, tenant_blueprint

bp = tenant_blueprint("users", __name__, url_prefix="/users", template_folder="../templates")

NAV = (NavItem("users.index", _l("用户与角色"), "users.manage", icon="users", order=80),)

__all__ = ["NAV", "bp"]

# the route module registers its routes on import
from appraisal.tenants.users.views import manage  # noqa: E402,F401
