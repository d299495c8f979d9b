"""The API's blueprints: ``bp`` (the office's token pages under the tenant's
settings), ``api`` (the REST API, ``/api/v1/t/<slug>/…``) and ``docs`` (the
OpenAPI document and its readable page, ``/api/v1/``). The route modules are
imported at the bottom so that they register on them.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.api.views._shared import api

bp = tenant_blueprint("api_tokens", __name__, url_prefix="/settings/api-tokens", template_folder="../templates")
docs = Blueprint("api_docs", __name__, url_prefix="/api/v1", template_folder="../templates")

NAV = (NavItem("api_tokens.index", _l("接口令牌"), "tenant.admin", icon="key", order=85),)
#: registered beside ``bp`` by ``appraisal.tenants.register``
BLUEPRINTS = (api, docs)

__all__ = ["BLUEPRINTS", "NAV", "api", "bp", "docs"]

from appraisal.tenants.api.views import documents, org, results, tokens, writes  # noqa: E402,F401
