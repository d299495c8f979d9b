"""Democratic evaluation screens.

Two blueprints:

* ``ballots`` (``/t/<slug>/ballots/…``): the office — or a unit admin, for the
  evaluations their unit runs — creates an evaluation, picks voters, prints
  one-time codes, opens and closes it, and reads the results after closing.
  Every route on one evaluation loads it with ``get_or_404`` (another tenant's
  id is a 404) and authorizes ``ballots.manage`` on it (``unit_path``: the
  owner unit's path, empty for the office's own — a 403 for a unit admin).
* ``voting``: "我的测评" and the ballot for signed-in voters, and the public
  code page ``/t/<slug>/vote`` for a live meeting: it is reachable without an
  account, protected by the one-time code, CSRF and a per-address rate limit on
  wrong codes, and shows nothing but the ballot behind a valid code.

A refused change rolls back what it touched and says why (422 for a form,
a flash message and a redirect for a button).
"""

from __future__ import annotations

from flask import (
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.auth.throttle import throttle
from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.platform.permissions import (
    authorize,
    can,
    public,
    requires,
    scope_clause,
)
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import NavItem, paginate, tenant_blueprint
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.forms import (
    CodeEntryForm,
    CodesForm,
    CsrfForm,
    EvaluationForm,
    NamedCodesForm,
    VoterForm,
    VotersByUnitForm,
    options,
)
from appraisal.tenants.ballots.models import (
    Evaluation,
    EvaluationStatus,
    RaterGroup,
    Voter,
)
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.cycles.services import PHASE_LABELS_ZH, phase_allows
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.access import TOP_LEVEL, Place, units_where
from appraisal.tenants.org.models import OrgUnit, Person

bp = tenant_blueprint("ballots", __name__, url_prefix="/ballots", template_folder="templates")
voting = tenant_blueprint("voting", __name__, template_folder="templates")

# The layout highlights a nav entry by blueprint: managing and voting are two
# blueprints so that each entry lights up on its own pages. The features
# registry registers ``bp``; ``voting`` comes with it.
bp.record_once(lambda state: state.app.register_blueprint(voting))

NAV = (
    NavItem("voting.mine", _l("我的测评"), "ballots.vote", icon="ballot", order=55),
    NavItem("ballots.index", _l("民主测评"), "ballots.manage", icon="ballot", order=56),
)

INVALID = 422
#: Wrong one-time codes share the sign-in throttle's address limit under their own key.
CODE_THROTTLE_PREFIX = "ballot-code"

STATUS_LABELS = {
    EvaluationStatus.DRAFT: _l("未开始"),
    EvaluationStatus.OPEN: _l("投票中"),
    EvaluationStatus.CLOSED: _l("已结束"),
}
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
voting.context_processor(_helpers)


def _refuse(exc: Exception) -> None:
    """Undo whatever the refused service call touched and tell the user why."""
    db.session.rollback()
    flash(str(exc), "error")


def _go(url: str):
    """A redirect: 303 after a POST (the browser GETs the target), 302 otherwise."""
    return redirect(url, code=303 if request.method == "POST" else 302)


def _evaluation(evaluation_id: int) -> Evaluation:
    evaluation = get_or_404(Evaluation, evaluation_id)
    authorize("ballots.manage", evaluation)
    return evaluation


# ---------------------------------------------------------------------------
# The list, per cycle
# ---------------------------------------------------------------------------


def _cycles() -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).order_by(Cycle.year.desc(), Cycle.id.desc())))


def _chosen_cycle(cycles: list[Cycle]) -> Cycle | None:
    cycle_id = request.args.get("cycle", type=int)
    if cycle_id:
        return get_or_404(Cycle, cycle_id)
    return cycles[0] if cycles else None


def _managed(cycle: Cycle):
    return (select(Evaluation).outerjoin(OrgUnit, OrgUnit.id == Evaluation.owner_unit_id)
            .where(Evaluation.cycle_id == cycle.id, scope_clause(current_user, "ballots.manage", OrgUnit.path))
            .order_by(Evaluation.id.desc()))


@bp.route("/")
@requires("ballots.manage")
def index():
    cycles = _cycles()
    cycle = _chosen_cycle(cycles)
    page = paginate(_managed(cycle)) if cycle is not None else None
    evaluations = page.items if page else []
    return render_template(
        "ballots/index.html", cycles=cycles, cycle=cycle, page=page, evaluations=evaluations,
        turnouts=services.turnouts(evaluations),
        populations={p.id: p for p in db.session.scalars(select(Population).where(
            Population.id.in_({e.population_id for e in evaluations})))} if evaluations else {},
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
    populations = list(db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)
                                          .order_by(Population.id)))
    office = can(current_user, "ballots.manage", TOP_LEVEL)
    granted = {g.org_unit_id for g in current_user.grants if g.role == Role.UNIT_ADMIN and g.org_unit_id}
    managed = [] if office else [u for u in units_where(current_user, "ballots.manage") if u.id in granted]
    choices = []
    for population in populations:
        if not office and not any(services.population_inside(population, u) for u in managed):
            continue
        _indicator, scheme_groups = services.scheme_ballot(population)
        note = (_("（方案已规定组别：%(groups)s）", groups="、".join(
            f"{g.name} {services.fmt_weight(g.weight)}" for g in scheme_groups)) if scheme_groups else "")
        choices.append((population.id, f"{population.name}{note}"))
    return choices


def _fill_group_rows(form: EvaluationForm, groups: list) -> None:
    """One row per standard group, plus any other existing group (current values first)."""
    while len(form.groups.entries):
        form.groups.pop_entry()
    current = {g.key: g for g in groups}
    keys = [k for k, _n in services.STANDARD_GROUPS] + [k for k in current if k not in
                                                        dict(services.STANDARD_GROUPS)]
    names = dict(services.STANDARD_GROUPS)
    for key in keys:
        group = current.get(key)
        form.groups.append_entry({
            "include": group is not None, "key": key,
            "name": group.name if group is not None else names.get(key, key),
            "weight": services.fmt_weight(group.weight) if group is not None else "",
        })


def _group_rows(form: EvaluationForm) -> list[dict]:
    return [{"include": row.form.include.data, "key": row.form.key.data, "name": row.form.name.data,
             "weight": row.form.weight.data} for row in form.groups]


def _grades(form: EvaluationForm) -> dict | None:
    return services.parse_grades(form.grade_values.data or "") if form.scale.data == "grade" else None


@bp.route("/new", methods=["GET", "POST"])
@requires("ballots.manage")
def new():
    cycles = _cycles()
    cycle = _chosen_cycle(cycles)
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
                cycle, population, title=form.title.data, owner_unit=owner, scale=form.scale.data,
                grade_values=_grades(form), min_group_size=form.min_group_size.data,
                small_group_policy=form.small_group_policy.data,
                groups=None if scheme_groups else services.groups_from_form(_group_rows(form)))
        except services.BallotError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("已建立测评“%(title)s”。下一步：添加投票人。", title=evaluation.title), "success")
            return redirect(url_for("ballots.voters", evaluation_id=evaluation.id))
    status = INVALID if request.method == "POST" else 200
    return render_template("ballots/form.html", form=form, evaluation=None, cycle=cycle,
                           scheme_groups=None, frozen_reason=None), status


@bp.route("/<int:evaluation_id>/edit", methods=["GET", "POST"])
@requires("ballots.manage", per_object=True)
def edit(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    _ind, scheme_groups = services.scheme_ballot(evaluation.population)
    frozen_reason = None
    if evaluation.settings_frozen:
        frozen_reason = _("已有选票投入，评分方式、等次分值、最少人数、人数不足组别的处理方式以及评价人组别和权重都不能再修改（否则可能影响匿名性或使已投选票失去意义）；仍可修改测评名称。")
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
    if form.validate_on_submit():
        try:
            if evaluation.settings_frozen:
                changed = services.update_evaluation(evaluation, title=form.title.data)
            else:
                changed = services.update_evaluation(
                    evaluation, title=form.title.data, scale=form.scale.data, grade_values=_grades(form),
                    min_group_size=form.min_group_size.data, small_group_policy=form.small_group_policy.data,
                    groups=None if scheme_groups else services.groups_from_form(_group_rows(form)))
        except services.BallotError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
            return redirect(url_for("ballots.evaluation", evaluation_id=evaluation.id))
    status = INVALID if request.method == "POST" else 200
    return render_template("ballots/form.html", form=form, evaluation=evaluation, cycle=evaluation.cycle,
                           scheme_groups=scheme_groups, frozen_reason=frozen_reason), status


# ---------------------------------------------------------------------------
# One evaluation: settings, live turnout, actions
# ---------------------------------------------------------------------------


@bp.route("/<int:evaluation_id>")
@requires("ballots.manage", per_object=True)
def evaluation(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    _ind, scheme_groups = services.scheme_ballot(evaluation.population)
    return render_template(
        "ballots/evaluation.html", evaluation=evaluation, groups=services.groups_of(evaluation),
        turnout=services.turnout(evaluation), scheme_groups=scheme_groups,
        owner_name=evaluation.owner_unit.name if evaluation.owner_unit else None,
        may_manage=phase_allows(evaluation.cycle, "ballots.manage") and not evaluation.cycle.is_final,
        may_vote_now=phase_allows(evaluation.cycle, "ballots.vote"), form=CsrfForm(),
    )


@bp.route("/<int:evaluation_id>/turnout")
@requires("ballots.manage", per_object=True)
def turnout_json(evaluation_id):
    """Live turnout for the evaluation page (polled while voting is open)."""
    evaluation = _evaluation(evaluation_id)
    rows = services.turnout(evaluation)
    response = jsonify({
        "status": evaluation.status.value,
        "groups": [{"id": t.group.id, "eligible": t.eligible, "voted": t.voted, "percent": t.percent}
                   for t in rows],
        "eligible": sum(t.eligible for t in rows), "voted": sum(t.voted for t in rows),
    })
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------
# Voters
# ---------------------------------------------------------------------------


def _group_choices(evaluation: Evaluation, *, none_label: str | None = None) -> list[tuple[int, str]]:
    choices = [(0, none_label)] if none_label else []
    return choices + [(g.id, g.name) for g in services.groups_of(evaluation)]


def _voter_unit_choices(evaluation: Evaluation) -> list[tuple[int, str]]:
    units = units_where(current_user, "ballots.manage") if evaluation.owner_unit is None else list(
        db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(evaluation.owner_unit.path,
                                                                        autoescape=True),
                                                 OrgUnit.active.is_(True))))
    return [(u.id, f"{'　' * depth}{u.name}") for u, depth in org_services.in_tree_order(units)]


def _voters_page(evaluation: Evaluation, unit_form=None, person_form=None, status: int = 200):
    unit_form = unit_form or VotersByUnitForm(prefix="unit")
    person_form = person_form or VoterForm(prefix="one")
    unit_form.unit_id.choices = options(_voter_unit_choices(evaluation))
    for field, role in ((unit_form.group_principal, "principal"), (unit_form.group_deputy, "deputy"),
                        (unit_form.group_none, "none")):
        field.choices = options(_group_choices(evaluation, none_label=_("不加入")))
        if request.method == "GET":
            field.data = services.default_role_groups(evaluation).get(role) or 0
    person_form.group_id.choices = options(_group_choices(evaluation))
    group_filter = request.args.get("group", type=int)
    stmt = (select(Voter, Person, RaterGroup).outerjoin(Person, Person.id == Voter.person_id)
            .join(RaterGroup, RaterGroup.id == Voter.rater_group_id)
            .where(Voter.evaluation_id == evaluation.id))
    if group_filter:
        stmt = stmt.where(Voter.rater_group_id == group_filter)
    page = paginate(stmt.order_by(RaterGroup.id, Person.staff_no, Voter.label), scalars=False)
    return render_template(
        "ballots/voters.html", evaluation=evaluation, page=page, unit_form=unit_form, person_form=person_form,
        groups=services.groups_of(evaluation), group_filter=group_filter, turnout=services.turnout(evaluation),
        unit_names=org_services.unit_labels(row.Person.unit_id for row in page.items if row.Person),
        editable=not evaluation.is_closed and phase_allows(evaluation.cycle, "ballots.manage"),
        form=CsrfForm(),
    ), status


@bp.route("/<int:evaluation_id>/voters")
@requires("ballots.manage", per_object=True)
def voters(evaluation_id):
    return _voters_page(_evaluation(evaluation_id))


@bp.route("/<int:evaluation_id>/voters/units", methods=["POST"])
@requires("ballots.manage", per_object=True)
def voters_add_unit(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    form = VotersByUnitForm(prefix="unit")
    if not form.validate_on_submit():
        return _voters_page(evaluation, unit_form=form, status=INVALID)
    unit = get_or_404(OrgUnit, form.unit_id.data)  # the service keeps it inside the owner unit
    try:
        added, already = services.add_voters_by_unit(
            evaluation, unit, subtree=form.subtree.data,
            role_groups={"principal": form.group_principal.data, "deputy": form.group_deputy.data,
                         "none": form.group_none.data})
    except services.BallotError as exc:
        db.session.rollback()
        form.unit_id.errors.append(str(exc))
        return _voters_page(evaluation, unit_form=form, status=INVALID)
    flash(_("已添加 %(added)s 名投票人（%(already)s 人原已在名单中）。", added=added, already=already), "success")
    return _go(url_for("ballots.voters", evaluation_id=evaluation.id))


@bp.route("/<int:evaluation_id>/voters/person", methods=["POST"])
@requires("ballots.manage", per_object=True)
def voters_add_person(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    form = VoterForm(prefix="one")
    if not form.validate_on_submit():
        return _voters_page(evaluation, person_form=form, status=INVALID)
    person = org_services.person_by_staff_no((form.staff_no.data or "").strip())
    if person is None:
        form.staff_no.errors.append(_("没有这个工号的人员"))
        return _voters_page(evaluation, person_form=form, status=INVALID)
    try:
        group = services._group(evaluation, form.group_id.data)
        services.add_voter(evaluation, person, group)
    except services.BallotError as exc:
        db.session.rollback()
        form.staff_no.errors.append(str(exc))
        return _voters_page(evaluation, person_form=form, status=INVALID)
    flash(_("已添加投票人 %(name)s。", name=person.name), "success")
    return _go(url_for("ballots.voters", evaluation_id=evaluation.id))


@bp.route("/<int:evaluation_id>/voters/remove", methods=["POST"])
@requires("ballots.manage", per_object=True)
def voters_remove(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    form = CsrfForm()
    if form.validate_on_submit():
        voter = get_or_404(Voter, request.form.get("voter_id"))
        if voter.evaluation_id != evaluation.id:
            abort(404)
        try:
            services.remove_voter(evaluation, voter)
        except services.BallotError as exc:
            _refuse(exc)
        else:
            flash(_("已移除。"), "success")
    return _go(url_for("ballots.voters", evaluation_id=evaluation.id))


# ---------------------------------------------------------------------------
# One-time codes: shown once, on a printable page of slips
# ---------------------------------------------------------------------------


def _codes_page(evaluation: Evaluation, form=None, named_form=None, status: int = 200):
    form = form or CodesForm(prefix="anon")
    named_form = named_form or NamedCodesForm(prefix="named")
    form.group_id.choices = options(_group_choices(evaluation))
    named_form.group_id.choices = options(_group_choices(evaluation))
    if request.method == "GET":
        outside = [g for g in services.groups_of(evaluation) if g.key == "outside"]
        if outside:
            form.group_id.data = outside[0].id
    return render_template(
        "ballots/codes.html", evaluation=evaluation, form=form, named_form=named_form,
        groups=services.groups_of(evaluation), stats=services.code_stats(evaluation),
        editable=not evaluation.is_closed and phase_allows(evaluation.cycle, "ballots.manage"),
    ), status


def _slips_response(evaluation: Evaluation, slips: list[services.Slip]):
    response = make_response(render_template(
        "ballots/slips.html", evaluation=evaluation, slips=slips,
        vote_url=url_for("voting.code", _external=True)))
    response.headers["Cache-Control"] = "no-store"  # the codes exist on this page only
    return response


@bp.route("/<int:evaluation_id>/codes", methods=["GET", "POST"])
@requires("ballots.manage", per_object=True)
def codes(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    form = CodesForm(prefix="anon")
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                group = services._group(evaluation, form.group_id.data)
                slips = services.generate_codes(evaluation, group, form.count.data)
            except services.BallotError as exc:
                db.session.rollback()
                form.count.errors.append(str(exc))
            else:
                return _slips_response(evaluation, slips)
        return _codes_page(evaluation, form=form, status=INVALID)
    return _codes_page(evaluation)


@bp.route("/<int:evaluation_id>/codes/named", methods=["POST"])
@requires("ballots.manage", per_object=True)
def codes_named(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    form = NamedCodesForm(prefix="named")
    if form.validate_on_submit():
        try:
            group = services._group(evaluation, form.group_id.data)
            slips = services.issue_named_codes(evaluation, group, reissue=form.reissue.data,
                                               without_account_only=not form.everyone.data)
        except services.BallotError as exc:
            db.session.rollback()
            form.group_id.errors.append(str(exc))
        else:
            return _slips_response(evaluation, slips)
    return _codes_page(evaluation, named_form=form, status=INVALID)


# ---------------------------------------------------------------------------
# Opening and closing, with a confirmation page
# ---------------------------------------------------------------------------


def _confirm(evaluation: Evaluation, action: str):
    allowed = evaluation.is_draft if action == "open" else evaluation.is_open
    if not allowed:
        flash(_("测评状态已变化。"), "info")
        return _go(url_for("ballots.evaluation", evaluation_id=evaluation.id))
    form = CsrfForm()
    if form.validate_on_submit():
        try:
            if action == "open":
                services.open_evaluation(evaluation)
                flash(_("已开始投票。"), "success")
            else:
                count = services.close_evaluation(evaluation)
                flash(_("已结束投票，共收到 %(count)s 张选票；选票已打乱重排。", count=count), "success")
        except services.BallotError as exc:
            _refuse(exc)
        return _go(url_for("ballots.evaluation", evaluation_id=evaluation.id))
    return render_template("ballots/confirm.html", evaluation=evaluation, action=action, form=form,
                           turnout=services.turnout(evaluation))


@bp.route("/<int:evaluation_id>/open", methods=["GET", "POST"], endpoint="open")
@requires("ballots.manage", per_object=True)
def open_(evaluation_id):
    return _confirm(_evaluation(evaluation_id), "open")


@bp.route("/<int:evaluation_id>/close", methods=["GET", "POST"])
@requires("ballots.manage", per_object=True)
def close(evaluation_id):
    return _confirm(_evaluation(evaluation_id), "close")


# ---------------------------------------------------------------------------
# Results, after closing
# ---------------------------------------------------------------------------


@bp.route("/<int:evaluation_id>/results")
@requires("ballots.manage", per_object=True)
def results(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    outcome = services.results(evaluation) if evaluation.is_closed else None
    _ind, scheme_groups = services.scheme_ballot(evaluation.population)
    return render_template("ballots/results.html", evaluation=evaluation, results=outcome,
                           turnout=services.turnout(evaluation), scheme_groups=scheme_groups)


# ---------------------------------------------------------------------------
# Voting, signed in: "我的测评"
# ---------------------------------------------------------------------------


@voting.route("/my-evaluations")
@requires("ballots.vote")
def mine():
    return render_template("ballots/mine.html", entries=services.my_evaluations(current_user))


def _answers(form_data) -> dict[int, str]:
    """``score-<appraisee id>`` fields → {appraisee id: value}; stray fields for
    other appraisees are passed on so that the service refuses them."""
    answers: dict[int, str] = {}
    for name, value in form_data.items():
        if name.startswith("score-") and name[6:].isdigit():
            answers[int(name[6:])] = value
    return answers


@voting.route("/my-evaluations/<int:evaluation_id>", methods=["GET", "POST"])
@requires("ballots.vote", per_object=True)
def ballot(evaluation_id):
    evaluation = get_or_404(Evaluation, evaluation_id)
    authorize("ballots.vote", evaluation)
    voter = services.voter_of(evaluation, current_user)
    if voter is None:
        flash(_("您不是本次测评的投票人。"), "error")
        return _go(url_for("voting.mine"))
    try:
        services.check_can_vote(evaluation, voter)
    except services.NotEligible as exc:
        flash(str(exc), "info")
        return _go(url_for("voting.mine"))
    sheet = services.ballot_sheet(evaluation, voter)
    form = CsrfForm()
    errors: dict[int, str] = {}
    values: dict[int, str] = {}
    if request.method == "POST":
        values = _answers(request.form)
        if form.validate_on_submit():
            try:
                services.cast_ballot(voter.id, values)
            except services.BallotInvalid as exc:
                errors = exc.errors
            except services.NotEligible as exc:
                flash(str(exc), "error")
                return _go(url_for("voting.mine"))
            else:
                flash(_("投票成功，谢谢！您的选票已匿名保存。"), "success")
                return _go(url_for("voting.mine"))
        else:
            errors = {0: _("页面已过期，请重新提交。")}
    status = INVALID if request.method == "POST" else 200
    return render_template("ballots/ballot.html", evaluation=evaluation, sheet=sheet, form=form,
                           errors=errors, values=values, group=db.session.get(RaterGroup, voter.rater_group_id),
                           code=None), status


# ---------------------------------------------------------------------------
# Voting with a one-time code (live meeting, no account)
# ---------------------------------------------------------------------------


def _address() -> str:
    return request.remote_addr or "-"


def _code_blocked() -> bool:
    limiter = throttle()
    return not limiter.limiter.test(limiter.address_limit, CODE_THROTTLE_PREFIX, str(g.tenant.id), _address())


def _code_failed() -> None:
    limiter = throttle()
    limiter.limiter.hit(limiter.address_limit, CODE_THROTTLE_PREFIX, str(g.tenant.id), _address())


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@voting.route("/vote", methods=["GET", "POST"])
@public
def code():
    """Enter a one-time code, then fill in the ballot it opens.

    The code travels in the form (never in the URL); each POST checks it again.
    Only wrong codes count against the limit, per address: a meeting room
    shares one address, and 10 random characters (about 50 bits) are not
    guessed in 30 tries.
    """
    form = CodeEntryForm()
    if request.method == "GET":
        return _no_store(make_response(render_template("ballots/code_entry.html", form=form)))
    if _code_blocked():
        flash(_("投票码错误次数过多，请 15 分钟后再试，或请会务人员协助。"), "error")
        return _no_store(make_response(render_template("ballots/code_entry.html", form=form), 429))
    if not form.validate_on_submit():
        return _no_store(make_response(render_template("ballots/code_entry.html", form=form), INVALID))
    voter = services.voter_for_code(form.code.data)  # an unused code of an open evaluation
    if voter is None:
        _code_failed()
        form.code.errors.append(_("投票码无效或已使用。"))
        return _no_store(make_response(render_template("ballots/code_entry.html", form=form), INVALID))
    evaluation = db.session.get(Evaluation, voter.evaluation_id)
    try:
        services.check_can_vote(evaluation, voter)  # e.g. not the scoring phase: say so
    except services.NotEligible as exc:
        form.code.errors.append(str(exc))
        return _no_store(make_response(render_template("ballots/code_entry.html", form=form), INVALID))
    sheet = services.ballot_sheet(evaluation, voter)
    errors: dict[int, str] = {}
    values: dict[int, str] = {}
    if request.form.get("cast") == "1":
        values = _answers(request.form)
        try:
            services.cast_ballot(voter.id, values)
        except services.BallotInvalid as exc:
            errors = exc.errors
        except services.NotEligible as exc:
            form.code.errors.append(str(exc))
            return _no_store(make_response(render_template("ballots/code_entry.html", form=form), INVALID))
        else:
            return _no_store(make_response(render_template("ballots/voted.html", evaluation=evaluation)))
    status = INVALID if errors else 200
    return _no_store(make_response(render_template(
        "ballots/ballot.html", evaluation=evaluation, sheet=sheet, form=form, errors=errors, values=values,
        group=db.session.get(RaterGroup, voter.rater_group_id), code=services.format_code(
            services.normalise_code(form.code.data))), status))
