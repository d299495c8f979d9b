"""Score entry screens: my tasks, the grid, letter items, bulk upload, one
appraisee's page and one score's history."""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.excel import XLSX
from appraisal.platform.inputs import form_problem
from appraisal.platform.permissions import authorize, can, requires, scope_clause
from appraisal.platform.refusals import INVALID, form_status
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import paginate
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.forms import EvidenceForm, UploadForm
from appraisal.tenants.scoring.models import AdjustmentClaim, Score, ScoreRevision, Veto
from appraisal.tenants.scoring.services import adjustments, common, scores
from appraisal.tenants.scoring.services import upload as upload_scores
from appraisal.tenants.scoring.views import bp
from appraisal.tenants.scoring.views._shared import (
    CONFLICT,
    chosen_cycle,
    chosen_population,
    may_enter,
    penalty_rules,
    user_names,
    visible_appraisees,
)

# ---------------------------------------------------------------------------
# The hub: my tasks and the appraisees I may see
# ---------------------------------------------------------------------------


@bp.route("/")
@requires("claims.view")
def index():
    cycle = chosen_cycle()
    populations = services.populations_of(cycle)
    tasks = scores.tasks_for(current_user, populations) if cycle is not None else []
    page = None
    if cycle is not None:
        stmt = visible_appraisees(select(Appraisee).where(Appraisee.cycle_id == cycle.id))
        population_id = request.args.get("population", type=int)
        if population_id:
            stmt = stmt.where(Appraisee.population_id == population_id)
        q = (request.args.get("q") or "").strip()
        if q:
            stmt = stmt.where(Appraisee.name.contains(q, autoescape=True))
        page = paginate(stmt.order_by(Appraisee.population_id, Appraisee.sort_order, Appraisee.id))
    return render_template(
        "scoring/index.html",
        cycle=cycle,
        cycles=services.cycles_list(),
        populations=populations,
        tasks=tasks,
        page=page,
        population_names={p.id: p.name for p in populations},
    )


# ---------------------------------------------------------------------------
# The grid: appraisees × the indicators the user assesses
# ---------------------------------------------------------------------------


def _grid_context(population: Population, *, values=None, errors=None):
    cycle = db.session.get(Cycle, population.cycle_id)
    columns = scores.columns_for(current_user, population)
    if not columns:
        authorize("scores.view", services.NOTHING)  # 403 unless office
    allowed = scores.columns_for(current_user, population, "scores.enter")
    enterable = {c.code for c in allowed if c.open_in(cycle)}
    stmt = select(Appraisee).where(Appraisee.population_id == population.id)
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Appraisee.name.contains(q, autoescape=True))
    group = request.args.get("group") or ""
    if group:
        stmt = stmt.where(Appraisee.ranking_group == group)
    page = paginate(stmt.order_by(Appraisee.sort_order, Appraisee.id), per_page=50)
    common.preload_people(page.items)
    current = scores.scores_by_cell(a.id for a in page.items)
    scored, total = scores.progress(population, columns, len(population.appraisees))
    groups = sorted({a.ranking_group for a in population.appraisees if a.ranking_group})
    heads = []  # (indicator name, number of its columns) when an indicator has several
    for column in columns:
        if heads and heads[-1][0] == column.indicator_key:
            heads[-1][2] += 1
        else:
            heads.append([column.indicator_key, column.name, 1])
    return {
        "population": population,
        "cycle": cycle,
        "columns": columns,
        "enterable": enterable,
        "page": page,
        "current": current,
        "users": user_names(s.entered_by_id for s in current.values()),
        "scored": scored,
        "total": total,
        "groups": groups,
        "editable": bool(enterable),
        "may_ever": bool(allowed),
        "heads": [(name, span) for _key, name, span in heads] if any(c.item_name for c in columns) else [],
        "values": values or {},
        "errors": errors or {},
    }


@bp.route("/grid")
@requires("scores.view")
def grid():
    population = chosen_population()
    return render_template("scoring/grid.html", **_grid_context(population))


def _form_entries(population: Population, columns_of, *, only_row: str = "") -> list[scores.Entry]:
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


def _save(entries, render):
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


@bp.route("/grid", methods=["POST"])
@requires("scores.enter")
def grid_save():
    population = chosen_population()
    by_code = {c.code: c for c in scores.scheme_columns(population)}
    row = request.form.get("row", "")
    entries = _form_entries(population, lambda a: by_code)
    # "保存本行" saves that row; what was typed in other rows stays on the page, unsaved, never dropped
    others = [e for e in entries if row and str(e.appraisee.id) != row]
    kept = {e.where: e.value for e in others}
    response = _save(
        [e for e in entries if e not in others],
        lambda values, errors: render_template(
            "scoring/grid.html", **_grid_context(population, values={**kept, **values}, errors=errors)
        ),
    )
    if response:
        return response
    if others:
        flash(_("其他行还有 %(n)s 项改动尚未保存，仍保留在页面上；请点击“保存全部修改”。", n=len(others)), "info")
        return render_template("scoring/grid.html", **_grid_context(population, values=kept, errors={}))
    return redirect(request.full_path)


# ---------------------------------------------------------------------------
# Letter items: the sector group scores its departments' business items
# ---------------------------------------------------------------------------


def _items_context(population: Population, *, values=None, errors=None):
    cycle = db.session.get(Cycle, population.cycle_id)
    stmt = select(Appraisee).where(Appraisee.population_id == population.id)
    if not scores.scores_all_items(current_user, population):
        stmt = stmt.where(scope_clause(current_user, "scores.view", Appraisee.unit_path))
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Appraisee.name.contains(q, autoescape=True))
    page = paginate(stmt.order_by(Appraisee.sort_order, Appraisee.id), per_page=10)
    common.preload_people(page.items)
    columns = scores.item_columns(population, [a.id for a in page.items])
    rows = []
    for appraisee in page.items:
        visible = [c for c in columns.get(appraisee.id, []) if can(current_user, "scores.view", c.cell(appraisee))]
        rows.append((appraisee, visible))
    current = scores.scores_by_cell(a.id for a in page.items)
    return {
        "population": population,
        "cycle": cycle,
        "rows": rows,
        "page": page,
        "current": current,
        "users": user_names(s.entered_by_id for s in current.values()),
        "editable": may_enter(cycle),
        "values": values or {},
        "errors": errors or {},
        "may_enter": lambda c, a: can(current_user, "scores.enter", c.cell(a)),
    }


def _require_some_cells(population: Population) -> None:
    """403 unless the user scores something in this population (letter items or columns)."""
    if not scores.scores_items(current_user, population) and not scores.columns_for(current_user, population):
        authorize("scores.view", services.NOTHING)


@bp.route("/items")
@requires("scores.view")
def items():
    population = chosen_population()
    _require_some_cells(population)
    return render_template("scoring/items.html", **_items_context(population))


@bp.route("/items", methods=["POST"])
@requires("scores.enter")
def items_save():
    population = chosen_population()
    _require_some_cells(population)

    def columns_of(appraisee):
        return {c.code: c for c in scores.item_columns(population, [appraisee.id]).get(appraisee.id, [])}

    entries = _form_entries(population, columns_of)
    response = _save(
        entries,
        lambda values, errors: render_template(
            "scoring/items.html", **_items_context(population, values=values, errors=errors)
        ),
    )
    return response or redirect(request.full_path)


# ---------------------------------------------------------------------------
# Bulk upload
# ---------------------------------------------------------------------------


@bp.route("/template.xlsx")
@requires("scores.enter")
def upload_template():
    population = chosen_population()
    if not scores.columns_for(current_user, population, "scores.enter"):
        authorize("scores.enter", services.NOTHING)
    return send_file(
        BytesIO(upload_scores.template_workbook(population, current_user)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"评分模板-{population.name}.xlsx",
    )


@bp.route("/upload", methods=["GET", "POST"])
@requires("scores.enter")
def upload():
    population = chosen_population()
    columns = scores.columns_for(current_user, population, "scores.enter")
    if not columns:
        authorize("scores.enter", services.NOTHING)
    form = UploadForm()
    result, issues, status = None, [], 200
    if request.method == "POST":
        status = form_status()
        if form.validate_on_submit():
            data = form.file.data.read()
            try:
                result = upload_scores.apply_upload(population, current_user, form.file.data.filename or "", data)
                status = 200
            except upload_scores.UploadInvalid as exc:
                issues = exc.issues
    return render_template(
        "scoring/upload.html", population=population, columns=columns, form=form, result=result, issues=issues
    ), status


# ---------------------------------------------------------------------------
# One appraisee: scores, claims, penalties, vetoes, self-report
# ---------------------------------------------------------------------------


def _appraisee_context(appraisee: Appraisee, *, values=None, errors=None):
    population = db.session.get(Population, appraisee.population_id)
    cycle = db.session.get(Cycle, appraisee.cycle_id)
    columns = scores.scheme_columns(population) + scores.item_columns(population, [appraisee.id]).get(appraisee.id, [])
    visible = [c for c in columns if can(current_user, "scores.view", c.cell(appraisee))]
    current = scores.scores_by_cell([appraisee.id])
    claims = list(
        db.session.scalars(
            select(AdjustmentClaim)
            .where(AdjustmentClaim.appraisee_id == appraisee.id)
            .order_by(AdjustmentClaim.id.desc())
        )
    )
    vetoes = (
        list(db.session.scalars(select(Veto).where(Veto.appraisee_id == appraisee.id).order_by(Veto.id.desc())))
        if can(current_user, "vetoes.view", appraisee)
        else []
    )
    report = adjustments.self_report_of(appraisee) if can(current_user, "self_report.view", appraisee) else None
    files = {
        "score": evidence.evidence_of("score", [s.id for s in current.values()]),
        "claim": evidence.evidence_of("claim", [c.id for c in claims]),
        "veto": evidence.evidence_of("veto", [v.id for v in vetoes]),
        "self_report": evidence.evidence_of("self_report", [report.id] if report else []),
    }
    rules = services.rules_of(population)
    user_ids = (
        [s.entered_by_id for s in current.values()]
        + [c.created_by_id for c in claims]
        + [c.decided_by_id for c in claims]
        + [v.recorded_by_id for v in vetoes]
    )
    subject = services.subject_of(appraisee, population)
    return {
        "appraisee": appraisee,
        "population": population,
        "cycle": cycle,
        "columns": visible,
        "current": current,
        "claims": claims,
        "vetoes": vetoes,
        "report": report,
        "files": files,
        "rules": rules,
        "veto_rules": services.vetoes_of(population),
        "users": user_names(user_ids),
        "editable": any(c.open_in(cycle) for c in visible),
        "values": values or {},
        "errors": errors or {},
        "may_enter": lambda c: c.open_in(cycle) and can(current_user, "scores.enter", c.cell(appraisee)),
        "any_open": any(c.open_in(cycle) and can(current_user, "scores.enter", c.cell(appraisee)) for c in visible),
        "may_claim": can(current_user, "claims.create", subject) and any(r.kind == "bonus" for r in rules.values()),
        "may_penalise": bool(penalty_rules(population, appraisee)),
        "may_veto": can(current_user, "vetoes.record", subject) and bool(services.vetoes_of(population)),
        "may_report": can(current_user, "self_report.edit", appraisee),
        "may_verify": lambda c: can(
            current_user, "claims.verify", services.subject_of(appraisee, population, c.rule_key)
        ),
        "points": lambda c: adjustments.rule_points(population, c),
    }


@bp.route("/appraisees/<int:appraisee_id>")
@requires("claims.view", load=Appraisee)
def appraisee(appraisee):
    return render_template("scoring/appraisee.html", **_appraisee_context(appraisee))


@bp.route("/appraisees/<int:appraisee_id>/scores", methods=["POST"])
@requires("scores.enter", per_object=True)
def appraisee_save(appraisee_id):
    appraisee = get_or_404(Appraisee, appraisee_id)
    population = db.session.get(Population, appraisee.population_id)
    columns = {
        c.code: c
        for c in scores.scheme_columns(population)
        + scores.item_columns(population, [appraisee.id]).get(appraisee.id, [])
    }
    entries = _form_entries(population, lambda a: columns, only_row=str(appraisee.id))
    if not entries:
        authorize(
            "scores.enter",
            next(
                (c.cell(appraisee) for c in columns.values() if can(current_user, "scores.enter", c.cell(appraisee))),
                services.NOTHING,
            ),
        )
    response = _save(
        entries,
        lambda values, errors: render_template(
            "scoring/appraisee.html", **_appraisee_context(appraisee, values=values, errors=errors)
        ),
    )
    return response or redirect(url_for("scoring.appraisee", appraisee_id=appraisee.id))


# ---------------------------------------------------------------------------
# One score: its history and evidence
# ---------------------------------------------------------------------------


@bp.route("/scores/<int:score_id>")
@requires("scores.view", load=Score)
def score(score):
    appraisee = score.appraisee
    population = db.session.get(Population, appraisee.population_id)
    column = scores.column_of(population, appraisee, score.indicator_key, score.item_key)
    revisions = list(
        db.session.scalars(
            select(ScoreRevision).where(ScoreRevision.score_id == score.id).order_by(ScoreRevision.id.desc())
        )
    )
    return render_template(
        "scoring/score.html",
        score=score,
        appraisee=appraisee,
        column=column,
        revisions=revisions,
        files=evidence.evidence_of("score", [score.id]).get(score.id, []),
        users=user_names([r.actor_user_id for r in revisions]),
        form=EvidenceForm(),
        may_upload=can(current_user, "scores.enter", score),
    )
