"""What the scoring routes share: choosing the cycle and population from the
query string, the appraisees a user may see, user names, labels, reading the
changed score cells from a form and saving them (grid, letter items, one
appraisee)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from appraisal.platform.db import db
from appraisal.platform.inputs import form_problem
from appraisal.platform.models import User
from appraisal.platform.permissions import authorize, can, scope_clause
from appraisal.platform.refusals import INVALID, Refusal, refuse
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.org.models import Person
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.models import AdjustmentKind, ClaimStatus
from appraisal.tenants.scoring.services import common, scores

#: A score saved over someone else's newer one.
CONFLICT = 409

STATUS_LABELS = {
    ClaimStatus.CLAIMED: _l("待核实"),
    ClaimStatus.VERIFIED: _l("已核实"),
    ClaimStatus.REJECTED: _l("未通过"),
    ClaimStatus.WITHDRAWN: _l("已撤回"),
}
STATUS_BADGES = {
    ClaimStatus.CLAIMED: "warn",
    ClaimStatus.VERIFIED: "ok",
    ClaimStatus.REJECTED: "danger",
    ClaimStatus.WITHDRAWN: "",
}
KIND_LABELS = {AdjustmentKind.BONUS: _l("加分"), AdjustmentKind.PENALTY: _l("扣分")}


def chosen_population() -> Population:
    """The population of ``?population=`` (404 for another tenant's); without
    one, back to the hub to choose."""
    population_id = request.args.get("population", type=int)
    if not population_id:
        abort(redirect(url_for("scoring.index")))
    return get_or_404(Population, population_id)


def visible_appraisees(stmt, action: str = "claims.view"):
    """Appraisees ``action`` covers (subtree scopes in SQL) or the user's own."""
    return stmt.outerjoin(Person, Appraisee.person_id == Person.id).where(
        or_(scope_clause(current_user, action, Appraisee.unit_path), Person.user_id == current_user.id)
    )


def user_names(ids) -> dict[int, str]:
    """User id → display name, for "entered by" columns."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def may_enter(cycle: Cycle) -> bool:
    return cycle.phase == Phase.SCORING or cycle.phase == Phase.APPEALS


def penalty_rules(population: Population, appraisee: Appraisee) -> list:
    """The penalty rules the user may record for this appraisee."""
    return [
        r
        for r in services.rules_of(population).values()
        if r.kind == "penalty"
        and can(current_user, "penalties.record", services.subject_of(appraisee, population, r.key))
    ]


def form_entries(population: Population, columns_of, *, only_row: str = "") -> list[scores.Entry]:
    """Cells the user changed: ``v|<appraisee>|<code>`` differs from ``o|...``
    (or the comment ``c|`` from ``oc|``)."""
    form = request.form
    wanted = {}
    for key in form:
        if not key.startswith("v|"):
            continue
        cell = key[2:]
        appraisee_id, _sep, code = cell.partition("|")
        if only_row and appraisee_id != only_row:
            continue
        value, original = form.get(key, "").strip(), form.get(f"o|{cell}", "").strip()
        comment = form.get(f"c|{cell}")
        comment_changed = comment is not None and comment.strip() != form.get(f"oc|{cell}", "").strip()
        if value == original and not comment_changed:
            continue
        wanted[cell] = (appraisee_id, code, value, comment)
    if not wanted:
        return []
    ids = set()
    for appraisee_id, *_rest in wanted.values():
        try:
            ids.add(int(appraisee_id))
        except ValueError:
            abort(400)
    members = {
        a.id: a
        for a in db.session.scalars(
            select(Appraisee).where(Appraisee.id.in_(ids), Appraisee.population_id == population.id)
        )
    }
    if len(members) != len(ids):
        abort(404)
    common.preload_people(members.values())
    entries = []
    for cell, (appraisee_id, code, value, comment) in wanted.items():
        appraisee = members[int(appraisee_id)]
        column = columns_of(appraisee).get(code)
        if column is None:
            abort(400)
        reason = (form.get(f"r|{cell}") or form.get(f"r|{appraisee_id}") or "").strip()
        entries.append(
            scores.Entry(
                appraisee=appraisee,
                column=column,
                value=value,
                seen_version=form.get(f"s|{cell}", 0, type=int) or 0,
                comment=comment if comment is not None else None,
                reason=reason,
                where=cell,
            )
        )
    return entries


def save_cells(entries, render):
    """Save or explain: (response or None). ``render(values, errors)`` re-renders the form."""
    for entry in entries:
        authorize("scores.enter", entry.column.cell(entry.appraisee))
    if problem := form_problem(request.form):  # a NUL byte in a reason or a comment
        flash(problem, "error")
        return render({e.where: e.value for e in entries}, {}), INVALID
    try:
        saved = scores.save_entries(entries, current_user)
    except scores.ScoreConflict as exc:
        users = user_names(c.current.entered_by_id for c in exc.conflicts if c.current is not None)
        return render_template(
            "scoring/conflict.html", conflicts=exc.conflicts, users=users, back=request.full_path
        ), CONFLICT
    except scores.ScoreInvalid as exc:
        errors, general = {}, []
        for entry, message in exc.problems:
            if entry is None:
                general.append(message)
            else:
                errors[entry.where] = message
        for message in general:
            flash(message, "error")
        values = {e.where: e.value for e in entries}
        return render(values, errors), INVALID
    if saved:
        flash(_("已保存 %(n)s 项评分。", n=len(saved)), "success")
    else:
        flash(_("没有需要保存的修改。"), "info")
    return None


#: what refuses an adjustment with files: the adjustment itself, or one of its files
REFUSED = (services.ScoringError, evidence.EvidenceError)


def claim_subject(appraisee: Appraisee):
    """An appraisee as claims and vetoes judge it (its person, unit, owning unit)."""
    return services.subject_of(appraisee, db.session.get(Population, appraisee.population_id))


def create_with_files(form, owner_type: str, create):
    """Create a claim, penalty or veto and attach the form's files as one: a refusal
    of the object or of any file becomes the form's error and nothing is kept."""
    try:
        item = create()
        evidence.attach_files(owner_type, item.id, request.files.getlist(form.files.name))
    except REFUSED as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return None
    return item


def refused(reason: str | BaseException, appraisee: Appraisee):
    """A refused button (no form to re-render): the platform's :func:`refuse` rolls
    back and shows why on the message page (422), whose link back to the appraisee
    is read after the rollback."""
    exc = reason if isinstance(reason, BaseException) else Refusal(reason)
    return refuse(
        exc,
        "scoring/message.html",
        title=_("操作未完成"),
        page=lambda: {"back": url_for("scoring.appraisee", appraisee_id=appraisee.id)},
    )
