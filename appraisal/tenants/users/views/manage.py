"""The user-account routes: list, export, create, roles, reset password, deactivate."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appraisal.platform import accounts
from appraisal.platform.excel import xlsx_response
from appraisal.platform.labels import role_label
from appraisal.platform.models import User
from appraisal.platform.permissions import requires
from appraisal.platform.refusals import form_status, refuse
from appraisal.platform.web import paginate
from appraisal.tenants.org.services import unit_names
from appraisal.tenants.users import services
from appraisal.tenants.users.forms import ConfirmForm, EditUserForm, ResetPasswordForm, UserForm
from appraisal.tenants.users.views import bp


def _grant_labels(grants) -> list[str]:
    names = unit_names(g.org_unit_id for g in grants if g.org_unit_id)
    return [f"{role_label(g.role)}" + (f"·{names.get(g.org_unit_id, '')}" if g.org_unit_id else "") for g in grants]


def _listed_users():
    """The users the list's filters (``?q=&role=&status=``) select: the list and its export agree."""
    args = request.args
    return services.user_query(q=args.get("q", ""), role=args.get("role", ""), status=args.get("status", ""))


@bp.route("/")
@requires("users.manage")
def index():
    page = paginate(_listed_users())
    grants = services.grants_by_user(page.items)
    labels = {uid: _grant_labels(gs) for uid, gs in grants.items()}
    return render_template("users/index.html", page=page, labels=labels)


@bp.route("/export.xlsx")
@requires("users.manage")
def export():
    from appraisal.platform.db import db

    users = list(db.session.scalars(_listed_users()))
    grants = services.grants_by_user(users)
    rows = [
        (u.display_name, u.email, "、".join(_grant_labels(grants[u.id])), _("正常") if u.active else _("已停用"))
        for u in users
    ]
    return xlsx_response("用户与角色.xlsx", {_("用户"): ([_("姓名"), _("登录邮箱"), _("角色"), _("状态")], rows)})


def _roles_form(form_class, **kwargs):
    form = form_class(**kwargs)
    form.set_unit_choices(*services.unit_choices())
    return form


@bp.route("/new", methods=["GET", "POST"])
@requires("users.manage")
def create():
    form = _roles_form(UserForm)
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                roles=services.roles_from_form(form),
            )
        except accounts.AccountError as exc:
            return refuse(exc, "users/form.html", form=form, field="email", user=None)
        flash(_("已创建账号 %(email)s。", email=user.email), "success")
        return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=None), form_status()


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@requires("users.manage", load=User)
def edit(user: User):
    form = _roles_form(EditUserForm, obj=user)
    if request.method == "GET":
        services.fill_form_roles(form, user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(user, display_name=form.display_name.data)
            accounts.set_grants(user, services.roles_from_form(form))
        except accounts.AccountError as exc:
            return refuse(
                exc,
                "users/form.html",
                form=form,
                field="office_admin",
                user=user,
                reset=ResetPasswordForm(),
                confirm=ConfirmForm(),
            )
        flash(_("已保存。"), "success")
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template(
        "users/form.html", form=form, user=user, reset=ResetPasswordForm(), confirm=ConfirmForm()
    ), form_status()


@bp.route("/<int:user_id>/password", methods=["POST"])
@requires("users.manage", load=User)
def reset_password(user: User):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            return redirect(url_for("users.edit", user_id=user.id))
        flash(_("已重置 %(name)s 的密码，其所有登录会话已结束。", name=user.display_name), "success")
    else:
        flash(_("新密码至少 10 个字符。"), "error")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<int:user_id>/active", methods=["POST"])
@requires("users.manage", load=User)
def set_active(user: User):
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            accounts.set_active(user, active)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("账号已启用。") if active else _("账号已停用，其所有登录会话已结束。"), "success")
    return redirect(url_for("users.edit", user_id=user.id))
