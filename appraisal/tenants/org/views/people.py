"""People: the roster list, one person, create, edit, deactivate, link an account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.platform import accounts
from appraisal.platform.permissions import authorize, can, requires
from appraisal.platform.refusals import form_status, refuse
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import paginate
from appraisal.tenants.org import services
from appraisal.tenants.org.forms import (
    LinkUserForm,
    PeopleFilterForm,
    PersonForm,
    options,
)
from appraisal.tenants.org.models import OrgUnit, Person, PersonCategory
from appraisal.tenants.org.services import units_where
from appraisal.tenants.org.views import bp
from appraisal.tenants.org.views._shared import choice_label, people_query, unit_labels_for, valid


def _staff_no_free(form: PersonForm, person: Person | None) -> bool:
    staff_no = (form.staff_no.data or "").strip() if request.method == "POST" else ""
    other = services.person_by_staff_no(staff_no) if staff_no else None
    if other is None or (person is not None and other.id == person.id):
        return True
    form.staff_no.errors = [*form.staff_no.errors, _("工号 %(no)s 已被其他人员使用", no=staff_no)]
    return False


@bp.route("/people/")
@requires("people.view")
def people():
    form = PeopleFilterForm(request.args)
    page = paginate(people_query(form))
    return render_template("org/people.html", page=page, form=form, unit_names=unit_labels_for(page.items))


@bp.route("/people/<int:person_id>")
@requires("people.view", load=Person)
def person(person: Person):
    return render_template("org/person.html", **_person_page(person, LinkUserForm()))


def _person_page(person: Person, link_form: LinkUserForm) -> dict:
    """What the person page shows (with ``link_form`` for linking an account)."""
    linked = person.user
    if request.method == "GET" and linked is not None:
        link_form.email.data = linked.email
    return {
        "person": person,
        "ancestors": services.ancestors(person.unit),
        "linked": linked,
        "link_form": link_form,
        "may_edit": can(current_user, "people.edit", person),
    }


def _unit_choices() -> list[tuple[int, str]]:
    units = units_where(current_user, "people.edit")
    return [(u.id, choice_label(u, depth)) for u, depth in services.in_tree_order(units)]


def _person_values(form: PersonForm) -> dict:
    """The person's fields as the services take them (the unit is checked by the view)."""
    return {
        "staff_no": form.staff_no.data,
        "name": form.name.data,
        "category": form.category.data,
        "position": form.position.data or "",
        "leader_role": form.leader_role.data,
        "sort_order": form.sort_order.data or 0,
    }


@bp.route("/units/<int:unit_id>/people/new", methods=["GET", "POST"])
@requires("people.edit", load=OrgUnit)
def person_new(unit: OrgUnit):
    form = PersonForm()
    form.unit_id.choices = options(_unit_choices())
    if request.method == "GET":
        form.unit_id.data = unit.id
        form.category.data = PersonCategory.SECTION_LEVEL.value
    if valid(form, lambda f: _staff_no_free(f, None)):
        target = get_or_404(OrgUnit, form.unit_id.data)
        authorize("people.edit", target)
        try:
            person = services.create_person(unit=target, **_person_values(form))
        except services.OrgError as exc:
            return refuse(exc, "org/person_form.html", form=form, person=None, unit=unit)
        flash(_("已新增人员“%(name)s”。", name=person.name), "success")
        return redirect(url_for("org.person", person_id=person.id))
    return render_template("org/person_form.html", form=form, person=None, unit=unit), form_status()


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires("people.edit", load=Person)
def person_edit(person: Person):
    form = PersonForm(obj=person)
    form.unit_id.choices = options(_unit_choices())
    if request.method == "GET":
        form.category.data = person.category.value
        form.leader_role.data = person.leader_role.value
    if valid(form, lambda f: _staff_no_free(f, person)):
        target = get_or_404(OrgUnit, form.unit_id.data)
        authorize("people.edit", target)
        try:
            changed = services.update_person(person, unit=target, **_person_values(form))
        except services.OrgError as exc:
            return refuse(exc, "org/person_form.html", form=form, person=person, unit=person.unit)
        flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
        return redirect(url_for("org.person", person_id=person.id))
    return render_template("org/person_form.html", form=form, person=person, unit=person.unit), form_status()


@bp.route("/people/<int:person_id>/active", methods=["POST"])
@requires("people.edit", load=Person)
def person_active(person: Person):
    active = request.form.get("active") == "1"
    try:
        services.set_person_active(person, active)
    except services.OrgError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已恢复在职。") if active else _("已停用（调离、退休等）；历史考核记录保留。"), "success")
    return redirect(url_for("org.person", person_id=person.id), code=303)


@bp.route("/people/<int:person_id>/account", methods=["POST"])
@requires("people.edit", load=Person)
def person_account(person: Person):
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
                return refuse(exc, "org/person.html", form=form, field="email", page=lambda: _person_page(person, form))
            if changed:
                flash(_("已关联登录账号。") if user else _("已取消关联。"), "success")
            return redirect(url_for("org.person", person_id=person.id), code=303)
    return render_template("org/person.html", **_person_page(person, form)), form_status()
