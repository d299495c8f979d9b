"""Score entry screens: my tasks, the grid, letter items, bulk upload (one
appraisee's page and one score's history are in :mod:`.appraisees`)."""

from __future__ import annotations

from io import BytesIO

from flask import flash, redirect, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform import staged
from appraisal.platform.db import db
from appraisal.platform.excel import XLSX
from appraisal.platform.permissions import authorize, can, requires, scope_clause
from appraisal.platform.refusals import form_status
from appraisal.platform.web import paginate
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.scoring import services
from appraisal.tenants.scoring.forms import ConfirmUploadForm, UploadForm
from appraisal.tenants.scoring.services import common, scores
from appraisal.tenants.scoring.services import upload as upload_scores
from appraisal.tenants.scoring.views import bp
from appraisal.tenants.scoring.views._shared import (
    chosen_population,
    form_entries,
    may_enter,
    save_cells,
    user_names,
    visible_appraisees,
)

# ---------------------------------------------------------------------------
# The hub: my tasks and the appraisees I may see
# ---------------------------------------------------------------------------


@bp.route("/")
@requires("claims.view")
def index():
    cycle = cycles.selected_cycle()
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
        cycles=cycles.all_cycles(),
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


@bp.route("/grid", methods=["POST"])
@requires("scores.enter")
def grid_save():
    population = chosen_population()
    by_code = {c.code: c for c in scores.scheme_columns(population)}
    row = request.form.get("row", "")
    entries = form_entries(population, lambda a: by_code)
    # "保存本行" saves that row; what was typed in other rows stays on the page, unsaved, never dropped
    others = [e for e in entries if row and str(e.appraisee.id) != row]
    kept = {e.where: e.value for e in others}
    response = save_cells(
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

    entries = form_entries(population, columns_of)
    response = save_cells(
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
    """Upload → preview (nothing written, the file staged by its hash) → "确认导入",
    which checks the staged file again and writes it only if the preview still holds."""
    population = chosen_population()
    columns = scores.columns_for(current_user, population, "scores.enter")
    if not columns:
        authorize("scores.enter", services.NOTHING)
    form = UploadForm()
    context = {"population": population, "columns": columns, "form": form, "result": None, "issues": []}
    context.update(preview=None, confirm=None)

    def page(status=200):
        return render_template("scoring/upload.html", **context), status

    def previewed(filename, data):
        preview = upload_scores.preview_upload(population, current_user, filename, data)
        context["preview"] = preview
        if preview.changes:
            context["confirm"] = ConfirmUploadForm(
                formdata=None,
                digest=staged.stage(current_user.id, data),
                fingerprint=preview.fingerprint,
                filename=filename,
            )

    if request.method != "POST":
        return page()
    if "digest" in request.form:
        confirm = ConfirmUploadForm()
        filename = confirm.filename.data or ""
        data = staged.load(current_user.id, confirm.digest.data or "") if confirm.validate_on_submit() else None
        if data is None:
            flash(_("预览已过期或找不到预览的文件，未导入任何数据；请重新上传。"), "error")
            return page(form_status())
        try:
            check = upload_scores.preview_upload(population, current_user, filename, data)
            if check.fingerprint != confirm.fingerprint.data:
                flash(_("预览之后系统中的数据有变化，下面是按现在的数据重新生成的预览，请核对后再确认。"), "error")
                previewed(filename, data)
                return page(form_status())
            context["result"] = upload_scores.apply_upload(population, current_user, filename, data)
        except upload_scores.UploadInvalid as exc:
            flash(_("预览之后系统中的数据有变化，文件现在有问题，未导入任何数据。"), "error")
            context["issues"] = exc.issues
            return page(form_status())
        staged.discard(current_user.id, confirm.digest.data)
        return page()
    if not form.validate_on_submit():
        return page(form_status())
    filename = form.file.data.filename or ""
    try:
        previewed(filename, form.file.data.read())
    except upload_scores.UploadInvalid as exc:
        context["issues"] = exc.issues
        return page(form_status())
    return page()
