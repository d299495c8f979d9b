"""The year's letters: where each unit's letter stands, filtered and exported."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.platform.excel import xlsx_response
from appraisal.platform.permissions import requires, scope_clause
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee
from appraisal.tenants.letters import services
from appraisal.tenants.letters.views import STATUS_LABELS, bp


@bp.route("/")
@requires("letters.view")
def index():
    cycle = cycles.selected_cycle()
    rows = services.overview(cycle, scope_clause(current_user, "letters.view", Appraisee.unit_path)) if cycle else []
    status = request.args.get("status", "")
    if status:
        rows = [r for r in rows if r.status == status]
    if request.args.get("late"):
        rows = [r for r in rows if r.late]
    if request.args.get("export") and cycle:
        data = [
            (
                r.appraisee.ranking_group,
                r.appraisee.name,
                str(STATUS_LABELS[r.status]),
                float(r.total),
                _("是") if r.late else "",
            )
            for r in rows
        ]
        return xlsx_response(
            f"目标责任书-{cycle.year}.xlsx",
            {_("目标责任书"): ([_("分组"), _("单位"), _("状态"), _("业务目标分值"), _("逾期")], data)},
        )
    return render_template("letters/index.html", cycle=cycle, cycles=cycles.all_cycles(), rows=rows)
