"""A cycle's populations: adding one, its appraisees and its assessing departments."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from appraisal.platform.db import db
from appraisal.platform.excel import xlsx_response
from appraisal.platform.inputs import bounded_int
from appraisal.platform.permissions import authorize, requires
from appraisal.platform.refusals import form_status, refuse
from appraisal.platform.web import paginate
from appraisal.tenants.cycles import services
from appraisal.tenants.cycles.forms import PopulationForm
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.cycles.views import bp
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.schemes.models import Scheme, SchemeVersion


def _population_form(cycle: Cycle) -> PopulationForm:
    form = PopulationForm()
    versions = db.session.execute(
        select(SchemeVersion, Scheme)
        .join(Scheme, SchemeVersion.scheme_id == Scheme.id)
        .where(Scheme.archived.is_(False))
        .order_by(Scheme.name, SchemeVersion.version.desc())
    ).all()
    form.scheme_version.choices = [SelectChoice(str(v.id), f"{s.name} · v{v.version}") for v, s in versions]
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.active.is_(True)).order_by(OrgUnit.path))
    tree = [SelectChoice(str(u.id), "　" * max(0, u.depth) + u.name) for u in units]
    form.under.choices = [SelectChoice("", _("全部单位"))] + tree
    form.owner.choices = [SelectChoice("", _("考核办"))] + tree
    return form


@bp.route("/<int:cycle_id>/populations/new", methods=["GET", "POST"])
@requires("cycles.manage", load=Cycle)
def create_population(cycle: Cycle):
    form = _population_form(cycle)
    if form.validate_on_submit():
        version = db.session.get(SchemeVersion, int(form.scheme_version.data))
        selector = {"ranking": form.ranking.data}
        if form.under.data:
            selector["under"] = int(form.under.data)
        if version.scheme.appraisee_kind.value == "unit":
            selector["unit_kinds"] = form.unit_kinds.data or ["department"]
        else:
            selector["categories"] = form.categories.data or []
        owner = db.session.get(OrgUnit, int(form.owner.data)) if form.owner.data else version.scheme.owner_unit
        try:
            population = services.add_population(
                cycle, key=form.key.data, name=form.name.data, version=version, selector=selector, owner_unit=owner
            )
        except services.CycleError as exc:
            return refuse(exc, "cycles/population_form.html", form=form, field="name", cycle=cycle)
        flash(
            _("已添加“%(name)s”，共 %(n)s 个考核对象。", name=population.name, n=len(population.appraisees)), "success"
        )
        return redirect(url_for("cycles.population", population_id=population.id))
    return render_template("cycles/population_form.html", form=form, cycle=cycle), form_status()


@bp.route("/populations/<int:population_id>", methods=["GET", "POST"])
@requires("cycles.view", load=Population)
def population(population: Population):
    cycle = population.cycle
    version = population.scheme_version
    assessed = services.assessed_indicators(version)
    departments = list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.kind == "department", OrgUnit.active.is_(True)).order_by(OrgUnit.path)
        )
    )
    if request.method == "POST":
        authorize("cycles.manage", population)
        try:
            mapping = {key: bounded_int(v) for key, *_ in assessed if (v := request.form.get(f"assessor-{key}"))}
        except ValueError:
            flash(_("请从列表中选择考核部门"), "error")
            return redirect(url_for("cycles.population", population_id=population.id))
        try:
            services.set_assessors(population, mapping)
        except services.CycleError as exc:
            flash(str(exc), "error")
            return redirect(url_for("cycles.population", population_id=population.id))
        flash(_("已保存考核部门。"), "success")
        return redirect(url_for("cycles.population", population_id=population.id))
    stmt = select(Appraisee).where(Appraisee.population_id == population.id).order_by(Appraisee.sort_order)
    if q := request.args.get("q", "").strip():
        stmt = stmt.where(Appraisee.name.contains(q, autoescape=True))  # % and _ are looked for, not wildcards
    if group := request.args.get("group", "").strip():
        stmt = stmt.where(Appraisee.ranking_group == group)
    if request.args.get("export"):
        rows = [
            (a.name, a.ranking_group, a.category, _("是") if a.is_unit_head else "") for a in db.session.scalars(stmt)
        ]
        return xlsx_response(
            f"{population.name}.xlsx",
            {population.name: ([_("考核对象"), _("排名分组"), _("类别"), _("单位主要负责人")], rows)},
        )
    groups = list(
        db.session.scalars(
            select(Appraisee.ranking_group)
            .where(Appraisee.population_id == population.id)
            .distinct()
            .order_by(Appraisee.ranking_group)
        )
    )
    return render_template(
        "cycles/population.html",
        population=population,
        cycle=cycle,
        version=version,
        page=paginate(stmt),
        groups=groups,
        assessed=assessed,
        departments=departments,
    )
