"""The results as workbooks (one population, a whole year for the archive) and
the printable notice of results."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.excel import xlsx_response
from appraisal.platform.permissions import can, requires
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.results import services
from appraisal.tenants.results.services import leaderboard
from appraisal.tenants.results.services import publication as pub
from appraisal.tenants.results.views import bp
from appraisal.tenants.results.views._shared import quota_names

EXPORT_HEADERS = (
    _l("名次"),
    _l("考核对象"),
    _l("综合得分"),
    _l("基础得分"),
    _l("加分"),
    _l("扣分"),
    _l("限额"),
    _l("等次"),
    _l("奖励"),
    _l("奖金（元）"),
    _l("否决"),
    _l("标记"),
)


def year_results(cycle: Cycle) -> leaderboard.PopulationResults:
    """A year's results as a whole, judged as "published or not" (no population's owner)."""
    return leaderboard.PopulationResults(None, leaderboard.is_published(cycle.id), "")


def export_sheets(population: Population, run) -> list[tuple[str, tuple[list, list]]]:
    """(group, (headers, rows)) per ranking group: the office's layout, quota lines marked."""
    names = quota_names(population)
    sheets = []
    for group in leaderboard.groups(run):
        rows = []
        for line in group.lines:
            r = line.row
            rows.append(
                (
                    r.rank,
                    line.name,
                    r.composite,
                    r.data.get("base_score"),
                    r.data.get("bonus"),
                    r.data.get("penalty"),
                    "、".join(names.get(k, k) for k, v in r.quotas.items() if v),
                    r.data.get("grade_zh") or "",
                    r.data.get("award_zh") or "",
                    r.award_paid,
                    _("一票否决") if r.vetoed else "",
                    r.flags,
                )
            )
            for key in line.quota_lines:
                rows.append(("", f"—— {names.get(key, key)}线 ——", "", "", "", "", "", "", "", "", "", ""))
        sheets.append((group.name, ([str(h) for h in EXPORT_HEADERS], rows)))
    return sheets


def sheet_title(title: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet"
    candidate, n = clean[:31], 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


@bp.route("/populations/<int:population_id>/export.xlsx")
@requires("results.view", load=Population, subject=leaderboard.population_subject)
def export(population: Population):
    run = services.current_run(population)
    if run is None:
        flash(_("尚未计算，没有可导出的结果。"), "info")
        return redirect(url_for("results.population", population_id=population.id))
    taken: set[str] = set()
    sheets = {
        sheet_title(group or population.name, taken): content for group, content in export_sheets(population, run)
    }
    return xlsx_response(f"{population.name}-考核结果.xlsx", sheets)


@bp.route("/cycles/<int:cycle_id>/export.xlsx")
@requires("results.view", load=Cycle, subject=year_results)
def export_cycle(cycle: Cycle):
    """The whole year's results in one workbook, for the personnel archive: a cover
    sheet (the year, its publication and each population's run), then one sheet per
    population and group — only the populations the user may see."""
    publication = pub.publication_of(cycle)
    cover: list[tuple] = [(_("考核年度"), cycle.name), (_("阶段"), phase_label(cycle.phase))]
    if publication is not None:
        cover += [
            (_("公示日期"), publication.published_at.date().isoformat()),
            (_("公示期至"), publication.publicity_ends_on.isoformat()),
            (_("复核申请截止"), publication.appeals_end_on.isoformat()),
        ]
    if cycle.finalised_at is not None:
        cover.append((_("归档时间"), cycle.finalised_at.strftime("%Y-%m-%d %H:%M")))
    taken = {sheet_title(str(_("说明")), set())}
    sheets: dict[str, tuple] = {}
    for population in db.session.scalars(
        select(Population).where(Population.cycle_id == cycle.id).order_by(Population.id)
    ):
        if not can(current_user, "results.view", leaderboard.population_subject(population)):
            continue
        run = services.current_run(population)
        if run is None:
            cover.append((population.name, _("尚未计算")))
            continue
        cover.append(
            (
                population.name,
                _(
                    "%(n)s 个考核对象，计算于 %(t)s",
                    n=run.row_count,
                    t=run.finished_at.strftime("%Y-%m-%d %H:%M") if run.finished_at else "",
                ),
            )
        )
        for group, content in export_sheets(population, run):
            title = f"{population.name}-{group}" if group and group != population.name else population.name
            sheets[sheet_title(title, taken)] = content
    workbook_sheets = {str(_("说明")): ([_("项目"), _("内容")], cover), **sheets}
    return xlsx_response(f"{cycle.name}-考核结果汇总.xlsx", workbook_sheets)


def phase_label(phase) -> str:
    from appraisal.tenants.cycles.services import PHASE_LABELS_ZH

    return str(PHASE_LABELS_ZH.get(phase, phase))


@bp.route("/cycles/<int:cycle_id>/notice")
@requires("results.view", load=Cycle, subject=year_results)
def notice(cycle: Cycle):
    """The printable notice of results (考核结果通报): per population, who holds each
    quota place, the grades, the awards and the vetoes."""
    sections = []
    for population in db.session.scalars(
        select(Population).where(Population.cycle_id == cycle.id).order_by(Population.id)
    ):
        run = services.current_run(population)
        if run is not None:
            sections.append((population, leaderboard.groups(run), quota_names(population)))
    return render_template("results/notice.html", cycle=cycle, sections=sections, publication=pub.publication_of(cycle))
