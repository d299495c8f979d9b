"""并列待定: the office records who is placed when the tie-break chain cannot decide."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appraisal.platform.db import db
from appraisal.platform.permissions import requires
from appraisal.tenants.cycles.models import Population
from appraisal.tenants.results import services
from appraisal.tenants.results.services import ties as tie_services
from appraisal.tenants.results.views import bp


@bp.route("/populations/<int:population_id>/ties", methods=["GET", "POST"])
@requires("results.decide_ties", load=Population)
def ties(population: Population):
    run = services.current_run(population)
    if request.method == "POST":
        try:
            number = int(request.form.get("tie", "-1"))
            placed = [int(value) for value in request.form.getlist("placed")]
        except ValueError:
            number, placed = -1, []
        try:
            tie_services.decide(
                population,
                run,
                number,
                placed,
                request.form.get("reason", ""),
                request.form.get("document_no", ""),
            )
        except tie_services.TieError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template(
                "results/ties.html", population=population, ties=tie_services.ties_for_page(population, run)
            ), 422
        db.session.commit()
        flash(_("决定已记录。正在按决定重新计算本群体的结果。"), "success")
        try:
            services.request_compute(population)
        except Exception:  # the decision stays recorded; the office can compute again
            db.session.rollback()
            flash(_("重新计算未能开始，请在考核结果页面点击“计算”。"), "error")
        return redirect(url_for("results.ties", population_id=population.id))
    return render_template("results/ties.html", population=population, ties=tie_services.ties_for_page(population, run))
