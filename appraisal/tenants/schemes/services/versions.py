"""Schemes in use: adopt a template, customise it, save versions."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal import engine
from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.platform.inputs import text_problem
from appraisal.platform.permissions import actor_id
from appraisal.platform.refusals import Refusal
from appraisal.tenants.schemes.models import AppraiseeKind, Scheme, SchemeVersion


class SchemeChangeError(Refusal):
    """The customisation does not validate; ``errors`` lists every problem."""

    def __init__(self, errors: list) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


#: The lengths Scheme.key and Scheme.name hold.
MAX_KEY, MAX_NAME = 64, 200


def _name_problems(key: str, name: str) -> list[str]:
    """Why the scheme's key or name cannot be stored (field first), or []."""
    problems = []
    for label, value, limit in ((_("方案标识"), key, MAX_KEY), (_("方案名称"), name, MAX_NAME)):
        problem = text_problem(value, one_line=True)
        if problem is None and len(value) > limit:
            problem = _("不能超过 %(max)s 个字符（现有 %(n)s 个）", max=limit, n=len(value))
        if problem is not None:
            problems.append(f"{label}：{problem}")
    return problems


def scheme_by_key(key: str) -> Scheme | None:
    return db.session.scalar(select(Scheme).where(Scheme.key == key))


def latest_version(scheme: Scheme) -> SchemeVersion | None:
    return db.session.scalar(
        select(SchemeVersion)
        .where(SchemeVersion.scheme_id == scheme.id)
        .order_by(SchemeVersion.version.desc())
        .limit(1)
    )


def latest_versions(schemes: list[Scheme]) -> dict[int, SchemeVersion]:
    """Each scheme's latest version (scheme id → version), in one query."""
    newest = (
        select(SchemeVersion.scheme_id, func.max(SchemeVersion.version).label("version"))
        .where(SchemeVersion.scheme_id.in_([s.id for s in schemes]))
        .group_by(SchemeVersion.scheme_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(SchemeVersion).join(
            newest, (SchemeVersion.scheme_id == newest.c.scheme_id) & (SchemeVersion.version == newest.c.version)
        )
    )
    return {version.scheme_id: version for version in rows}


def engine_scheme(version: SchemeVersion) -> engine.Scheme:
    """The engine's scheme for a saved version (validated again on load)."""
    return engine.build_scheme(version.content, source=f"scheme version {version.id}")


def _merged(template_key: str, overrides: dict[str, Any], locks: list[str], parent_locks: list[str]) -> engine.Scheme:
    """Template + overrides; the parent's locks may not be touched, ``locks`` are added."""
    base = engine.load_template(template_key)
    try:
        return engine.merge(base, overrides, locks=parent_locks, add_locks=locks, source=template_key)
    except engine.SchemeErrors as exc:
        raise SchemeChangeError(list(exc.errors)) from None


def adopt_template(
    *,
    template_key: str,
    key: str,
    name: str,
    overrides: dict | None = None,
    locks: list[str] | None = None,
    owner_unit_id: int | None = None,
    parent: Scheme | None = None,
    allowed_for_units: bool = False,
    note: str = "",
) -> SchemeVersion:
    """Create a tenant scheme from a built-in template (version 1)."""
    if problems := _name_problems(key, name):
        raise SchemeChangeError(problems)
    if scheme_by_key(key) is not None:
        raise SchemeChangeError([_("方案标识 %(key)s 已存在", key=key)])
    template = engine.load_template(template_key)
    scheme = Scheme(
        key=key,
        name=name,
        template_key=template_key,
        appraisee_kind=AppraiseeKind("unit" if template.appraisee_kind == "unit" else "person"),
        owner_unit_id=owner_unit_id,
        parent_scheme_id=parent.id if parent else None,
        allowed_for_units=allowed_for_units,
    )
    db.session.add(scheme)
    db.session.flush()
    audit.record("scheme.create", scheme, after=audit.snapshot(scheme), label=scheme.name)
    return save_version(scheme, overrides=overrides or {}, locks=locks or [], note=note or "采用模板")


def parent_locks(scheme: Scheme) -> list[str]:
    if scheme.parent_scheme_id is None:
        return []
    parent = scheme.parent
    version = latest_version(parent) if parent else None
    return list(version.content.get("locks", [])) if version else []


def save_version(scheme: Scheme, *, overrides: dict, locks: list[str], note: str = "") -> SchemeVersion:
    """Validate template + overrides (within the parent's locks) and save a new version."""
    merged = _merged(scheme.template_key, overrides, locks, parent_locks(scheme))
    number = (
        db.session.scalar(select(func.max(SchemeVersion.version)).where(SchemeVersion.scheme_id == scheme.id)) or 0
    ) + 1
    version = SchemeVersion(
        scheme_id=scheme.id,
        version=number,
        overrides=overrides,
        locks=list(locks),
        content=merged.model_dump(mode="json"),
        content_hash=engine.scheme_hash(merged),
        note=note,
        created_by_id=actor_id(),
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "scheme.version",
        version,
        object_type="SchemeVersion",
        after={
            "scheme": scheme.key,
            "version": number,
            "overrides": overrides,
            "locks": list(locks),
            "hash": version.content_hash,
        },
        label=f"{scheme.name} v{number}",
    )
    return version


def adopt_for_unit(parent: Scheme, *, unit, key: str, name: str) -> SchemeVersion:
    """A unit admin adopts an office staff scheme the office allows, for their own staff.
    It starts from the office's customisation and stays within the office's locks."""
    if not parent.allowed_for_units or parent.owner_unit_id is not None:
        raise SchemeChangeError([_("考核办未允许各单位采用此方案")])
    base = latest_version(parent)
    return adopt_template(
        template_key=parent.template_key,
        key=key,
        name=name,
        overrides=dict(base.overrides) if base else {},
        owner_unit_id=unit.id,
        parent=parent,
        note=f"采用考核办方案“{parent.name}”",
    )


def set_allowed_for_units(scheme: Scheme, allowed: bool) -> None:
    if scheme.allowed_for_units != allowed:
        scheme.allowed_for_units = allowed
        audit.record(
            "scheme.allow_units",
            scheme,
            before={"allowed_for_units": not allowed},
            after={"allowed_for_units": allowed},
            label=scheme.name,
        )


def template_content(template_key: str) -> dict:
    return engine.load_template(template_key).model_dump(mode="json")
