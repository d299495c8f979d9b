"""Democratic evaluation screens.

Two blueprints:

* ``ballots`` (``/t/<slug>/ballots/…``): the office — or a unit admin, for the
  evaluations their unit runs — creates an evaluation, picks voters, prints
  one-time codes, opens and closes it, and reads the results after closing.
  Every route on one evaluation declares ``@requires("ballots.manage",
  load=Evaluation)``: the evaluation is loaded tenant-scoped (another tenant's
  id is a 404) and ``ballots.manage`` is authorised on it (``unit_path``: the
  owner unit's path, empty for the office's own — a 403 for a unit admin).
* ``voting``: "我的测评" and the ballot for signed-in voters, and the public
  code page ``/t/<slug>/vote`` for a live meeting: it is reachable without an
  account, protected by the one-time code, CSRF and a per-address rate limit on
  wrong codes, and shows nothing but the ballot behind a valid code.

A refused change rolls back what it touched and says why (422 for a form,
via :func:`appraisal.platform.refusals.refuse`; a flash message and a
redirect for a button, via :func:`._shared.refused`).

The routes live by concept: :mod:`.manage` (the list, creating and editing,
one evaluation, opening and closing, results), :mod:`.voters` (voters and
one-time code slips) and :mod:`.voting` (the ``voting`` blueprint); this
module holds the blueprints, the navigation and the templates' helpers;
:mod:`._shared` what the route modules share.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import EvaluationStatus
from appraisal.tenants.cycles.services import PHASE_LABELS_ZH

# The templates are the feature's (``ballots/templates/ballots/``), one level up.
bp = tenant_blueprint("ballots", __name__, url_prefix="/ballots", template_folder="../templates")
voting_bp = tenant_blueprint("voting", __name__, template_folder="../templates")

# The layout highlights a nav entry by blueprint: managing and voting are two
# blueprints so that each entry lights up on its own pages. The features
# registry registers ``bp``; ``voting_bp`` (the
# ``voting`` blueprint) comes with it.
bp.record_once(lambda state: state.app.register_blueprint(voting_bp))

NAV = (
    NavItem("voting.mine", _l("我的测评"), "ballots.vote", icon="ballot", order=55),
    NavItem("ballots.index", _l("民主测评"), "ballots.manage", icon="ballot", order=56),
)

STATUS_LABELS = {
    EvaluationStatus.DRAFT: _l("未开始"),
    EvaluationStatus.OPEN: _l("投票中"),
    EvaluationStatus.CLOSED: _l("已结束"),
}

register_value_labels("Evaluation", "status", STATUS_LABELS)
STATUS_BADGES = {EvaluationStatus.DRAFT: "", EvaluationStatus.OPEN: "ok", EvaluationStatus.CLOSED: "brand"}
SCALE_LABELS = {"score": _l("百分制"), "grade": _l("等次")}
POLICY_LABELS = {"merge": _l("合并计算"), "drop": _l("舍弃")}


def _helpers():
    return {
        "status_label": lambda s: str(STATUS_LABELS[EvaluationStatus(s)]),
        "status_badge": lambda s: STATUS_BADGES[EvaluationStatus(s)],
        "scale_label": lambda s: str(SCALE_LABELS.get(s, s)),
        "policy_label": lambda s: str(POLICY_LABELS.get(s, s)),
        "fmt_weight": services.fmt_weight,
        "MERGED": services.MERGED,
        "phase_label": lambda p: PHASE_LABELS_ZH.get(p, ""),
    }


bp.context_processor(_helpers)
voting_bp.context_processor(_helpers)


# The routes, by concept (imported last: they register on ``bp`` and ``voting_bp``).
from appraisal.tenants.ballots.views import manage, sessions, voters, voting  # noqa: E402, F401
