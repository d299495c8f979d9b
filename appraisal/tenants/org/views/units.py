"""The org tree and its units: browse, create, edit, move, deactivate."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform import notifications
from appraisal.platform.db import db
from appraisal.platform.permissions import authorize, can, requires, scope_clause
from appraisal.platform.refusals import form_status, refuse
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import paginate
from appraisal.tenants.org import services
from appraisal.tenants.org.forms import PeopleFilterForm, UnitForm, options
from appraisal.tenants.org.models import OrgUnit, UnitKind
from appraisal.tenants.org.services import TOP_LEVEL, can_restructure, parent_place, units_where
from appraisal.tenants.org.views import bp
from appraisal.tenants.org.views._shared import (
    choice_label,
    include_subtree,
    people_query,
    subtree_of,
    unit_labels_for,
    valid,
    xlsx_response,
)

# ---------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------


@dataclass
class Node:
    unit: OrgUnit
    direct: int = 0
    total: int = 0
    children: list[Node] = field(default_factory=list)


def _build_tree(units: list[OrgUnit], direct: dict[int, int]) -> list[Node]:
    totals = services.subtree_totals(units, direct)
    nodes = {u.id: Node(u, direct.get(u.id, 0), totals.get(u.id, 0)) for u in units}
    roots: list[Node] = []
    for unit, _depth in services.in_tree_order(units):
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[unit.id])
    return roots


@bp.route("/")
@requires("org.view")
def tree():
    show_inactive = request.args.get("inactive") == "1"
    stmt = select(OrgUnit).where(scope_clause(current_user, "org.view", OrgUnit.path))
    if not show_inactive:
        stmt = stmt.where(OrgUnit.active.is_(True))
    units = list(db.session.scalars(stmt))
    roots = _build_tree(units, services.people_counts())
    return render_template(
        "org/tree.html",
        roots=roots,
        unit_count=len(units),
        show_inactive=show_inactive,
        can_create_top=can(current_user, "org.edit", TOP_LEVEL),
    )


# ---------------------------------------------------------------------------
# One unit and its people
# ---------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>")
@requires("org.view", load=OrgUnit)
def unit(unit: OrgUnit):
    form = PeopleFilterForm(request.args)
    subtree = include_subtree(unit)
    page = paginate(people_query(form, within=unit, subtree=subtree))
    children = [c for c in unit.children if c.active or request.args.get("inactive") == "1"]
    counts = services.people_counts()
    return render_template(
        "org/unit.html",
        unit=unit,
        ancestors=services.ancestors(unit),
        children=children,
        counts=counts,
        totals=services.subtree_totals(subtree_of(unit), counts),
        page=page,
        form=form,
        subtree=subtree,
        unit_names=unit_labels_for(page.items),
        may_restructure=can_restructure(current_user, unit),
        urges=notifications.urges_of(unit.id),
    )


@bp.route("/units/<int:unit_id>/people.xlsx")
@requires("people.view", load=OrgUnit)
def unit_export(unit: OrgUnit):
    form = PeopleFilterForm(request.args)
    people = list(db.session.scalars(people_query(form, within=unit, subtree=include_subtree(unit))))
    units = {u.id: u for u in subtree_of(unit)}
    return xlsx_response(services.people_workbook(people, units), f"人员名单-{unit.name}.xlsx")


# ---------------------------------------------------------------------------
# Creating and editing units
# ---------------------------------------------------------------------------


def _parent_choices(unit: OrgUnit | None) -> list[tuple[int, str]]:
    """Where the user may put a unit: units they may edit, minus the unit's own subtree."""
    choices: list[tuple[int, str]] = []
    if can(current_user, "org.edit", TOP_LEVEL):
        choices.append((0, _("（无，顶级单位）")))
    editable = units_where(current_user, "org.edit")
    if unit is not None:
        editable = [u for u in editable if f"/{unit.id}/" not in u.path]
    choices += [(u.id, choice_label(u, depth)) for u, depth in services.in_tree_order(editable)]
    if unit is not None and unit.parent_id not in {value for value, _label in choices}:
        current = unit.parent
        choices.insert(0, (unit.parent_id or 0, choice_label(current, 0) if current else _("（无，顶级单位）")))
    return choices


def _kinds(current: UnitKind | None = None) -> list[UnitKind]:
    if can(current_user, "org.edit", TOP_LEVEL):
        return list(UnitKind)
    return [k for k in UnitKind if k not in services.OFFICE_ONLY_KINDS or k == current]


def _code_free(form: UnitForm, unit: OrgUnit | None) -> bool:
    code = (form.code.data or "").strip() if request.method == "POST" else ""
    other = services.unit_by_code(code) if code else None
    if other is None or (unit is not None and other.id == unit.id):
        return True
    form.code.errors = [*form.code.errors, _("单位编码 %(code)s 已存在", code=code)]
    return False


def _unit_values(form: UnitForm) -> dict:
    """The unit's fields as the services take them (the parent is checked by the view)."""
    return {
        "code": form.code.data,
        "name": form.name.data,
        "kind": form.kind.data,
        "sort_order": form.sort_order.data or 0,
    }


def _unit_or_top(unit_id: int | None):
    return get_or_404(OrgUnit, unit_id) if unit_id else None


@bp.route("/units/new", methods=["GET", "POST"])
@requires("org.edit", per_object=True)
def unit_new():
    parent_arg = request.args.get("parent", type=int)
    if parent_arg:
        parent = get_or_404(OrgUnit, parent_arg)
    elif can(current_user, "org.edit", TOP_LEVEL):
        parent = None
    else:
        editable = services.in_tree_order(units_where(current_user, "org.edit"))
        parent = editable[0][0] if editable else None
    authorize("org.edit", parent or TOP_LEVEL)
    form = UnitForm()
    form.set_kinds(_kinds())
    form.parent_id.choices = options(_parent_choices(None))
    if request.method == "GET":
        form.parent_id.data = parent.id if parent else 0
        form.kind.data = (
            UnitKind.SECTION
            if parent is not None and parent.kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT)
            else UnitKind.DEPARTMENT
        ).value
    if valid(form, lambda f: _code_free(f, None)):
        chosen = _unit_or_top(form.parent_id.data)
        authorize("org.edit", chosen or TOP_LEVEL)
        try:
            unit = services.create_unit(parent=chosen, **_unit_values(form))
        except services.OrgError as exc:
            return refuse(exc, "org/unit_form.html", form=form, unit=None, parent=parent)
        flash(_("已新增单位“%(name)s”。", name=unit.name), "success")
        return redirect(url_for("org.unit", unit_id=unit.id))
    return render_template("org/unit_form.html", form=form, unit=None, parent=parent), form_status()


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires("org.edit", load=OrgUnit)
def unit_edit(unit: OrgUnit):
    movable = can_restructure(current_user, unit)
    form = UnitForm(obj=unit)
    form.set_kinds(_kinds(unit.kind))
    form.parent_id.choices = options(
        _parent_choices(unit)
        if movable
        else [(unit.parent_id or 0, unit.parent.name if unit.parent else _("（无，顶级单位）"))]
    )
    if request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
        form.kind.data = unit.kind.value
    if valid(form, lambda f: _code_free(f, unit)):
        new_parent = _unit_or_top(form.parent_id.data)
        if (new_parent.id if new_parent else None) != unit.parent_id:
            authorize("org.edit", parent_place(unit))
            authorize("org.edit", new_parent or TOP_LEVEL)
        try:
            changed = services.update_unit(unit, parent=new_parent, **_unit_values(form))
        except services.OrgError as exc:
            return refuse(exc, "org/unit_form.html", form=form, unit=unit, movable=movable)
        flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
        return redirect(url_for("org.unit", unit_id=unit.id))
    return render_template("org/unit_form.html", form=form, unit=unit, movable=movable), form_status()


@bp.route("/units/<int:unit_id>/active", methods=["POST"])
@requires("org.edit", load=OrgUnit)
def unit_active(unit: OrgUnit):
    authorize("org.edit", parent_place(unit))  # not one's own unit: that is the office's call
    active = request.form.get("active") == "1"
    try:
        services.set_unit_active(unit, active)
    except services.OrgError as exc:
        flash(str(exc), "error")
        return redirect(url_for("org.unit", unit_id=unit.id), code=303)
    flash(_("已启用“%(name)s”。", name=unit.name) if active else _("已停用“%(name)s”。", name=unit.name), "success")
    return redirect(url_for("org.unit", unit_id=unit.id), code=303)
