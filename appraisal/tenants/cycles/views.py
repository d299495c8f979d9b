"""Cycles: the office opens a year, sets its populations and dates, moves its phases."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.db import db
from appraisal.platform.inputs import bounded_int, parse_date
from appraisal.platform.excel import xlsx_response
from appraisal.platform.permissions import authorize, can, requires
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import NavItem, paginate, tenant_blueprint
from appraisal.tenants.cycles import services
from appraisal.tenants.cycles.forms import CycleForm, PhaseForm, PopulationForm
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.letters import services as letters
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.schemes.models import Scheme, SchemeVersion

bp = tenant_blueprint("cycles", __name__, url_prefix="/cycles", template_folder="templates")
register_value_labels("Cycle", "phase", services.PHASE_LABELS)

NAV = (NavItem("cycles.index", _l("考核年度"), "cycles.view", icon="cycle", order=20),)

PHASE_LABELS = services.PHASE_LABELS


@bp.app_context_processor
def _labels():
    return {"phase_label": lambda phase: PHASE_LABELS[Phase(phase)]}


@bp.route("/")
@requires("cycles.view")
def index():
    cycles = list(db.session.scalars(select(Cycle).order_by(Cycle.year.desc(), Cycle.id.desc())))
    return render_template("cycles/index.html", cycles=cycles, phases=Phase.ordered())


def _previous_choices(exclude: int | None = None):
    rows = db.session.scalars(select(Cycle).order_by(Cycle.year.desc()))
    return [SelectChoice("", "—")] + [SelectChoice(str(c.id), f"{c.year} {c.name}") for c in rows if c.id != exclude]


@bp.route("/new", methods=["GET", "POST"])
@requires("cycles.manage")
def create():
    form = CycleForm()
    form.previous.choices = _previous_choices()
    if form.validate_on_submit():
        previous = db.session.get(Cycle, int(form.previous.data)) if form.previous.data else None
        try:
            cycle = services.create_cycle(year=form.year.data, name=form.name.data,
                                          letters_due=form.letters_due.data, previous=previous)
        except services.CycleError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(_("已创建考核年度“%(name)s”。下一步：添加考核对象群体。", name=cycle.name), "success")
            return redirect(url_for("cycles.detail", cycle_id=cycle.id))
    return render_template("cycles/form.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/<int:cycle_id>")
@requires("cycles.view", per_object=True)
def detail(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    authorize("cycles.view", cycle)
    populations = list(db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)
                                          .order_by(Population.id)))
    counts = dict(db.session.execute(
        select(Appraisee.population_id, db.func.count()).where(Appraisee.cycle_id == cycle.id)
        .group_by(Appraisee.population_id)).all())
    manage = can(current_user, "cycles.manage")
    letter_rows = letters.overview(cycle) if manage else []
    scoring_rows = _scoring_progress(populations, counts) if manage else []
    evaluation_rows = _evaluation_progress(cycle) if manage else []
    publication, appeal_rows = _appeal_progress(cycle) if manage else (None, [])
    phase_form = PhaseForm()
    following = [p for p in Phase if p.index == cycle.phase.index + 1]
    phase_form.to.choices = [SelectChoice(p.value, str(PHASE_LABELS[p])) for p in following] + [
        SelectChoice(p.value, str(_("退回：%(phase)s", phase=PHASE_LABELS[p]))) for p in reversed(Phase.ordered())
        if p.index < cycle.phase.index]
    dates = {d.phase: d for d in cycle.phase_dates}
    return render_template("cycles/detail.html", cycle=cycle, populations=populations, counts=counts,
                           letter_rows=letter_rows, scoring_rows=scoring_rows, evaluation_rows=evaluation_rows,
                           publication=publication, appeal_rows=appeal_rows, today=date.today(),
                           phase_form=phase_form, phases=Phase.ordered(), dates=dates)


def _scoring_progress(populations, counts) -> list[tuple[Population, int, int]]:
    """(population, cells scored, cells expected) — what the assessors still owe."""
    from appraisal.tenants.scoring import services as scores

    rows = []
    for population in populations:
        columns = scores.scheme_columns(population)
        scored, expected = scores.progress(population, columns, counts.get(population.id, 0))
        rows.append((population, scored, expected))
    return rows


def _appeal_progress(cycle: Cycle):
    """The publication (or None) and every appeal with its appraisee, those waiting
    for an answer first, soonest due first: the deadlines the office counts down."""
    from appraisal.tenants.results.models import Appeal, AppealStatus
    from appraisal.tenants.results.publication import publication_of

    rows = db.session.execute(
        select(Appeal, Appraisee.name).join(Appraisee, Appraisee.id == Appeal.appraisee_id)
        .where(Appeal.cycle_id == cycle.id)
        .order_by(Appeal.status != AppealStatus.FILED, Appeal.answer_due_on, Appeal.id)).all()
    return publication_of(cycle), rows


def _evaluation_progress(cycle: Cycle):
    """(evaluation, voted, eligible) for the cycle's democratic evaluations."""
    from appraisal.tenants.ballots.models import Evaluation
    from appraisal.tenants.ballots.tallies import turnouts

    evaluations = list(db.session.scalars(select(Evaluation).where(Evaluation.cycle_id == cycle.id)
                                          .order_by(Evaluation.id)))
    by_id = turnouts(evaluations)
    return [(e, sum(g.voted for g in by_id[e.id]), sum(g.eligible for g in by_id[e.id])) for e in evaluations]


@bp.route("/<int:cycle_id>/phase", methods=["POST"])
@requires("cycles.manage", per_object=True)
def move_phase(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    authorize("cycles.manage", cycle)
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
    return redirect(url_for("cycles.detail", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/dates", methods=["POST"])
@requires("cycles.manage", per_object=True)
def set_dates(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    authorize("cycles.manage", cycle)
    dates, errors = {}, []
    for phase in Phase:
        values = []
        for end in ("start", "end"):
            raw = request.form.get(f"{phase.value}-{end}", "").strip()
            try:
                values.append(parse_date(raw) if raw else None)
            except ValueError:
                errors.append(_("“%(phase)s”的日期格式不正确（须在 2000-01-01 到 2100-12-31 之间）",
                                phase=PHASE_LABELS[phase]))
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
    return redirect(url_for("cycles.detail", cycle_id=cycle.id))


def _population_form(cycle: Cycle) -> PopulationForm:
    form = PopulationForm()
    versions = db.session.execute(
        select(SchemeVersion, Scheme).join(Scheme, SchemeVersion.scheme_id == Scheme.id)
        .where(Scheme.archived.is_(False)).order_by(Scheme.name, SchemeVersion.version.desc())).all()
    form.scheme_version.choices = [SelectChoice(str(v.id), f"{s.name} · v{v.version}") for v, s in versions]
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.active.is_(True)).order_by(OrgUnit.path))
    tree = [SelectChoice(str(u.id), "　" * max(0, u.depth) + u.name) for u in units]
    form.under.choices = [SelectChoice("", _("全部单位"))] + tree
    form.owner.choices = [SelectChoice("", _("考核办"))] + tree
    return form


@bp.route("/<int:cycle_id>/populations/new", methods=["GET", "POST"])
@requires("cycles.manage", per_object=True)
def create_population(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    authorize("cycles.manage", cycle)
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
            population = services.add_population(cycle, key=form.key.data, name=form.name.data,
                                                 version=version, selector=selector, owner_unit=owner)
        except services.CycleError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            flash(_("已添加“%(name)s”，共 %(n)s 个考核对象。", name=population.name,
                    n=len(population.appraisees)), "success")
            return redirect(url_for("cycles.population", population_id=population.id))
    return render_template("cycles/population_form.html", form=form, cycle=cycle), \
        400 if request.method == "POST" else 200


@bp.route("/populations/<int:population_id>", methods=["GET", "POST"])
@requires("cycles.view", per_object=True)
def population(population_id: int):
    population = get_or_404(Population, population_id)
    authorize("cycles.view", population)
    cycle = db.session.get(Cycle, population.cycle_id)
    version = db.session.get(SchemeVersion, population.scheme_version_id)
    assessed = services.assessed_indicators(version)
    departments = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "department",
                                                                OrgUnit.active.is_(True)).order_by(OrgUnit.path)))
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
        stmt = stmt.where(Appraisee.name.contains(q))
    if group := request.args.get("group", "").strip():
        stmt = stmt.where(Appraisee.ranking_group == group)
    if request.args.get("export"):
        rows = [(a.name, a.ranking_group, a.category, _("是") if a.is_unit_head else "")
                for a in db.session.scalars(stmt)]
        return xlsx_response(f"{population.name}.xlsx",
                             {population.name: ([_("考核对象"), _("排名分组"), _("类别"), _("单位主要负责人")], rows)})
    groups = list(db.session.scalars(select(Appraisee.ranking_group).where(Appraisee.population_id == population.id)
                                      .distinct().order_by(Appraisee.ranking_group)))
    return render_template("cycles/population.html", population=population, cycle=cycle, version=version,
                           page=paginate(stmt), groups=groups, assessed=assessed, departments=departments)
