"""The results index, leaderboards, computing and one appraisee's breakdown."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.jobs import JobsUnavailable
from appraisal.platform.permissions import can, requires
from appraisal.platform.web import Page
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Phase, Population
from appraisal.tenants.cycles.services import CycleError
from appraisal.tenants.results import services
from appraisal.tenants.results.models import RunStatus
from appraisal.tenants.results.services import evidence_links, leaderboard
from appraisal.tenants.results.services import publication as pub
from appraisal.tenants.results.views import bp
from appraisal.tenants.results.views._shared import quota_names

#: Boards longer than this are shown one group at a time, PAGE_ROWS rows a page.
LONG_BOARD = 300
PAGE_ROWS = 100


@bp.route("/")
@requires("results.view")
def index():
    cycle = cycles.selected_cycle(prefer=cycles.past_target_setting)
    rows = []
    published = cycle is not None and leaderboard.is_published(cycle.id)
    if cycle is not None:
        visible = []
        for population in db.session.scalars(
            select(Population).where(Population.cycle_id == cycle.id).order_by(Population.id)
        ):
            subject = leaderboard.population_subject(population, published=published)
            if can(current_user, "results.view", subject):
                visible.append((population, subject))
        # runs whose worker died are failed here too, but once for the page: one query, at most one commit
        services.fail_stale_runs([population for population, _subject in visible])
        rows = [
            (population, subject, services.current_run(population), services.last_run(population))
            for population, subject in visible
        ]
    publication = pub.publication_of(cycle) if cycle is not None else None
    own = (
        [
            o
            for o in leaderboard.own_results(cycle.id, current_user)
            if can(current_user, "results.view", leaderboard.appraisee_subject(o.appraisee, published=published))
        ]
        if cycle
        else []
    )
    return render_template(
        "results/index.html",
        cycle=cycle,
        cycles=cycles.all_cycles(),
        rows=rows,
        publication=publication,
        own=own,
        published=publication is not None,
        days=pub.procedure_days(cycle) if cycle is not None else None,
        open_appeals=pub.open_appeals(cycle) if cycle is not None else 0,
    )


@bp.route("/populations/<int:population_id>")
@requires("results.view", load=Population, subject=leaderboard.population_subject)
def population(population: Population):
    subject = leaderboard.population_subject(population)
    run = services.current_run(population)
    groups = leaderboard.groups(run, previous=leaderboard.previous_ranks(population)) if run else []
    all_groups, page = groups, None
    if sum(len(g.lines) for g in groups) > LONG_BOARD:  # one group at a time, in pages
        wanted = request.args.get("group")
        shown = next((g for g in groups if g.name == wanted), groups[0])
        number = max(1, request.args.get("page", 1, type=int) or 1)
        page = Page(items=[], page=number, per_page=PAGE_ROWS, total=len(shown.lines))
        groups = [leaderboard.Group(shown.name, shown.lines[(number - 1) * PAGE_ROWS : number * PAGE_ROWS])]
    return render_template(
        "results/leaderboard.html",
        population=population,
        run=run,
        groups=groups,
        all_groups=all_groups,
        page=page,
        subject=subject,
        last=services.last_run(population),
        quota_names=quota_names(population),
        histogram=leaderboard.histogram,
        grade_counts=leaderboard.grade_counts,
    )


@bp.route("/populations/<int:population_id>/compute", methods=["POST"])
@requires("results.compute", load=Population, subject=leaderboard.population_subject)
def compute(population: Population):
    try:
        run = services.request_compute(population)
    except CycleError as exc:
        flash(str(exc), "error")
        return redirect(url_for("results.index", cycle_id=population.cycle_id))
    except JobsUnavailable:
        flash(_("后台任务服务暂时无法连接，计算未开始。上一次的结果保持不变，请稍后再试。"), "error")
        return redirect(url_for("results.index", cycle_id=population.cycle_id))
    if run.status == RunStatus.FAILED:
        flash(_("计算未成功，上一次的结果保持不变；原因见下表“最近一次计算”一栏。"), "error")
    elif run.status == RunStatus.SUCCEEDED:
        flash(_("计算完成：%(n)s 个考核对象。", n=run.row_count), "success")
    else:
        flash(_("已开始计算，页面会显示进度。"), "info")
    return redirect(url_for("results.index", cycle_id=population.cycle_id))


@bp.route("/populations/<int:population_id>/status")
@requires("results.view", load=Population, subject=leaderboard.population_subject)
def status(population: Population):
    services.fail_stale_runs(population)
    run = services.last_run(population)
    if run is None:
        return jsonify({"status": None})
    active = run.status in services.ACTIVE  # a failed run's message holds the engine's raw text
    return jsonify(
        {
            "status": run.status.value,
            "progress": run.progress,
            "message": run.message if active else "",
            "error": _(run.error) if run.error else run.error,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        }
    )


@bp.route("/appraisees/<int:appraisee_id>")
@requires("results.view", load=Appraisee, subject=leaderboard.appraisee_subject)
def appraisee(appraisee: Appraisee):
    subject = leaderboard.appraisee_subject(appraisee)
    population = appraisee.population
    run = services.current_run(population)
    row, explanations = leaderboard.breakdown(run, appraisee.id) if run else (None, [])

    content = population.scheme_version.content
    rules = {r["key"]: r for r in (content.get("adjustments") or {}).get("rules", [])}
    cycle = appraisee.cycle
    may_appeal = (
        subject.published
        and cycle.phase in (Phase.PUBLICITY, Phase.APPEALS)
        and can(current_user, "appeals.file", appraisee)
    )
    proof = evidence_links.for_breakdown(
        appraisee, content, {e.ref for e in explanations}, row.adjustments if row else [], current_user
    )
    return render_template(
        "results/appraisee.html",
        appraisee=appraisee,
        population=population,
        run=run,
        cycle=cycle,
        row=row,
        explanations=explanations,
        rules=rules,
        may_appeal=may_appeal,
        proof=proof,
        files_at=proof.at_lines(explanations),
        may_see_inputs=can(current_user, "claims.view", appraisee),
        parts=leaderboard.parts(row, content, english=str(get_locale()).startswith("en")) if row else [],
        history=leaderboard.year_on_year(appraisee) if row else [],
    )
