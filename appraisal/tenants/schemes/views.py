"""Schemes in use: browse the built-in templates, adopt one, customise it in versions."""

from __future__ import annotations

import yaml
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal import engine
from appraisal.platform.db import db
from appraisal.platform.inputs import text_problem
from appraisal.platform.limits import InputTooLarge, load_yaml_text
from appraisal.platform.models import Role
from appraisal.platform.permissions import authorize, can, grants_of, requires
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.schemes import customise, services
from appraisal.tenants.schemes.models import Scheme

bp = tenant_blueprint("schemes", __name__, url_prefix="/schemes", template_folder="templates")

NAV = (NavItem("schemes.index", _l("考核方案"), "schemes.view", icon="scheme", order=15),)

SECTION_LABELS = {"indicators": _l("指标分值"), "composition": _l("合成权重"), "quotas": _l("限额"),
                  "grades": _l("等次分数线"), "awards": _l("奖励金额")}


METHOD_LABELS = {"entered": _l("考核部门打分"), "deductions": _l("基本分扣减"), "ratio": _l("实际与目标比"),
                 "count": _l("按次计分"), "average": _l("平均分"), "ballot": _l("民主测评"), "items": _l("责任书逐项计分")}


@bp.app_context_processor
def _labels():
    return {"method_label": lambda kind: METHOD_LABELS.get(kind, kind)}


@bp.route("/")
@requires("schemes.view")
def index():
    schemes = list(db.session.scalars(select(Scheme).where(Scheme.archived.is_(False))
                                      .order_by(Scheme.owner_unit_id.is_not(None), Scheme.name)))
    latest = {s.id: services.latest_version(s) for s in schemes}
    admin_units = [g.org_unit_id for g in grants_of(current_user, Role.UNIT_ADMIN)]
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(admin_units)))) if admin_units else []
    return render_template("schemes/index.html", schemes=schemes, latest=latest,
                           templates=engine.list_templates(), admin_units=units)


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


@bp.route("/<int:scheme_id>")
@requires("schemes.view", per_object=True)
def detail(scheme_id: int):
    scheme = get_or_404(Scheme, scheme_id)
    authorize("schemes.view", scheme)
    versions = list(reversed(scheme.versions))
    current = versions[0]
    number = request.args.get("version", type=int)
    shown = next((v for v in versions if v.version == number), current)
    return render_template("schemes/detail.html", scheme=scheme, versions=versions, shown=shown,
                           content=shown.content, may_edit=_may_edit(scheme))


def _may_edit(scheme: Scheme) -> bool:
    action = "schemes.manage" if scheme.owner_unit_id is None else "schemes.unit_manage"
    return can(current_user, action, scheme)


@bp.route("/<int:scheme_id>/customise", methods=["GET", "POST"])
@requires("schemes.unit_manage", per_object=True)
def customise_view(scheme_id: int):
    scheme = get_or_404(Scheme, scheme_id)
    authorize("schemes.manage" if scheme.owner_unit_id is None else "schemes.unit_manage", scheme)
    current = services.latest_version(scheme)
    template = services.template_content(scheme.template_key)
    fields = customise.editable_fields(current.content, template)
    locked = set(services.parent_locks(scheme)) | set(template.get("locks") or [])
    candidates = _lock_candidates(current.content)
    field_errors, general_errors = {}, []
    overrides_text = yaml.safe_dump(current.overrides, allow_unicode=True, sort_keys=False) if current.overrides else ""
    chosen_locks = list(current.locks)
    status = 200
    if request.method == "POST":
        overrides_text = request.form.get("overrides", "")
        chosen_locks = [p for p in request.form.getlist("locks") if p in candidates]
        try:
            for text, one_line in ((overrides_text, False), (request.form.get("note", ""), True)):
                if problem := text_problem(text, one_line=one_line):
                    raise ValueError(str(problem))
            base = load_yaml_text(overrides_text) or {}
            if not isinstance(base, dict):
                raise ValueError(_("覆盖项必须是 YAML 映射（键: 值）"))
            overrides = customise.apply_form(base, fields, request.form)
            version = services.save_version(scheme, overrides=overrides, locks=chosen_locks,
                                            note=request.form.get("note", "").strip())
        except InputTooLarge as exc:
            general_errors.append(str(exc))
        except yaml.YAMLError as exc:
            general_errors.append(_("覆盖项不是有效的 YAML：%(error)s", error=str(exc).splitlines()[0]))
        except ValueError as exc:
            if isinstance(exc, customise.FieldErrors):
                field_errors = exc.errors
            elif isinstance(exc, services.SchemeChangeError):
                field_errors, general_errors = _place_errors(exc.errors, fields)
            else:
                general_errors.append(str(exc))
        else:
            flash(_("已保存第 %(n)s 版。", n=version.version), "success")
            return redirect(url_for("schemes.detail", scheme_id=scheme.id))
        db.session.rollback()
        status = 400
    values = {f.name: request.form.get(f.name, f.value) for f in fields} if request.method == "POST" \
        else {f.name: f.shown for f in fields}
    return render_template("schemes/customise.html", scheme=scheme, current=current, fields=fields,
                           sections=SECTION_LABELS, values=values, field_errors=field_errors,
                           general_errors=general_errors, overrides_text=overrides_text,
                           candidates=candidates, chosen_locks=chosen_locks, locked=locked,
                           lock_label=lambda path: customise.lock_label(path, current.content)), status


def _lock_candidates(content: dict) -> list[str]:
    paths = ["composition", "grades", "awards"]
    paths += [f"indicators.{n['key']}" for n in content.get("indicators", [])]
    paths += [f"quotas.{q['key']}" for q in content.get("quotas", [])]
    return paths


def _place_errors(errors, fields) -> tuple[dict[str, str], list[str]]:
    """Put each engine error beside the field it concerns, the rest on top."""
    placed: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        target = next((f for f in fields if error.path in (f.index_path, "overrides." + f.dotted)), None)
        if target is not None:
            placed[target.name] = error.message
        else:
            general.append(f"{error.path}: {error.message}" if error.path else error.message)
    return placed, general


@bp.route("/<int:scheme_id>/diff")
@requires("schemes.view", per_object=True)
def diff(scheme_id: int):
    scheme = get_or_404(Scheme, scheme_id)
    authorize("schemes.view", scheme)
    versions = {v.version: v for v in scheme.versions}
    newest = max(versions)
    b = versions.get(request.args.get("b", newest, type=int)) or abort(404)
    a = versions.get(request.args.get("a", max(1, b.version - 1), type=int)) or abort(404)
    return render_template("schemes/diff.html", scheme=scheme, a=a, b=b, versions=sorted(versions),
                           changes=customise.diff(a.content, b.content))


@bp.route("/<int:scheme_id>/units", methods=["POST"])
@requires("schemes.manage", per_object=True)
def allow_units(scheme_id: int):
    scheme = get_or_404(Scheme, scheme_id)
    authorize("schemes.manage", scheme)
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
        version = services.adopt_for_unit(parent, unit=unit, key=request.form.get("key", "").strip() or
                                          f"{parent.key}-{unit.code}".lower(),
                                          name=request.form.get("name", "").strip() or f"{unit.name}{parent.name}")
    except services.SchemeChangeError as exc:
        db.session.rollback()
        flash("；".join(str(e) for e in exc.errors), "error")
        return redirect(url_for("schemes.detail", scheme_id=parent.id))
    flash(_("已为%(unit)s采用该方案。", unit=unit.name), "success")
    return redirect(url_for("schemes.detail", scheme_id=version.scheme_id))
