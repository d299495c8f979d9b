"""Managing evaluations: the list per cycle, creating and editing, one
evaluation with its live turnout, opening and closing, and the results after
closing (the ``ballots`` blueprint; voters and codes are in :mod:`.voters`)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.platform.permissions import authorize, can, requires, scope_clause
from appraisal.platform.refusals import form_status
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import paginate
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.forms import CsrfForm, EvaluationForm, options
from appraisal.tenants.ballots.models import Evaluation, RaterGroup
from appraisal.tenants.ballots.views import bp
from appraisal.tenants.ballots.views._shared import go, refused
from appraisal.tenants.ballots.views.sessions import sessions_form
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.cycles.services import phase_allows
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.org.services import TOP_LEVEL, Place, units_where

# ---------------------------------------------------------------------------
# The list, per cycle
# ---------------------------------------------------------------------------


def _managed(cycle: Cycle):
    return (
        select(Evaluation)
        .outerjoin(OrgUnit, OrgUnit.id == Evaluation.owner_unit_id)
        .where(Evaluation.cycle_id == cycle.id, scope_clause(current_user, "ballots.manage", OrgUnit.path))
        .order_by(Evaluation.id.desc())
    )


@bp.route("/")
@requires("ballots.manage")
def index():
    cycle = cycles.selected_cycle(prefer=cycles.any_cycle)
    page = paginate(_managed(cycle)) if cycle is not None else None
    evaluations = page.items if page else []
    return render_template(
        "ballots/index.html",
        cycles=cycles.all_cycles(),
        cycle=cycle,
        page=page,
        evaluations=evaluations,
        turnouts=services.turnouts(evaluations),
        populations={
            p.id: p
            for p in db.session.scalars(
                select(Population).where(Population.id.in_({e.population_id for e in evaluations}))
            )
        }
        if evaluations
        else {},
        unit_names=org_services.unit_names(e.owner_unit_id for e in evaluations if e.owner_unit_id),
        may_create=cycle is not None and phase_allows(cycle, "ballots.manage") and not cycle.is_final,
    )


# ---------------------------------------------------------------------------
# Creating and editing
# ---------------------------------------------------------------------------


def _owner_choices() -> list[tuple[int, str]]:
    choices: list[tuple[int, str]] = []
    if can(current_user, "ballots.manage", TOP_LEVEL):  # the office's own evaluations
        choices.append((0, _("考核办（全市统一组织）")))
    units = units_where(current_user, "ballots.manage")
    choices += [(u.id, f"{'　' * depth}{u.name}") for u, depth in org_services.in_tree_order(units)]
    return choices


def _population_choices(cycle: Cycle) -> list[tuple[int, str]]:
    populations = list(
        db.session.scalars(select(Population).where(Population.cycle_id == cycle.id).order_by(Population.id))
    )
    office = can(current_user, "ballots.manage", TOP_LEVEL)
    granted = {g.org_unit_id for g in current_user.grants if g.role == Role.UNIT_ADMIN and g.org_unit_id}
    managed = [] if office else [u for u in units_where(current_user, "ballots.manage") if u.id in granted]
    choices = []
    for population in populations:
        if not office and not any(services.population_inside(population, u) for u in managed):
            continue
        _indicator, scheme_groups = services.scheme_ballot(population)
        note = (
            _(
                "（方案已规定组别：%(groups)s）",
                groups="、".join(f"{g.name} {services.fmt_weight(g.weight)}" for g in scheme_groups),
            )
            if scheme_groups
            else ""
        )
        choices.append((population.id, f"{population.name}{note}"))
    return choices


def _fill_group_rows(form: EvaluationForm, groups: list) -> None:
    """One row per standard group, plus any other existing group (current values first)."""
    while len(form.groups.entries):
        form.groups.pop_entry()
    current = {g.key: g for g in groups}
    keys = [k for k, _n in services.STANDARD_GROUPS] + [k for k in current if k not in dict(services.STANDARD_GROUPS)]
    names = dict(services.STANDARD_GROUPS)
    for key in keys:
        group = current.get(key)
        form.groups.append_entry(
            {
                "include": group is not None,
                "key": key,
                "name": group.name if group is not None else names.get(key, key),
                "weight": services.fmt_weight(group.weight) if group is not None else "",
            }
        )


def _group_rows(form: EvaluationForm) -> list[dict]:
    return [
        {
            "include": row.form.include.data,
            "key": row.form.key.data,
            "name": row.form.name.data,
            "weight": row.form.weight.data,
        }
        for row in form.groups
    ]


def _grades(form: EvaluationForm) -> dict | None:
    return services.parse_grades(form.grade_values.data or "") if form.scale.data == "grade" else None


def _entered_rules(form: EvaluationForm) -> dict | None:
    """The rules entered on a new evaluation; None (the scheme's defaults) when none is."""
    data = form.rules_data()
    entered = any(v for k, v in data.items() if k != "invalid_mode")
    return data if entered else None


@bp.route("/new", methods=["GET", "POST"])
@requires("ballots.manage")
def new():
    cycle = cycles.selected_cycle(prefer=cycles.any_cycle)
    if cycle is None:
        flash(_("还没有考核年度：请先建立考核年度和考核对象群体。"), "info")
        return redirect(url_for("ballots.index"))
    form = EvaluationForm()
    form.owner_unit_id.choices = options(_owner_choices())
    form.population_id.choices = options(_population_choices(cycle))
    if request.method == "GET":
        _fill_group_rows(form, [])
        form.grade_values.data = services.grades_text(services.DEFAULT_GRADES)
        form.owner_unit_id.data = form.owner_unit_id.choices[0].value if form.owner_unit_id.choices else 0
    if form.validate_on_submit():
        owner = get_or_404(OrgUnit, form.owner_unit_id.data) if form.owner_unit_id.data else None
        authorize("ballots.manage", Place(owner.path) if owner else Place(""))
        population = get_or_404(Population, form.population_id.data)
        if population.id not in {choice.value for choice in form.population_id.choices}:
            abort(403)
        try:
            _ind, scheme_groups = services.scheme_ballot(population)
            evaluation = services.create_evaluation(
                cycle,
                population,
                title=form.title.data,
                owner_unit=owner,
                scale=form.scale.data,
                grade_values=_grades(form),
                min_group_size=form.min_group_size.data,
                small_group_policy=form.small_group_policy.data,
                groups=None if scheme_groups else services.groups_from_form(_group_rows(form)),
                rules=_entered_rules(form),
            )
        except services.BallotError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("已建立测评“%(title)s”。下一步：添加投票人。", title=evaluation.title), "success")
            return redirect(url_for("ballots.voters", evaluation_id=evaluation.id))
    return render_template(
        "ballots/form.html", form=form, evaluation=None, cycle=cycle, scheme_groups=None, frozen_reason=None
    ), form_status()


@bp.route("/<int:evaluation_id>/edit", methods=["GET", "POST"])
@requires("ballots.manage", load=Evaluation)
def edit(evaluation: Evaluation):
    _ind, scheme_groups = services.scheme_ballot(evaluation.population)
    frozen_reason = None
    if evaluation.settings_frozen:
        frozen_reason = _("%(reason)s；仍可修改测评名称。", reason=services.FROZEN_REASON)
    if evaluation.is_closed:
        flash(_("测评已结束，不能再修改。"), "info")
        return redirect(url_for("ballots.evaluation", evaluation_id=evaluation.id))
    form = EvaluationForm(obj=evaluation if request.method == "GET" else None)
    form.owner_unit_id.choices = options([(evaluation.owner_unit_id or 0, "")])
    form.population_id.choices = options([(evaluation.population_id, "")])
    form.owner_unit_id.data = evaluation.owner_unit_id or 0  # fixed once created
    form.population_id.data = evaluation.population_id
    if request.method == "POST" and evaluation.settings_frozen:
        # only the title is on the form now: the rest stays as it is
        form.scale.data, form.min_group_size.data = evaluation.scale, evaluation.min_group_size
        form.small_group_policy.data = evaluation.small_group_policy
    if request.method == "GET":
        _fill_group_rows(form, services.groups_of(evaluation))
        form.grade_values.data = services.grades_text(evaluation.grade_values or services.DEFAULT_GRADES)
        form.fill_rules(evaluation.rules or {})
    if form.validate_on_submit():
        try:
            if evaluation.settings_frozen:
                changed = services.update_evaluation(evaluation, title=form.title.data)
            else:
                changed = services.update_evaluation(
                    evaluation,
                    title=form.title.data,
                    scale=form.scale.data,
                    grade_values=_grades(form),
                    min_group_size=form.min_group_size.data,
                    small_group_policy=form.small_group_policy.data,
                    groups=None if scheme_groups else services.groups_from_form(_group_rows(form)),
                    rules=form.rules_data(),
                )
        except services.BallotError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
            return redirect(url_for("ballots.evaluation", evaluation_id=evaluation.id))
    return render_template(
        "ballots/form.html",
        form=form,
        evaluation=evaluation,
        cycle=evaluation.cycle,
        scheme_groups=scheme_groups,
        frozen_reason=frozen_reason,
    ), form_status()


# ---------------------------------------------------------------------------
# One evaluation: settings, live turnout, actions
# ---------------------------------------------------------------------------


@bp.route("/<int:evaluation_id>")
@requires("ballots.manage", load=Evaluation)
def evaluation(evaluation: Evaluation):
    _ind, scheme_groups = services.scheme_ballot(evaluation.population)
    groups = services.groups_of(evaluation)
    # a group is small where it has 1 … min − 1 voters in some session (its smallest such count shown)
    smallest: dict[int, int] = {}
    for (_session_id, group_id), n in services.session_group_sizes(evaluation).items():
        if 0 < n < evaluation.min_group_size:
            smallest[group_id] = min(n, smallest.get(group_id, n))
    sizes = services.group_sizes(evaluation)
    small = [(g, smallest.get(g.id, sizes.get(g.id, 0))) for g in groups if g.known_voters or g.id in smallest]
    return render_template(
        "ballots/evaluation.html",
        evaluation=evaluation,
        groups=groups,
        small_groups=small,
        known_warning=services.KNOWN_VOTERS_WARNING,
        turnout=services.turnout(evaluation),
        scheme_groups=scheme_groups,
        owner_name=evaluation.owner_unit.name if evaluation.owner_unit else None,
        may_manage=phase_allows(evaluation.cycle, "ballots.manage") and not evaluation.cycle.is_final,
        may_vote_now=phase_allows(evaluation.cycle, "ballots.vote"),
        form=CsrfForm(),
        sessions=services.sessions_of(evaluation),
        session_turnouts=services.session_turnouts(evaluation),
        sessions_form=sessions_form(evaluation),
        departments=len(services.population_departments(evaluation)),
        rules=services.rules_of(evaluation),
        top_label=services.top_label(evaluation, services.rules_of(evaluation)),
    )


@bp.route("/<int:evaluation_id>/known-group", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def known_group(evaluation: Evaluation):
    """Keep a group below the minimum size as a known-voter group (记名组) after
    confirming the warning, or make it an ordinary group again."""
    form = CsrfForm()
    if form.validate_on_submit():
        group = get_or_404(RaterGroup, request.form.get("group_id"))
        if group.evaluation_id != evaluation.id:
            abort(404)
        known = request.form.get("known") == "1"
        try:
            changed = services.set_known_voters(evaluation, group, known, confirmed=request.form.get("confirm") == "y")
        except services.BallotError as exc:
            refused(exc)
        else:
            if changed:
                flash(
                    _("“%(name)s”已设为记名组。", name=group.name)
                    if known
                    else _("“%(name)s”已恢复为普通组别。", name=group.name),
                    "success",
                )
    return go(url_for("ballots.evaluation", evaluation_id=evaluation.id))


@bp.route("/<int:evaluation_id>/turnout")
@requires("ballots.manage", load=Evaluation)
def turnout_json(evaluation: Evaluation):
    """Live turnout for the evaluation page (polled while voting is open)."""
    rows = services.turnout(evaluation)
    response = jsonify(
        {
            "status": evaluation.status.value,
            "groups": [
                {"id": t.group.id, "eligible": t.eligible, "voted": t.voted, "percent": t.percent} for t in rows
            ],
            "eligible": sum(t.eligible for t in rows),
            "voted": sum(t.voted for t in rows),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------
# Opening and closing, with a confirmation page
# ---------------------------------------------------------------------------


def _confirm(evaluation: Evaluation, action: str):
    allowed = evaluation.is_draft if action == "open" else evaluation.is_open
    if not allowed:
        flash(_("测评状态已变化。"), "info")
        return go(url_for("ballots.evaluation", evaluation_id=evaluation.id))
    form = CsrfForm()
    if form.validate_on_submit():
        try:
            if action == "open":
                services.open_evaluation(evaluation)
                flash(_("已开始投票。"), "success")
            else:
                count = services.close_evaluation(evaluation)
                db.session.commit()  # the close is one transaction; then free the sealed rows
                services.after_close()
                flash(_("已结束投票，共收到 %(count)s 张选票；选票已打乱重排。", count=count), "success")
        except services.BallotError as exc:
            refused(exc)
        return go(url_for("ballots.evaluation", evaluation_id=evaluation.id))
    return render_template(
        "ballots/confirm.html", evaluation=evaluation, action=action, form=form, turnout=services.turnout(evaluation)
    )


@bp.route("/<int:evaluation_id>/open", methods=["GET", "POST"], endpoint="open")
@requires("ballots.manage", load=Evaluation)
def open_(evaluation: Evaluation):
    return _confirm(evaluation, "open")


@bp.route("/<int:evaluation_id>/close", methods=["GET", "POST"])
@requires("ballots.manage", load=Evaluation)
def close(evaluation: Evaluation):
    return _confirm(evaluation, "close")


# ---------------------------------------------------------------------------
# Results, after closing
# ---------------------------------------------------------------------------


@bp.route("/<int:evaluation_id>/results")
@requires("ballots.manage", load=Evaluation)
def results(evaluation: Evaluation):
    outcome = services.results(evaluation) if evaluation.is_closed else None
    _ind, scheme_groups = services.scheme_ballot(evaluation.population)
    return render_template(
        "ballots/results.html",
        evaluation=evaluation,
        results=outcome,
        turnout=services.turnout(evaluation),
        scheme_groups=scheme_groups,
    )
