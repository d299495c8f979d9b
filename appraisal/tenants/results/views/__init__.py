"""Results: computing, leaderboards with quota lines and charts, breakdowns,
exports, publication and appeals — the blueprint and its menu entries.

Route modules: ``boards`` (the index, leaderboards, computing, breakdowns),
``exports`` (workbooks and the printable notice), ``publication`` (publishing
and finalising a year), ``ties`` (the office decides a tie, 并列待定), ``appeals`` (filing, answering and withdrawing
appeals). Helpers they share live in ``_shared``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.web import NavItem, tenant_blueprint

bp = tenant_blueprint("results", __name__, url_prefix="/results", template_folder="../templates")

NAV = (
    NavItem("results.index", _l("考核结果"), "results.view", icon="results", order=40),
    NavItem("results.appeals", _l("复核申请"), "tenant.view", icon="appeal", order=41),
)

from appraisal.tenants.results.views import _shared  # noqa: E402  (its context processor joins bp)

_shared.register(bp)

from appraisal.tenants.results.views import appeals, boards, exports, publication, ties  # noqa: E402,F401  (routes)
