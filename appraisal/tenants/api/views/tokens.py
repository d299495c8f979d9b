"""The office's API tokens, under the tenant's settings: list, create (the secret
is shown once), revoke."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.permissions import requires
from appraisal.platform.refusals import form_status, refuse
from appraisal.tenants.api import services
from appraisal.tenants.api.forms import ConfirmForm, TokenForm
from appraisal.tenants.api.models import ApiToken
from appraisal.tenants.api.views import bp
from appraisal.tenants.org import services as org
from appraisal.tenants.org.models import OrgUnit, UnitKind

NO_UNIT = ("", "—")


def _form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [(key, f"{key} — {label}") for key, label in services.SCOPES.items()]
    units = db.session.scalars(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.DEPARTMENT, OrgUnit.active.is_(True)).order_by(OrgUnit.code)
    )
    form.assessor_unit.choices = [NO_UNIT] + [(str(u.id), f"{u.name}（{u.code}）") for u in units]
    return form


@bp.route("/")
@requires("tenant.admin")
def index():
    rows = services.tokens()
    users = {
        u.id: u.display_name
        for u in db.session.scalars(select(User).where(User.id.in_({t.created_by_id for t in rows})))
    }
    units = org.unit_names(t.assessor_unit_id for t in rows if t.assessor_unit_id)
    return render_template(
        "api/tokens.html",
        tokens=rows,
        users=users,
        units=units,
        status_of=services.status_of,
        scopes=services.SCOPES,
        confirm=ConfirmForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("tenant.admin")
def create():
    form = _form()
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, int(form.assessor_unit.data)) if form.assessor_unit.data else None
        zone = ZoneInfo(str(_zone()))
        expires = datetime.combine(form.expires_on.data, time(23, 59, 59), zone).astimezone(UTC)
        try:
            token, secret = services.create_token(
                name=form.name.data,
                scopes=list(form.scopes.data or []),
                expires_at=expires,
                creator=current_user,
                assessor_unit=unit,
            )
        except services.TokenError as exc:
            return refuse(exc, "api/token_form.html", form=form)
        # shown once: the page is answered here, never stored or redirected to
        return render_template("api/token_created.html", token=token, secret=secret, scopes=services.SCOPES)
    return render_template("api/token_form.html", form=form), form_status()


def _zone():
    from flask_babel import get_timezone

    return get_timezone()


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@requires("tenant.admin", load=ApiToken)
def revoke(token: ApiToken):
    form = ConfirmForm()
    if form.validate_on_submit() and services.revoke(token):
        flash(_("已撤销接口令牌“%(name)s”，使用它的请求将被拒绝。", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
