"""The schemes in use and the built-in templates; adopting a template."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appraisal import engine
from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.platform.permissions import grants_of, requires
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.schemes import services
from appraisal.tenants.schemes.models import Scheme
from appraisal.tenants.schemes.views import bp


@bp.route("/")
@requires("schemes.view")
def index():
    schemes = list(
        db.session.scalars(
            select(Scheme)
            .options(selectinload(Scheme.owner_unit))
            .where(Scheme.archived.is_(False))
            .order_by(Scheme.owner_unit_id.is_not(None), Scheme.name)
        )
    )
    latest = services.latest_versions(schemes)
    admin_units = [g.org_unit_id for g in grants_of(current_user, Role.UNIT_ADMIN)]
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(admin_units)))) if admin_units else []
    return render_template(
        "schemes/index.html", schemes=schemes, latest=latest, templates=engine.list_templates(), admin_units=units
    )


@bp.route("/templates/<template_key>")
@requires("schemes.view")
def template(template_key: str):
    if template_key not in {t.key for t in engine.list_templates()}:
        abort(404)
    content = services.template_content(template_key)
    return render_template("schemes/template.html", content=content, template_key=template_key)


@bp.route("/templates/<template_key>/adopt", methods=["POST"])
@requires("schemes.manage")
def adopt(template_key: str):
    if template_key not in {t.key for t in engine.list_templates()}:
        abort(404)
    key, name = request.form.get("key", "").strip(), request.form.get("name", "").strip()
    if not key or not name:
        flash(_("请填写方案名称和标识"), "error")
        return redirect(url_for("schemes.template", template_key=template_key))
    try:
        version = services.adopt_template(template_key=template_key, key=key, name=name)
    except services.SchemeChangeError as exc:
        db.session.rollback()
        flash("；".join(str(e) for e in exc.errors), "error")
        return redirect(url_for("schemes.template", template_key=template_key))
    flash(_("已采用模板，生成方案“%(name)s”第 1 版。", name=name), "success")
    return redirect(url_for("schemes.detail", scheme_id=version.scheme_id))
