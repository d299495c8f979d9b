"""Overview screens: the cycle dashboard."""

from __future__ import annotations

from appraisal.platform.web import tenant_blueprint

bp = tenant_blueprint("overview", __name__, template_folder="../templates")

from appraisal.tenants.overview.views import cycle, urging  # noqa: E402,F401  (registers the routes)
