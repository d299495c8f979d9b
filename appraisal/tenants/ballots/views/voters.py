"""Who votes: the voter list (by unit, one by one, removal) and one-time code
slips, shown once on a printable page (the ``ballots`` blueprint)."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.permissions import requires
from appraisal.platform.refusals import form_status
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import paginate
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.forms import (
    CodesForm,
    CsrfForm,
    NamedCodesForm,
    VoterForm,
    VotersByUnitForm,
    options,
)
from appraisal.tenants.ballots.models import Evaluation, RaterGroup, Voter
from appraisal.tenants.ballots.views import bp
from appraisal.tenants.ballots.views._shared import go, refused
from appraisal.tenants.ballots.views.sessions import slip_qr
from appraisal.tenants.cycles.services import phase_allows
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.org.services import units_where

# ---------------------------------------------------------------------------
# Voters
# ---------------------------------------------------------------------------


def _group_choices(groups: list[RaterGroup], *, none_label: str | None = None) -> list[tuple[int, str]]:
    choices = [(0, none_label)] if none_label else []
    return choices + [(g.id, g.name) for g in groups]


def _session_choices(evaluation: Evaluation) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in services.sessions_of(evaluation) if not s.is_closed]


def _chosen_session(evaluation: Evaluation, form):
    """The session picked on ``form`` (None: the evaluation's only one)."""
    return services.session_of(evaluation, form.session_id.data) if form.session_id.data else None


def _voter_unit_choices(evaluation: Evaluation) -> list[tuple[int, str]]:
    units = (
        units_where(current_user, "ballots.manage")
        if evaluation.owner_unit is None
        else list(
            db.session.scalars(
                select(OrgUnit).where(
                    OrgUnit.path.startswith(evaluation.owner_unit.path, autoescape=True), OrgUnit.active.is_(True)
                )
            )
        )
    )
    return [(u.id, f"{'　' * depth}{u.name}") for u, depth in org_services.in_tree_order(units)]


def _voters_context(evaluation: Evaluation, unit_form=None, person_form=None) -> dict:
    """What the voters page shows (read after any rollback: it lists the voters)."""
    unit_form = unit_form or VotersByUnitForm(prefix="unit")
    person_form = person_form or VoterForm(prefix="one")
    groups = services.groups_of(evaluation)
    defaults = services.default_role_groups(evaluation, groups)
    unit_form.unit_id.choices = options(_voter_unit_choices(evaluation))
    for field, role in (
        (unit_form.group_principal, "principal"),
        (unit_form.group_deputy, "deputy"),
        (unit_form.group_none, "none"),
    ):
        field.choices = options(_group_choices(groups, none_label=_("不加入")))
        if request.method == "GET":
            field.data = defaults.get(role) or 0
    person_form.group_id.choices = options(_group_choices(groups))
    unit_form.session_id.choices = person_form.session_id.choices = options(_session_choices(evaluation))
    group_filter = request.args.get("group", type=int)
    stmt = (
        select(Voter, Person, RaterGroup)
        .outerjoin(Person, Person.id == Voter.person_id)
        .join(RaterGroup, RaterGroup.id == Voter.rater_group_id)
        .where(Voter.evaluation_id == evaluation.id)
    )
    if group_filter:
        stmt = stmt.where(Voter.rater_group_id == group_filter)
    page = paginate(stmt.order_by(RaterGroup.id, Person.staff_no, Voter.label), scalars=False)
    return dict(
        evaluation=evaluation,
        page=page,
        unit_form=unit_form,
        person_form=person_form,
        groups=groups,
        group_filter=group_filter,
        turnout=services.turnout(evaluation),
        unit_names=org_services.unit_labels(row.Person.unit_id for row in page.items if row.Person),
        editable=not evaluation.is_closed and phase_allows(evaluation.cycle, "ballots.manage"),
        form=CsrfForm(),  # the remove buttons'
    )


def _submit(form, field: str, action, page):
    """A voters or codes form: when it is valid, ``action()`` answers; a refusal
    (``BallotError``) is rolled back and shown beside ``field``. An invalid or
    refused form re-shows ``page()``, read after the rollback, with 422."""
    if form.validate_on_submit():
        try:
            return action()
        except services.BallotError as exc:
            refused(exc, form, field)
    return page()


def _voters_page(evaluation: Evaluation, **forms):
    """The voters page; after a POST (a form that failed validation or was
    refused), with the submitted form and status 422."""
    return render_template("ballots/voters.html", **_voters_context(evaluation, **forms)), form_status()


@bp.route("/<int:evaluation_id>/voters")
@requires("ballots.manage", load=Evaluation)
def voters(evaluation: Evaluation):
    return _voters_page(evaluation)


@bp.route("/<int:evaluation_id>/voters/units", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def voters_add_unit(evaluation: Evaluation):
    form = VotersByUnitForm(prefix="unit")

    def add():
        unit = get_or_404(OrgUnit, form.unit_id.data)  # the service keeps it inside the owner unit
        added, already = services.add_voters_by_unit(
            evaluation,
            unit,
            subtree=form.subtree.data,
            role_groups={
                "principal": form.group_principal.data,
                "deputy": form.group_deputy.data,
                "none": form.group_none.data,
            },
            session=_chosen_session(evaluation, form),
        )
        flash(_("已添加 %(added)s 名投票人（%(already)s 人原已在名单中）。", added=added, already=already), "success")
        return go(url_for("ballots.voters", evaluation_id=evaluation.id))

    return _submit(form, "unit_id", add, lambda: _voters_page(evaluation, unit_form=form))


@bp.route("/<int:evaluation_id>/voters/person", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def voters_add_person(evaluation: Evaluation):
    form = VoterForm(prefix="one")

    def add():
        person = org_services.person_by_staff_no((form.staff_no.data or "").strip())
        if person is None:
            raise services.BallotError(_("没有这个工号的人员"))
        services.add_voter(
            evaluation, person, services.rater_group(evaluation, form.group_id.data), _chosen_session(evaluation, form)
        )
        flash(_("已添加投票人 %(name)s。", name=person.name), "success")
        return go(url_for("ballots.voters", evaluation_id=evaluation.id))

    return _submit(form, "staff_no", add, lambda: _voters_page(evaluation, person_form=form))


@bp.route("/<int:evaluation_id>/voters/remove", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def voters_remove(evaluation: Evaluation):
    form = CsrfForm()
    if form.validate_on_submit():
        voter = get_or_404(Voter, request.form.get("voter_id"))
        if voter.evaluation_id != evaluation.id:
            abort(404)
        try:
            services.remove_voter(evaluation, voter)
        except services.BallotError as exc:
            refused(exc)
        else:
            flash(_("已移除。"), "success")
    return go(url_for("ballots.voters", evaluation_id=evaluation.id))


# ---------------------------------------------------------------------------
# One-time codes: shown once, on a printable page of slips
# ---------------------------------------------------------------------------


def _codes_context(evaluation: Evaluation, form=None, named_form=None) -> dict:
    form = form or CodesForm(prefix="anon")
    named_form = named_form or NamedCodesForm(prefix="named")
    groups = services.groups_of(evaluation)
    form.group_id.choices = options(_group_choices(groups))
    named_form.group_id.choices = options(_group_choices(groups))
    form.session_id.choices = options(_session_choices(evaluation))
    if request.method == "GET":
        outside = [g for g in groups if g.key == "outside"]
        if outside:
            form.group_id.data = outside[0].id
    return dict(
        evaluation=evaluation,
        form=form,
        named_form=named_form,
        groups=groups,
        stats=services.code_stats(evaluation),
        editable=not evaluation.is_closed and phase_allows(evaluation.cycle, "ballots.manage"),
    )


def _slips_response(evaluation: Evaluation, slips: list[services.Slip]):
    response = make_response(
        render_template(
            "ballots/slips.html",
            evaluation=evaluation,
            slips=slips,
            vote_url=url_for("voting.code", _external=True),
            slip_qr=slip_qr,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the codes exist on this page only
    return response


def _codes_page(evaluation: Evaluation, **forms):
    """The codes page; after a POST (invalid or refused), with the submitted form and status 422."""
    return render_template("ballots/codes.html", **_codes_context(evaluation, **forms)), form_status()


@bp.route("/<int:evaluation_id>/codes", methods=["GET", "POST"])
@requires("ballots.manage", load=Evaluation)
def codes(evaluation: Evaluation):
    form = CodesForm(prefix="anon")

    def issue():
        group = services.rater_group(evaluation, form.group_id.data)
        return _slips_response(
            evaluation, services.generate_codes(evaluation, group, form.count.data, _chosen_session(evaluation, form))
        )

    return _submit(form, "count", issue, lambda: _codes_page(evaluation, form=form))


@bp.route("/<int:evaluation_id>/codes/named", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def codes_named(evaluation: Evaluation):
    form = NamedCodesForm(prefix="named")

    def issue():
        group = services.rater_group(evaluation, form.group_id.data)
        slips = services.issue_named_codes(
            evaluation, group, reissue=form.reissue.data, without_account_only=not form.everyone.data
        )
        return _slips_response(evaluation, slips)

    return _submit(form, "group_id", issue, lambda: _codes_page(evaluation, named_form=form))
