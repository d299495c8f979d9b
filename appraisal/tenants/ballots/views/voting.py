"""Voting (the ``voting`` blueprint): "我的测评" and the ballot for signed-in
voters, and the public one-time code page ``/t/<slug>/vote`` for a live meeting
— reachable without an account, protected by the one-time code, CSRF and a
per-address rate limit on wrong codes, and showing nothing but the ballot
behind a valid code."""

from __future__ import annotations

from flask import flash, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.platform.auth.throttle import throttle
from appraisal.platform.permissions import public, requires
from appraisal.platform.refusals import INVALID, form_status
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.forms import CodeEntryForm, CsrfForm
from appraisal.tenants.ballots.models import Evaluation
from appraisal.tenants.ballots.views import voting_bp
from appraisal.tenants.ballots.views._shared import go

# ---------------------------------------------------------------------------
# Voting, signed in: "我的测评"
# ---------------------------------------------------------------------------


@voting_bp.route("/my-evaluations")
@requires("ballots.vote")
def mine():
    return render_template("ballots/mine.html", entries=services.my_evaluations(current_user))


def _answers(form_data) -> dict[int, str]:
    """``score-<appraisee id>`` fields → {appraisee id: value} (a ticked
    ``unknown-<id>`` box: 不了解); stray fields for other appraisees are passed
    on so that the service refuses them."""
    answers: dict[int, str] = {}
    for name, value in form_data.items():
        if name.startswith("score-") and name[6:].isdigit():
            answers[int(name[6:])] = value
        elif name.startswith("unknown-") and name[8:].isdigit() and value:
            answers[int(name[8:])] = services.UNKNOWN
    return answers


def _reasons(form_data) -> dict[int, str]:
    """``reason-<appraisee id>`` fields → {appraisee id: reason} (cut to a sane length)."""
    return {
        int(name[7:]): value[:500]
        for name, value in form_data.items()
        if name.startswith("reason-") and name[7:].isdigit() and value.strip()
    }


def _rules_context(evaluation: Evaluation) -> dict:
    rules = services.rules_of(evaluation)
    notes = []
    if rules.limits_top:
        top = services.top_label(evaluation, rules)
        if rules.top_max_count is not None:
            notes.append(_("评为“%(top)s”的不超过 %(n)s 个", top=top, n=rules.top_max_count))
        if rules.top_max_percent is not None:
            notes.append(_("评为“%(top)s”的不超过 %(p)s%%", top=top, p=rules.top_max_percent))
    if rules.wants_reasons:
        notes.append(_("评极端分须填写理由"))
    if rules.allow_unknown:
        notes.append(_("不了解的可选“不了解”，不计入平均分"))
    return {"rules": rules, "rules_note": _("投票规则：%(rules)s。", rules=_("；").join(notes)) if notes else ""}


@voting_bp.route("/my-evaluations/<int:evaluation_id>", methods=["GET", "POST"])
@requires("ballots.vote", load=Evaluation)
def ballot(evaluation: Evaluation):
    voter = services.voter_of(evaluation, current_user)
    if voter is None:
        flash(_("您不是本次测评的投票人。"), "error")
        return go(url_for("voting.mine"))
    try:
        services.check_can_vote(evaluation, voter)
    except services.NotEligible as exc:
        flash(str(exc), "info")
        return go(url_for("voting.mine"))
    form = CsrfForm()
    errors: dict[int, str] = {}
    values: dict[int, str] = {}
    reasons: dict[int, str] = {}
    if request.method == "POST":
        values = _answers(request.form)
        reasons = _reasons(request.form)
        if form.validate_on_submit():
            try:
                services.cast_ballot(voter.id, values, reasons)
            except services.BallotInvalid as exc:
                errors = exc.errors
            except services.NotEligible as exc:
                flash(str(exc), "error")
                return go(url_for("voting.mine"))
            else:
                flash(_("投票成功，谢谢！您的选票已匿名保存。"), "success")
                return go(url_for("voting.mine"))
        else:
            errors = {0: _("页面已过期，请重新提交。")}
    return render_template(
        "ballots/ballot.html",
        evaluation=evaluation,
        sheet=services.ballot_sheet(evaluation, voter),  # built only to be shown: a cast reads its own
        form=form,
        errors=errors,
        values=values,
        reasons=reasons,
        group=voter.rater_group,
        code=None,
        **_rules_context(evaluation),
    ), form_status()


# ---------------------------------------------------------------------------
# Voting with a one-time code (live meeting, no account)
# ---------------------------------------------------------------------------


def _address() -> str:
    return request.remote_addr or "-"


def _code_blocked() -> bool:
    return throttle().code_blocked(str(g.tenant.id), _address())


def _code_failed() -> None:
    throttle().code_failed(str(g.tenant.id), _address())


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@voting_bp.route("/vote", methods=["GET", "POST"])
@public
def code():
    """Enter a one-time code, then fill in the ballot it opens.

    The code travels in the form (never in the URL); each POST checks it again.
    Only wrong codes count against the limit, per tenant and address, and the
    limit is high (VOTE_CODE_LIMIT_ADDRESS, 300 per 15 minutes): a meeting
    room shares one address and some voters mistype; 10 random characters
    (about 50 bits) are not guessed at that rate (docs/dev/security.md).
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
    evaluation = voter.evaluation
    try:
        services.check_can_vote(evaluation, voter)  # e.g. not the scoring phase: say so
    except services.NotEligible as exc:
        form.code.errors.append(str(exc))
        return _no_store(make_response(render_template("ballots/code_entry.html", form=form), INVALID))
    errors: dict[int, str] = {}
    values: dict[int, str] = {}
    reasons: dict[int, str] = {}
    if request.form.get("cast") == "1":
        values = _answers(request.form)
        reasons = _reasons(request.form)
        try:
            services.cast_ballot(voter.id, values, reasons)
        except services.BallotInvalid as exc:
            errors = exc.errors
        except services.NotEligible as exc:
            form.code.errors.append(str(exc))
            return _no_store(make_response(render_template("ballots/code_entry.html", form=form), INVALID))
        else:
            return _no_store(make_response(render_template("ballots/voted.html", evaluation=evaluation)))
    status = INVALID if errors else 200
    return _no_store(
        make_response(
            render_template(
                "ballots/ballot.html",
                evaluation=evaluation,
                sheet=services.ballot_sheet(evaluation, voter),
                form=form,
                errors=errors,
                values=values,
                reasons=reasons,
                group=voter.rater_group,
                code=services.format_code(services.normalise_code(form.code.data)),
                **_rules_context(evaluation),
            ),
            status,
        )
    )
