"""One scheme: its versions and their differences, and who may adopt it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.platform.db import db
from appraisal.platform.permissions import authorize, can, requires
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.schemes import services
from appraisal.tenants.schemes.models import Scheme
from appraisal.tenants.schemes.services import customise
from appraisal.tenants.schemes.views import bp, edit_permission


@bp.route("/<int:scheme_id>")
@requires("schemes.view", load=Scheme)
def detail(scheme: Scheme):
    versions = list(reversed(scheme.versions))
    current = versions[0]
    number = request.args.get("version", type=int)
    shown = next((v for v in versions if v.version == number), current)
    return render_template(
        "schemes/detail.html",
        scheme=scheme,
        versions=versions,
        shown=shown,
        content=shown.content,
        may_edit=_may_edit(scheme),
    )


def _may_edit(scheme: Scheme) -> bool:
    return can(current_user, edit_permission(scheme), scheme)


@bp.route("/<int:scheme_id>/diff")
@requires("schemes.view", load=Scheme)
def diff(scheme: Scheme):
    versions = {v.version: v for v in scheme.versions}
    newest = max(versions)
    b = versions.get(request.args.get("b", newest, type=int)) or abort(404)
    a = versions.get(request.args.get("a", max(1, b.version - 1), type=int)) or abort(404)
    return render_template(
        "schemes/diff.html",
        scheme=scheme,
        a=a,
        b=b,
        versions=sorted(versions),
        changes=customise.diff(a.content, b.content),
    )


@bp.route("/<int:scheme_id>/units", methods=["POST"])
@requires("schemes.manage", load=Scheme)
def allow_units(scheme: Scheme):
    if scheme.owner_unit_id is not None or scheme.appraisee_kind.value != "person":
        abort(400)
    services.set_allowed_for_units(scheme, request.form.get("allowed") == "1")
    flash(_("已保存。"), "success")
    return redirect(url_for("schemes.detail", scheme_id=scheme.id))


@bp.route("/<int:scheme_id>/adopt-for-unit", methods=["POST"])
@requires("schemes.unit_manage", per_object=True)
def adopt_for_unit(scheme_id: int):
    parent = get_or_404(Scheme, scheme_id)
    unit = get_or_404(OrgUnit, request.form.get("unit_id", type=int))
    authorize("schemes.unit_manage", unit)
    try:
        version = services.adopt_for_unit(
            parent,
            unit=unit,
            key=request.form.get("key", "").strip() or f"{parent.key}-{unit.code}".lower(),
            name=request.form.get("name", "").strip() or f"{unit.name}{parent.name}",
        )
    except services.SchemeChangeError as exc:
        db.session.rollback()
        flash("；".join(str(e) for e in exc.errors), "error")
        return redirect(url_for("schemes.detail", scheme_id=parent.id))
    flash(_("已为%(unit)s采用该方案。", unit=unit.name), "success")
    return redirect(url_for("schemes.detail", scheme_id=version.scheme_id))
