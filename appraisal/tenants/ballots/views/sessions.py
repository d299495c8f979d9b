"""Sessions (场次) of an evaluation: one per department in one action, opening
and closing each on its own, the announced closing time, and the projector page
(a QR code for signed-in staff, live turnout per rater group, a countdown)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from flask import Response, abort, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from appraisal.platform.permissions import requires
from appraisal.platform.tenancy import current_tenant, get_or_404
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.forms import CsrfForm, SessionsForm, options
from appraisal.tenants.ballots.models import BallotSession, Evaluation
from appraisal.tenants.ballots.views import bp
from appraisal.tenants.ballots.views._shared import go, refused


def _session(evaluation: Evaluation, session_id: int) -> BallotSession:
    session = get_or_404(BallotSession, session_id)
    if session.evaluation_id != evaluation.id:
        abort(404)
    return session


def _back(evaluation: Evaluation):
    return go(url_for("ballots.evaluation", evaluation_id=evaluation.id) + "#sessions")


def sessions_form(evaluation: Evaluation) -> SessionsForm:
    """The "one session per department" form, its groups defaulting by leader role."""
    form = SessionsForm(prefix="sessions")
    groups = services.groups_of(evaluation)
    defaults = services.default_role_groups(evaluation, groups)
    for field, role in (
        (form.group_principal, "principal"),
        (form.group_deputy, "deputy"),
        (form.group_none, "none"),
    ):
        field.choices = options([(0, _("不加入"))] + [(g.id, g.name) for g in groups])
        if request.method == "GET":
            field.data = defaults.get(role) or 0
    return form


@bp.route("/<int:evaluation_id>/sessions/departments", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def sessions_departments(evaluation: Evaluation):
    form = sessions_form(evaluation)
    if form.validate_on_submit():
        try:
            made = services.create_department_sessions(
                evaluation,
                role_groups={
                    "principal": form.group_principal.data,
                    "deputy": form.group_deputy.data,
                    "none": form.group_none.data,
                },
            )
        except services.BallotError as exc:
            refused(exc)
        else:
            flash(_("已按部门建立 %(n)s 个场次，并加入各部门人员为投票人。", n=len(made)), "success")
    return _back(evaluation)


@bp.route("/<int:evaluation_id>/sessions/<int:session_id>/open", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def session_open(evaluation: Evaluation, session_id: int):
    session = _session(evaluation, session_id)
    if CsrfForm().validate_on_submit():
        try:
            services.open_evaluation(evaluation, [session])
        except services.BallotError as exc:
            refused(exc)
        else:
            flash(_("场次“%(name)s”已开始投票。", name=session.name), "success")
    return _back(evaluation)


@bp.route("/<int:evaluation_id>/sessions/<int:session_id>/close", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def session_close(evaluation: Evaluation, session_id: int):
    session = _session(evaluation, session_id)
    if CsrfForm().validate_on_submit():
        try:
            services.close_session(evaluation, session)
        except services.BallotError as exc:
            refused(exc)
        else:
            flash(_("场次“%(name)s”已结束投票；全部场次结束后请结束测评以查看结果。", name=session.name), "success")
    return _back(evaluation)


def _zone() -> ZoneInfo:
    tenant = current_tenant()
    try:
        return ZoneInfo(tenant.time_zone if tenant is not None else "Asia/Shanghai")
    except (ValueError, KeyError):  # pragma: no cover - a broken time zone setting
        return ZoneInfo("Asia/Shanghai")


@bp.route("/<int:evaluation_id>/sessions/<int:session_id>/time", methods=["POST"])
@requires("ballots.manage", load=Evaluation)
def session_time(evaluation: Evaluation, session_id: int):
    """The announced closing time (local time, "HH:MM" today or a full date and time)."""
    session = _session(evaluation, session_id)
    if CsrfForm().validate_on_submit():
        raw = (request.form.get("closes_at") or "").strip()[:20]
        try:
            closes_at = None
            if raw:
                try:
                    local = datetime.fromisoformat(raw)
                except ValueError:
                    raise services.BallotError(
                        _("结束时间“%(value)s”的格式不对，请用“2026-12-04T15:30”这样的格式", value=raw)
                    ) from None
                closes_at = local.replace(tzinfo=_zone()) if local.tzinfo is None else local
            services.set_closing_time(evaluation, session, closes_at)
        except services.BallotError as exc:
            refused(exc)
        else:
            flash(_("已设定场次“%(name)s”的结束时间。", name=session.name), "success")
    return _back(evaluation)


def _turnout_payload(evaluation: Evaluation, session: BallotSession) -> dict:
    rows = services.session_turnouts(evaluation).get(session.id, [])
    return {
        "status": session.status.value,
        "groups": [
            {"id": t.group.id, "name": t.group.name, "eligible": t.eligible, "voted": t.voted, "percent": t.percent}
            for t in rows
        ],
        "eligible": sum(t.eligible for t in rows),
        "voted": sum(t.voted for t in rows),
    }


@bp.route("/<int:evaluation_id>/sessions/<int:session_id>/turnout")
@requires("ballots.manage", load=Evaluation)
def session_turnout(evaluation: Evaluation, session_id: int):
    """The projector page's live turnout (polled)."""
    response = jsonify(_turnout_payload(evaluation, _session(evaluation, session_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


def staff_url(evaluation: Evaluation) -> str:
    """Where signed-in staff vote (the QR on the projector): their ballot in this evaluation."""
    return url_for("voting.ballot", evaluation_id=evaluation.id, _external=True)


@bp.route("/<int:evaluation_id>/sessions/<int:session_id>/projector")
@requires("ballots.manage", load=Evaluation)
def projector(evaluation: Evaluation, session_id: int):
    session = _session(evaluation, session_id)
    closes = session.closes_at.astimezone(_zone()) if session.closes_at else None
    return render_template(
        "ballots/projector.html",
        evaluation=evaluation,
        session=session,
        turnout=services.session_turnouts(evaluation).get(session.id, []),
        staff_url=staff_url(evaluation),
        qr_svg=segno.make(staff_url(evaluation), error="m").svg_inline(scale=8, border=2),
        closes_local=closes.strftime("%H:%M") if closes else None,
        closes_epoch=int(session.closes_at.timestamp() * 1000) if session.closes_at else None,
    )


@bp.route("/<int:evaluation_id>/sessions/<int:session_id>/qr.<fmt>")
@requires("ballots.manage", load=Evaluation)
def session_qr(evaluation: Evaluation, session_id: int, fmt: str):
    """The projector's QR code as an image file (SVG or PNG), e.g. for a slide."""
    _session(evaluation, session_id)
    if fmt not in ("svg", "png"):
        abort(404)
    qr = segno.make(staff_url(evaluation), error="m")
    out = io.BytesIO()
    qr.save(out, kind=fmt, scale=10, border=2)
    mimetype = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(out.getvalue(), mimetype=mimetype, headers={"Cache-Control": "no-store"})


def slip_qr(url: str) -> str:
    """An inline SVG QR code for a printed slip (made on the page: the code exists nowhere else)."""
    return segno.make(url, error="m").svg_inline(scale=3, border=1)
