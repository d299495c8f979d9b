"""The list of years, a new year, and a year's phase and dates."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from appraisal.platform.db import db
from appraisal.platform.inputs import parse_date
from appraisal.platform.permissions import requires
from appraisal.platform.refusals import form_status, refuse
from appraisal.tenants.cycles import services
from appraisal.tenants.cycles.forms import CycleForm, PhaseForm
from appraisal.tenants.cycles.models import Cycle, Phase
from appraisal.tenants.cycles.views import bp

PHASE_LABELS = services.PHASE_LABELS


@bp.route("/")
@requires("cycles.view")
def index():
    return render_template("cycles/index.html", cycles=services.all_cycles(), phases=Phase.ordered())


def _previous_choices():
    return [SelectChoice("", "—")] + [SelectChoice(str(c.id), f"{c.year} {c.name}") for c in services.all_cycles()]


@bp.route("/new", methods=["GET", "POST"])
@requires("cycles.manage")
def create():
    form = CycleForm()
    form.previous.choices = _previous_choices()
    if form.validate_on_submit():
        previous = db.session.get(Cycle, int(form.previous.data)) if form.previous.data else None
        try:
            cycle = services.create_cycle(
                year=form.year.data, name=form.name.data, letters_due=form.letters_due.data, previous=previous
            )
        except services.CycleError as exc:
            return refuse(exc, "cycles/form.html", form=form, field="name")
        flash(_("已创建考核年度“%(name)s”。下一步：添加考核对象群体。", name=cycle.name), "success")
        return redirect(url_for("overview.cycle", cycle_id=cycle.id))
    return render_template("cycles/form.html", form=form), form_status()


@bp.route("/<int:cycle_id>/phase", methods=["POST"])
@requires("cycles.manage", load=Cycle)
def move_phase(cycle: Cycle):
    form = PhaseForm()
    form.to.choices = [SelectChoice(p.value, p.value) for p in Phase]
    if not form.validate_on_submit():
        abort(400)
    try:
        services.move_phase(cycle, Phase(form.to.data), reason=form.reason.data or "")
    except services.CycleError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已进入“%(phase)s”阶段。", phase=PHASE_LABELS[cycle.phase]), "success")
    return redirect(url_for("overview.cycle", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/dates", methods=["POST"])
@requires("cycles.manage", load=Cycle)
def set_dates(cycle: Cycle):
    dates, errors = {}, []
    for phase in Phase:
        values = []
        for end in ("start", "end"):
            raw = request.form.get(f"{phase.value}-{end}", "").strip()
            try:
                values.append(parse_date(raw) if raw else None)
            except ValueError:
                errors.append(
                    _("“%(phase)s”的日期格式不正确（须在 2000-01-01 到 2100-12-31 之间）", phase=PHASE_LABELS[phase])
                )
                values.append(None)
        dates[phase] = tuple(values)
    try:
        if errors:
            raise services.CycleError("；".join(errors))
        services.set_phase_dates(cycle, dates)
    except services.CycleError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("已保存各阶段日期。"), "success")
    return redirect(url_for("overview.cycle", cycle_id=cycle.id))
