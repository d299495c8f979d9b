"""催办 from the cycle dashboard: one click, an optional message."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from appraisal.platform.permissions import authorize, requires
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Cycle
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.overview import services
from appraisal.tenants.overview.views import bp


@bp.route("/cycles/<int:cycle_id>/urge/<int:unit_id>", methods=["POST"])
@requires("notifications.urge", per_object=True)
def urge(cycle_id: int, unit_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    unit = get_or_404(OrgUnit, unit_id)
    authorize("notifications.urge", unit)  # the office; a sector lead for the units of its group
    try:
        count = services.urge(
            cycle, unit, audience=request.form.get("audience", ""), message=request.form.get("message", "")[:2000]
        )
    except services.UrgeError as exc:
        # a button: no form to re-render; the refused call left nothing behind
        from appraisal.platform.db import db

        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("已向 %(unit)s 的 %(n)s 人发出催办。", unit=unit.name, n=count), "success")
    return redirect(url_for("overview.cycle", cycle_id=cycle.id))
