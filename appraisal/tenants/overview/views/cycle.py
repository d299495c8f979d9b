"""The cycle dashboard: one year at a glance, with its phase and dates forms."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_login import current_user

from appraisal.platform.permissions import can, requires
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Phase
from appraisal.tenants.overview import services
from appraisal.tenants.overview.views import bp


@bp.route("/cycles/<int:cycle_id>")
@requires("cycles.view", load=Cycle)
def cycle(cycle: Cycle):
    populations, counts = cycles.populations_with_counts(cycle)
    manage = can(current_user, "cycles.manage")
    if manage:
        services.load_scheme_versions(populations)
    letter_rows = services.letter_progress(cycle) if manage else []
    scoring_rows = services.scoring_progress(populations, counts) if manage else []
    evaluation_rows = services.evaluation_progress(cycle) if manage else []
    publication, appeal_rows = services.appeal_progress(cycle) if manage else (None, [])
    dates = {d.phase: d for d in cycle.phase_dates}
    # 催办: the units this user may urge (the office: all; a sector lead: its group's)
    urge_units = []
    if can(current_user, "notifications.urge"):
        rows = letter_rows or services.letter_progress(cycle)
        urge_units = sorted(
            {
                row.appraisee.org_unit_id: row
                for row in rows
                if row.appraisee.org_unit_id and can(current_user, "notifications.urge", row.appraisee)
            }.values(),
            key=lambda row: (not getattr(row, "late", False), row.appraisee.name),
        )
    return render_template(
        "overview/cycle.html",
        cycle=cycle,
        populations=populations,
        counts=counts,
        letter_rows=letter_rows,
        scoring_rows=scoring_rows,
        evaluation_rows=evaluation_rows,
        publication=publication,
        appeal_rows=appeal_rows,
        today=date.today(),
        phase_form=cycles.phase_form(cycle),
        phases=Phase.ordered(),
        dates=dates,
        urge_units=urge_units,
    )
