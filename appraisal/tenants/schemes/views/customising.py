"""Customising a scheme: the form of its editable values, saved as a new version."""

from __future__ import annotations

import yaml
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appraisal.platform.db import db
from appraisal.platform.inputs import text_problem
from appraisal.platform.limits import InputTooLarge, load_yaml_text
from appraisal.platform.permissions import authorize, requires
from appraisal.platform.refusals import INVALID
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.schemes import services
from appraisal.tenants.schemes.models import Scheme
from appraisal.tenants.schemes.services import customise
from appraisal.tenants.schemes.views import bp, edit_permission

SECTION_LABELS = {
    "indicators": _l("指标分值"),
    "composition": _l("合成权重"),
    "quotas": _l("限额"),
    "grades": _l("等次分数线"),
    "awards": _l("奖励金额"),
}


@bp.route("/<int:scheme_id>/customise", methods=["GET", "POST"])
@requires("schemes.unit_manage", per_object=True)
def customise_view(scheme_id: int):
    scheme = get_or_404(Scheme, scheme_id)
    authorize(edit_permission(scheme), scheme)
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
            version = services.save_version(
                scheme, overrides=overrides, locks=chosen_locks, note=request.form.get("note", "").strip()
            )
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
        status = INVALID
    values = (
        {f.name: request.form.get(f.name, f.value) for f in fields}
        if request.method == "POST"
        else {f.name: f.shown for f in fields}
    )
    return render_template(
        "schemes/customise.html",
        scheme=scheme,
        current=current,
        fields=fields,
        sections=SECTION_LABELS,
        values=values,
        field_errors=field_errors,
        general_errors=general_errors,
        overrides_text=overrides_text,
        candidates=candidates,
        chosen_locks=chosen_locks,
        locked=locked,
        lock_label=lambda path: customise.lock_label(path, current.content),
    ), status


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
