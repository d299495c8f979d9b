"""Browse and edit the org tree and people; import and export the roster.

Every route declares its permission; routes on one object load it with
``get_or_404`` (another tenant's id is a 404) and ``authorize`` it (a wrong
role or a unit outside the user's subtree is a 403). Lists are filtered in
SQL with ``scope_clause``. A refused change re-renders the form with status
422, so the request boundary rolls back whatever was touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, or_, select
from sqlalchemy.orm import contains_eager

from appraisal.platform import accounts
from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.permissions import authorize, can, requires, scope_clause
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import NavItem, paginate, tenant_blueprint
from appraisal.tenants.org import importer, labels, services, workbooks
from appraisal.tenants.org.access import (
    TOP_LEVEL,
    can_restructure,
    parent_place,
    units_where,
)
from appraisal.tenants.org.forms import (
    ImportForm,
    LinkUserForm,
    PeopleFilterForm,
    PersonForm,
    UnitForm,
    options,
)
from appraisal.tenants.org.models import OrgUnit, Person, PersonCategory, UnitKind

bp = tenant_blueprint("org", __name__, url_prefix="/org", template_folder="templates")

# One entry per blueprint: the layout highlights entries by blueprint, so the
# people list and the import are reached from the tree page's actions.
NAV = (NavItem("org.tree", _l("组织机构"), "org.view", icon="org", order=10),)

INVALID = 422


@bp.context_processor
def _org_helpers():
    return {
        "kind_label": labels.kind_label,
        "kind_badge": lambda kind: labels.UNIT_KIND_BADGES.get(UnitKind(kind), ""),
        "category_label": labels.category_label,
        "leader_label": labels.leader_label,
    }


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
        "org/tree.html", roots=roots, unit_count=len(units), show_inactive=show_inactive,
        can_create_top=can(current_user, "org.edit", TOP_LEVEL),
    )


# ---------------------------------------------------------------------------
# One unit and its people
# ---------------------------------------------------------------------------


def _people_query(form: PeopleFilterForm, *, within: OrgUnit | None = None, subtree: bool = False):
    stmt = (
        select(Person).join(OrgUnit, Person.unit_id == OrgUnit.id).options(contains_eager(Person.unit))
        .where(or_(scope_clause(current_user, "people.view", OrgUnit.path), Person.user_id == current_user.id))
    )
    if within is not None:
        if subtree:
            stmt = stmt.where(OrgUnit.path.startswith(within.path, autoescape=True))
        else:
            stmt = stmt.where(Person.unit_id == within.id)
    q = (form.q.data or "").strip()
    if q:
        stmt = stmt.where(or_(Person.name.contains(q, autoescape=True),
                              Person.staff_no.contains(q, autoescape=True)))
    if form.category.data in {c.value for c in PersonCategory}:
        stmt = stmt.where(Person.category == PersonCategory(form.category.data))
    status = form.status.data or "active"
    if status == "active":
        stmt = stmt.where(Person.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Person.active.is_(False))
    return stmt.order_by(_tree_order(within), Person.sort_order, Person.staff_no)


#: Above this many units a list falls back to ordering by path (ids compare as text).
MAX_RANKED_UNITS = 1000


def _tree_order(within: OrgUnit | None):
    """People grouped by unit in the tree's display order (a path sorts ids as
    text: /10/ before /9/), as a CASE over the units concerned."""
    stmt = select(OrgUnit).where(scope_clause(current_user, "people.view", OrgUnit.path))
    if within is not None:
        stmt = stmt.where(OrgUnit.path.startswith(within.path, autoescape=True))
    units = list(db.session.scalars(stmt.limit(MAX_RANKED_UNITS + 1)))
    if not units or len(units) > MAX_RANKED_UNITS:
        return OrgUnit.path
    ranks = {unit.id: rank for rank, (unit, _depth) in enumerate(services.in_tree_order(units))}
    return case(ranks, value=Person.unit_id, else_=len(ranks))


@bp.route("/units/<int:unit_id>")
@requires("org.view", per_object=True)
def unit(unit_id):
    unit = get_or_404(OrgUnit, unit_id)
    authorize("org.view", unit)
    form = PeopleFilterForm(request.args)
    subtree = _include_subtree(unit)
    page = paginate(_people_query(form, within=unit, subtree=subtree))
    children = [c for c in unit.children if c.active or request.args.get("inactive") == "1"]
    counts = services.people_counts()
    return render_template(
        "org/unit.html", unit=unit, ancestors=services.ancestors(unit), children=children,
        counts=counts, totals=services.subtree_totals(_subtree(unit), counts), page=page,
        form=form, subtree=subtree, unit_names=_names_of(page.items),
        may_restructure=can_restructure(current_user, unit),
    )


def _include_subtree(unit: OrgUnit) -> bool:
    """``?sub=1`` / ``?sub=0`` (the last one wins: the form sends a hidden 0
    before the checkbox); by default yes when the unit has units below it."""
    values = request.args.getlist("sub")
    if values:
        return values[-1] == "1"
    return any(child.active for child in unit.children)


def _subtree(unit: OrgUnit) -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(unit.path, autoescape=True))))


def _names_of(people) -> dict[int, str]:
    return services.unit_labels(p.unit_id for p in people)


def _xlsx(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=workbooks.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@bp.route("/units/<int:unit_id>/people.xlsx")
@requires("people.view", per_object=True)
def unit_export(unit_id):
    unit = get_or_404(OrgUnit, unit_id)
    authorize("people.view", unit)
    form = PeopleFilterForm(request.args)
    people = list(db.session.scalars(_people_query(form, within=unit, subtree=_include_subtree(unit))))
    units = {u.id: u for u in _subtree(unit)}
    return _xlsx(workbooks.people_workbook(people, units), f"人员名单-{unit.name}.xlsx")


# ---------------------------------------------------------------------------
# Creating and editing units
# ---------------------------------------------------------------------------


def _choice_label(unit: OrgUnit, depth: int) -> str:
    return f"{'　' * depth}{unit.name}（{unit.code}）"


def _parent_choices(unit: OrgUnit | None) -> list[tuple[int, str]]:
    """Where the user may put a unit: units they may edit, minus the unit's own subtree."""
    choices: list[tuple[int, str]] = []
    if can(current_user, "org.edit", TOP_LEVEL):
        choices.append((0, _("（无，顶级单位）")))
    editable = units_where(current_user, "org.edit")
    if unit is not None:
        editable = [u for u in editable if f"/{unit.id}/" not in u.path]
    choices += [(u.id, _choice_label(u, depth)) for u, depth in services.in_tree_order(editable)]
    if unit is not None and unit.parent_id not in {value for value, _label in choices}:
        current = unit.parent
        choices.insert(0, (unit.parent_id or 0, _choice_label(current, 0) if current else _("（无，顶级单位）")))
    return choices


def _kinds(current: UnitKind | None = None) -> list[UnitKind]:
    if can(current_user, "org.edit", TOP_LEVEL):
        return list(UnitKind)
    return [k for k in UnitKind if k not in importer.OFFICE_ONLY_KINDS or k == current]


def _valid(form, unique_check) -> bool:
    """Validate the form and, in the same round, whether its code is free, so
    that every problem is shown at once (the check adds its error after the
    form's own validation, which resets the fields' errors)."""
    valid = form.validate_on_submit()
    return unique_check(form) and valid


def _code_free(form: UnitForm, unit: OrgUnit | None) -> bool:
    code = (form.code.data or "").strip() if request.method == "POST" else ""
    other = services.unit_by_code(code) if code else None
    if other is None or (unit is not None and other.id == unit.id):
        return True
    form.code.errors = [*form.code.errors, _("单位编码 %(code)s 已存在", code=code)]
    return False


def _staff_no_free(form: PersonForm, person: Person | None) -> bool:
    staff_no = (form.staff_no.data or "").strip() if request.method == "POST" else ""
    other = services.person_by_staff_no(staff_no) if staff_no else None
    if other is None or (person is not None and other.id == person.id):
        return True
    form.staff_no.errors = [*form.staff_no.errors, _("工号 %(no)s 已被其他人员使用", no=staff_no)]
    return False


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
        form.kind.data = (UnitKind.SECTION if parent is not None and parent.kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT)
                          else UnitKind.DEPARTMENT).value
    if _valid(form, lambda f: _code_free(f, None)):
        chosen = _unit_or_top(form.parent_id.data)
        authorize("org.edit", chosen or TOP_LEVEL)
        try:
            unit = services.create_unit(code=form.code.data, name=form.name.data, kind=form.kind.data,
                                        parent=chosen, sort_order=form.sort_order.data or 0)
        except services.OrgError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("已新增单位“%(name)s”。", name=unit.name), "success")
            return redirect(url_for("org.unit", unit_id=unit.id))
    status = INVALID if request.method == "POST" else 200
    return render_template("org/unit_form.html", form=form, unit=None, parent=parent), status


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires("org.edit", per_object=True)
def unit_edit(unit_id):
    unit = get_or_404(OrgUnit, unit_id)
    authorize("org.edit", unit)
    movable = can_restructure(current_user, unit)
    form = UnitForm(obj=unit)
    form.set_kinds(_kinds(unit.kind))
    form.parent_id.choices = options(
        _parent_choices(unit) if movable else
        [(unit.parent_id or 0, unit.parent.name if unit.parent else _("（无，顶级单位）"))])
    if request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
        form.kind.data = unit.kind.value
    if _valid(form, lambda f: _code_free(f, unit)):
        new_parent = _unit_or_top(form.parent_id.data)
        if (new_parent.id if new_parent else None) != unit.parent_id:
            authorize("org.edit", parent_place(unit))
            authorize("org.edit", new_parent or TOP_LEVEL)
        try:
            changed = services.update_unit(unit, code=form.code.data, name=form.name.data, kind=form.kind.data,
                                           parent=new_parent, sort_order=form.sort_order.data or 0)
        except services.OrgError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
            return redirect(url_for("org.unit", unit_id=unit.id))
    status = INVALID if request.method == "POST" else 200
    return render_template("org/unit_form.html", form=form, unit=unit, movable=movable), status


@bp.route("/units/<int:unit_id>/active", methods=["POST"])
@requires("org.edit", per_object=True)
def unit_active(unit_id):
    unit = get_or_404(OrgUnit, unit_id)
    authorize("org.edit", unit)
    authorize("org.edit", parent_place(unit))  # not one's own unit: that is the office's call
    active = request.form.get("active") == "1"
    try:
        services.set_unit_active(unit, active)
    except services.OrgError as exc:
        flash(str(exc), "error")
        return redirect(url_for("org.unit", unit_id=unit.id), code=303)
    flash(_("已启用“%(name)s”。", name=unit.name) if active else _("已停用“%(name)s”。", name=unit.name), "success")
    return redirect(url_for("org.unit", unit_id=unit.id), code=303)


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


@bp.route("/people/")
@requires("people.view")
def people():
    form = PeopleFilterForm(request.args)
    page = paginate(_people_query(form))
    return render_template("org/people.html", page=page, form=form, unit_names=_names_of(page.items))


@bp.route("/people/<int:person_id>")
@requires("people.view", per_object=True)
def person(person_id):
    person = get_or_404(Person, person_id)
    authorize("people.view", person)
    return _person_page(person, LinkUserForm())


def _person_page(person: Person, link_form: LinkUserForm, status: int = 200):
    linked = db.session.get(User, person.user_id) if person.user_id else None
    if request.method == "GET" and linked is not None:
        link_form.email.data = linked.email
    return render_template(
        "org/person.html", person=person, ancestors=services.ancestors(person.unit), linked=linked,
        link_form=link_form, may_edit=can(current_user, "people.edit", person),
    ), status


def _unit_choices() -> list[tuple[int, str]]:
    units = units_where(current_user, "people.edit")
    return [(u.id, _choice_label(u, depth)) for u, depth in services.in_tree_order(units)]


@bp.route("/units/<int:unit_id>/people/new", methods=["GET", "POST"])
@requires("people.edit", per_object=True)
def person_new(unit_id):
    unit = get_or_404(OrgUnit, unit_id)
    authorize("people.edit", unit)
    form = PersonForm()
    form.unit_id.choices = options(_unit_choices())
    if request.method == "GET":
        form.unit_id.data = unit.id
        form.category.data = PersonCategory.SECTION_LEVEL.value
    if _valid(form, lambda f: _staff_no_free(f, None)):
        target = get_or_404(OrgUnit, form.unit_id.data)
        authorize("people.edit", target)
        try:
            person = services.create_person(
                staff_no=form.staff_no.data, name=form.name.data, unit=target, category=form.category.data,
                position=form.position.data or "", leader_role=form.leader_role.data,
                sort_order=form.sort_order.data or 0)
        except services.OrgError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("已新增人员“%(name)s”。", name=person.name), "success")
            return redirect(url_for("org.person", person_id=person.id))
    status = INVALID if request.method == "POST" else 200
    return render_template("org/person_form.html", form=form, person=None, unit=unit), status


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires("people.edit", per_object=True)
def person_edit(person_id):
    person = get_or_404(Person, person_id)
    authorize("people.edit", person)
    form = PersonForm(obj=person)
    form.unit_id.choices = options(_unit_choices())
    if request.method == "GET":
        form.category.data = person.category.value
        form.leader_role.data = person.leader_role.value
    if _valid(form, lambda f: _staff_no_free(f, person)):
        target = get_or_404(OrgUnit, form.unit_id.data)
        authorize("people.edit", target)
        try:
            changed = services.update_person(
                person, staff_no=form.staff_no.data, name=form.name.data, unit=target,
                category=form.category.data, position=form.position.data or "",
                leader_role=form.leader_role.data, sort_order=form.sort_order.data or 0)
        except services.OrgError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
            return redirect(url_for("org.person", person_id=person.id))
    status = INVALID if request.method == "POST" else 200
    return render_template("org/person_form.html", form=form, person=person, unit=person.unit), status


@bp.route("/people/<int:person_id>/active", methods=["POST"])
@requires("people.edit", per_object=True)
def person_active(person_id):
    person = get_or_404(Person, person_id)
    authorize("people.edit", person)
    active = request.form.get("active") == "1"
    try:
        services.set_person_active(person, active)
    except services.OrgError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已恢复在职。") if active else _("已停用（调离、退休等）；历史考核记录保留。"), "success")
    return redirect(url_for("org.person", person_id=person.id), code=303)


@bp.route("/people/<int:person_id>/account", methods=["POST"])
@requires("people.edit", per_object=True)
def person_account(person_id):
    person = get_or_404(Person, person_id)
    authorize("people.edit", person)
    form = LinkUserForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip()
        user = accounts.find_user(email) if email else None
        if email and user is None:
            form.email.errors.append(_("本单位没有这个登录账号，请先在“用户与角色”中创建"))
        else:
            try:
                changed = services.link_user(person, user)
            except services.OrgError as exc:
                form.email.errors.append(str(exc))
            else:
                if changed:
                    flash(_("已关联登录账号。") if user else _("已取消关联。"), "success")
                return redirect(url_for("org.person", person_id=person.id), code=303)
    return _person_page(person, form, INVALID)


# ---------------------------------------------------------------------------
# Roster import and export
# ---------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@requires("roster.import")
def roster_import():
    form = ImportForm()
    issues, result, filename = None, None, None
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or ""
        try:
            result = importer.import_roster(filename, upload.read(), current_user)
        except importer.RosterInvalid as exc:
            issues = exc.issues
    status = INVALID if request.method == "POST" and result is None else 200
    return render_template("org/import.html", form=form, issues=issues, result=result,
                           filename=filename), status


@bp.route("/import/template.xlsx")
@requires("roster.import")
def roster_template():
    return _xlsx(workbooks.template_workbook(), "名册导入模板.xlsx")


@bp.route("/export.xlsx")
@requires("roster.import")
def roster_export():
    units = list(db.session.scalars(
        select(OrgUnit).where(scope_clause(current_user, "org.edit", OrgUnit.path), OrgUnit.active.is_(True))
    ))
    units = [u for u, _depth in services.in_tree_order(units)]
    people = db.session.scalars(
        select(Person).join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(scope_clause(current_user, "people.edit", OrgUnit.path), Person.active.is_(True))
        .order_by(OrgUnit.path, Person.sort_order, Person.staff_no)
    )
    code_of = dict(db.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    return _xlsx(workbooks.roster_workbook(units, people, code_of), "名册.xlsx")
