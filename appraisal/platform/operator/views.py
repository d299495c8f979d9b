"""Platform operator: list, create, suspend tenants; create a first office admin.

Operators never see tenant data: these views touch only the tenants table,
and creating the first admin enters the tenant explicitly.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.platform import accounts, tenant_admin
from appraisal.platform.auth import sessions
from appraisal.platform.auth.forms import LoginForm
from appraisal.platform.auth.throttle import throttle
from appraisal.platform.models import Tenant, TenantStatus
from appraisal.platform.operator.forms import AdminForm, ConfirmForm, TenantForm
from appraisal.platform.permissions import public
from appraisal.platform.refusals import form_status, refuse
from appraisal.platform.tenancy import get_or_404

bp = Blueprint("operator", __name__, url_prefix="/platform")

OPERATOR = "operator"


def operator_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not getattr(current_user, "is_operator", False):
            return redirect(url_for("operator.login", next=request.path))
        return view(*args, **kwargs)

    wrapped.permission = OPERATOR  # type: ignore[attr-defined]
    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        key = accounts.normalise_email(form.email.data)
        address = request.remote_addr or "-"
        if throttle().blocked("operator", key, address):
            flash(_("登录失败次数过多，请 15 分钟后再试。"), "error")
            status = 429
        else:
            operator = accounts.authenticate_operator(form.email.data, form.password.data)
            if operator is not None:
                throttle().succeeded("operator", key, address)
                sessions.start(operator)
                return redirect(url_for("operator.tenants"))
            throttle().failed("operator", key, address)
            flash(_("账号或密码不正确。"), "error")
            status = 401
    return render_template("operator/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    sessions.end()
    return redirect(url_for("operator.login"))


@bp.route("/")
@operator_required
def tenants():
    return render_template("operator/tenants.html", tenants=tenant_admin.list_tenants(), confirm=ConfirmForm())


@bp.route("/tenants/new", methods=["GET", "POST"])
@operator_required
def create_tenant():
    form = TenantForm()
    if form.validate_on_submit():
        try:
            tenant = tenant_admin.create_tenant(
                slug=form.slug.data,
                name=form.name.data,
                locale=form.locale.data,
                time_zone=form.time_zone.data,
            )
        except tenant_admin.TenantError as exc:
            return refuse(exc, "operator/tenant_form.html", form=form, field="slug")
        flash(_("已创建租户 %(name)s。", name=tenant.name), "success")
        return redirect(url_for("operator.create_admin", tenant_id=tenant.id))
    return render_template("operator/tenant_form.html", form=form), form_status()


@bp.route("/tenants/<int:tenant_id>/admin", methods=["GET", "POST"])
@operator_required
def create_admin(tenant_id: int):
    tenant = get_or_404(Tenant, tenant_id)
    form = AdminForm()
    if form.validate_on_submit():
        try:
            tenant_admin.create_office_admin(
                tenant,
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
            )
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(_("已为 %(name)s 创建考核办管理员。", name=tenant.name), "success")
            return redirect(url_for("operator.tenants"))
    return render_template("operator/admin_form.html", form=form, tenant=tenant), form_status()


@bp.route("/tenants/<int:tenant_id>/status", methods=["POST"])
@operator_required
def set_status(tenant_id: int):
    tenant = get_or_404(Tenant, tenant_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("operator.tenants"))
    try:
        status = TenantStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    tenant_admin.set_status(tenant, status)
    flash(
        _(
            "%(name)s 已%(state)s。",
            name=tenant.name,
            state=_("暂停") if status == TenantStatus.SUSPENDED else _("恢复"),
        ),
        "success",
    )
    return redirect(url_for("operator.tenants"))
