"""Sign in and out, change one's password and language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.platform import accounts
from appraisal.platform.auth import sessions
from appraisal.platform.auth.forms import LocaleForm, LoginForm, OrganisationForm, PasswordChangeForm
from appraisal.platform.auth.throttle import throttle
from appraisal.platform.permissions import public, requires
from appraisal.platform.refusals import form_status, refuse
from appraisal.platform.web import health, tenant_blueprint, tenant_exists, unknown_code_message

bp = tenant_blueprint("auth", __name__)
root = Blueprint("root", __name__)


def _safe_next(default: str) -> str:
    """``?next=`` when it is a path of this site, else ``default``. Browsers read a
    backslash as a slash and drop tabs and line breaks, so "/\\evil" and "/<tab>/evil"
    would lead elsewhere as "//evil" does: a path with either is refused."""
    target = request.args.get("next", "")
    if "\\" in target or any(ch <= " " or ch == "\x7f" for ch in target):
        return default
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


@root.route("/", methods=["GET", "POST"])
@public
def index():
    form = OrganisationForm()
    status = 200
    if form.validate_on_submit():
        slug = form.slug.data.strip().lower()
        if tenant_exists(slug):
            return redirect(url_for("auth.login", tenant_slug=slug))
        form.slug.errors.append(unknown_code_message(slug))
    if form.errors:
        status = 422
    return render_template("auth/choose_tenant.html", form=form), status


@root.route("/healthz")
@public
def healthz():
    return health()


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        tenant_key, account_key = str(g.tenant.id), accounts.normalise_email(form.email.data)
        address = request.remote_addr or "-"
        limiter = throttle()
        if limiter.blocked(tenant_key, account_key, address):
            flash(_("登录失败次数过多，请 15 分钟后再试。"), "error")
            status = 429
        else:
            user = accounts.authenticate(form.email.data, form.password.data)
            if user is not None:
                limiter.succeeded(tenant_key, account_key, address)
                sessions.start(user)
                return redirect(_safe_next(url_for("home.index")))
            limiter.failed(tenant_key, account_key, address)
            flash(_("账号或密码不正确。"), "error")
            status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    sessions.end()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@requires("profile.self")
def account():
    form = PasswordChangeForm(prefix="pw")
    locale_form = LocaleForm(prefix="lang", locale=current_user.locale or g.tenant.locale)
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current.data, form.new.data, keep_session=g.get("login_session")
            )
        except accounts.AccountError as exc:
            return refuse(exc, "auth/account.html", form=form, field="new", locale_form=locale_form)
        flash(_("密码已修改。"), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, locale_form=locale_form), form_status()


@bp.route("/account/locale", methods=["POST"])
@requires("profile.self")
def set_locale():
    form = LocaleForm(prefix="lang")
    if form.validate_on_submit():
        accounts.set_locale(current_user, form.locale.data)
    return redirect(_safe_next(url_for("home.index")))
