"""Publishing a year's results and finalising the year."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _

from appraisal.platform.permissions import requires
from appraisal.tenants.cycles.models import Cycle
from appraisal.tenants.results.services import publication as pub
from appraisal.tenants.results.views import bp
from appraisal.tenants.results.views._shared import attempt, form_days


@bp.route("/cycles/<int:cycle_id>/publish", methods=["POST"])
@requires("results.publish", load=Cycle)
def publish(cycle: Cycle):
    publicity, appeal, answer = pub.procedure_days(cycle)
    attempt(
        lambda: pub.publish(
            cycle,
            publicity_days=form_days("publicity_days", publicity),
            appeal_days=form_days("appeal_days", appeal),
            answer_days=form_days("answer_days", answer),
            notice=request.form.get("notice", ""),
        ),
        lambda publication: _(
            "已公示，公示期至 %(d)s；复核申请截止 %(a)s。",
            d=publication.publicity_ends_on,
            a=publication.appeals_end_on,
        ),
    )
    return redirect(url_for("results.index", cycle_id=cycle.id))


@bp.route("/cycles/<int:cycle_id>/finalise", methods=["POST"])
@requires("results.publish", load=Cycle)
def finalise(cycle: Cycle):
    attempt(lambda: pub.finalise(cycle), lambda _none: _("已归档：本年度结果已定稿，全部数据只读。"))
    return redirect(url_for("results.index", cycle_id=cycle.id))
