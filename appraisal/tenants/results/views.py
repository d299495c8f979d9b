"""Results: computing, leaderboards with quota lines and charts, breakdowns, exports."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.jobs import JobsUnavailable
from appraisal.platform.excel import xlsx_response
from appraisal.platform.permissions import authorize, can, requires
from appraisal.platform.tenancy import get_or_404
from appraisal.platform.web import NavItem, Page, tenant_blueprint
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.cycles.services import CycleError
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.results import evidence_links, leaderboard, services
from appraisal.tenants.results.models import RunStatus

bp = tenant_blueprint("results", __name__, url_prefix="/results", template_folder="templates")

NAV = (
    NavItem("results.index", _l("考核结果"), "results.view", icon="results", order=40),
    NavItem("results.appeals", _l("复核申请"), "tenant.view", icon="appeal", order=41),
)


#: Boards longer than this are shown one group at a time, PAGE_ROWS rows a page.
LONG_BOARD = 300
PAGE_ROWS = 100

KIND_LABELS = {"indicator": _l("指标"), "missing": _l("缺数据"), "deduction": _l("扣减"), "ratio": _l("完成比"),
               "ballot": _l("民主测评"), "items": _l("责任书"), "part": _l("合成"), "adjustment": _l("加减分"),
               "claim": _l("加减分"), "cap": _l("封顶"), "composite": _l("综合得分"), "veto": _l("一票否决"),
               "rank": _l("排名"), "quota": _l("限额"), "grade": _l("等次"), "award": _l("奖励"), "pay": _l("发放"),
               "flag": _l("警示")}
REASON_LABELS = {"": "", "unverified": _l("未核实，不计"), "shared": _l("多单位共享，按比例计"),
                 "duplicate: counted once at its highest level": _l("同一项目重复申报，只计最高一次")}


@bp.app_context_processor
def _result_labels():
    return {"kind_label": lambda kind: KIND_LABELS.get(kind, kind),
            "reason_label": lambda reason: REASON_LABELS.get(reason or "", reason),
            "evidence_url": evidence.file_url, "explained": evidence_links.without_evidence_ref}


def _cycle() -> Cycle | None:
    cycles = list(db.session.scalars(select(Cycle).order_by(Cycle.year.desc(), Cycle.id.desc())))
    wanted = request.args.get("cycle_id", type=int)
    if wanted:
        return next((c for c in cycles if c.id == wanted), None) or abort(404)
    return next((c for c in cycles if c.phase != Phase.TARGET_SETTING), cycles[0] if cycles else None)


@bp.route("/")
@requires("results.view")
def index():
    cycle = _cycle()
    rows = []
    published = cycle is not None and leaderboard.is_published(cycle.id)
    if cycle is not None:
        for population in db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)
                                             .order_by(Population.id)):
            subject = leaderboard.population_subject(population, published=published)
            if can(current_user, "results.view", subject):
                services.fail_stale_runs(population)
                rows.append((population, subject, services.current_run(population), services.last_run(population)))
    cycles = list(db.session.scalars(select(Cycle).order_by(Cycle.year.desc())))
    from appraisal.tenants.results import publication as pub

    publication = pub.publication_of(cycle) if cycle is not None else None
    own = [o for o in leaderboard.own_results(cycle.id, current_user)
           if can(current_user, "results.view", leaderboard.appraisee_subject(o.appraisee, published=published))
           ] if cycle else []
    return render_template("results/index.html", cycle=cycle, cycles=cycles, rows=rows, publication=publication,
                           own=own,
                           published=publication is not None,
                           days=pub.procedure_days(cycle) if cycle is not None else None,
                           open_appeals=pub.open_appeals(cycle) if cycle is not None else 0)


def _population(population_id: int, action: str = "results.view"):
    population = get_or_404(Population, population_id)
    subject = leaderboard.population_subject(population)
    authorize(action, subject)
    return population, subject


@bp.route("/populations/<int:population_id>")
@requires("results.view", per_object=True)
def population(population_id: int):
    population, subject = _population(population_id)
    run = services.current_run(population)
    groups = leaderboard.groups(run, previous=leaderboard.previous_ranks(population)) if run else []
    all_groups, page = groups, None
    if sum(len(g.lines) for g in groups) > LONG_BOARD:  # one group at a time, in pages
        wanted = request.args.get("group")
        shown = next((g for g in groups if g.name == wanted), groups[0])
        number = max(1, request.args.get("page", 1, type=int) or 1)
        page = Page(items=[], page=number, per_page=PAGE_ROWS, total=len(shown.lines))
        groups = [leaderboard.Group(shown.name, shown.lines[(number - 1) * PAGE_ROWS: number * PAGE_ROWS])]
    return render_template("results/leaderboard.html", population=population, run=run, groups=groups,
                           all_groups=all_groups, page=page, subject=subject, last=services.last_run(population),
                           quota_names=_quota_names(population), histogram=leaderboard.histogram,
                           grade_counts=leaderboard.grade_counts)


def _quota_names(population: Population) -> dict[str, str]:
    from appraisal.tenants.schemes.models import SchemeVersion

    version = db.session.get(SchemeVersion, population.scheme_version_id)
    return {q["key"]: q.get("name_zh") or q["key"] for q in version.content.get("quotas", [])}


@bp.route("/populations/<int:population_id>/compute", methods=["POST"])
@requires("results.compute", per_object=True)
def compute(population_id: int):
    population, _subject = _population(population_id, "results.compute")
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
@requires("results.view", per_object=True)
def status(population_id: int):
    population, _subject = _population(population_id)
    services.fail_stale_runs(population)
    run = services.last_run(population)
    if run is None:
        return jsonify({"status": None})
    active = run.status in services.ACTIVE  # a failed run's message holds the engine's raw text
    return jsonify({"status": run.status.value, "progress": run.progress, "message": run.message if active else "",
                    "error": _(run.error) if run.error else run.error, "finished_at": run.finished_at.isoformat() if run.finished_at else None})


EXPORT_HEADERS = (_l("名次"), _l("考核对象"), _l("综合得分"), _l("基础得分"), _l("加分"), _l("扣分"), _l("限额"),
                  _l("等次"), _l("奖励"), _l("奖金（元）"), _l("否决"), _l("标记"))


def _export_sheets(population: Population, run) -> list[tuple[str, tuple[list, list]]]:
    """(group, (headers, rows)) per ranking group: the office's layout, quota lines marked."""
    quota_names = _quota_names(population)
    sheets = []
    for group in leaderboard.groups(run):
        rows = []
        for line in group.lines:
            r = line.row
            rows.append((r.rank, line.name, r.composite, r.data.get("base_score"), r.data.get("bonus"),
                         r.data.get("penalty"), "、".join(quota_names.get(k, k) for k, v in r.quotas.items() if v),
                         r.data.get("grade_zh") or "", r.data.get("award_zh") or "", r.award_paid,
                         _("一票否决") if r.vetoed else "", r.flags))
            for key in line.quota_lines:
                rows.append(("", f"—— {quota_names.get(key, key)}线 ——", "", "", "", "", "", "", "", "", "", ""))
        sheets.append((group.name, ([str(h) for h in EXPORT_HEADERS], rows)))
    return sheets


def _sheet_title(title: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet"
    candidate, n = clean[:31], 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


@bp.route("/populations/<int:population_id>/export.xlsx")
@requires("results.view", per_object=True)
def export(population_id: int):
    population, _subject = _population(population_id)
    run = services.current_run(population)
    if run is None:
        flash(_("尚未计算，没有可导出的结果。"), "info")
        return redirect(url_for("results.population", population_id=population.id))
    taken: set[str] = set()
    sheets = {_sheet_title(group or population.name, taken): content
              for group, content in _export_sheets(population, run)}
    return xlsx_response(f"{population.name}-考核结果.xlsx", sheets)


@bp.route("/cycles/<int:cycle_id>/export.xlsx")
@requires("results.view", per_object=True)
def export_cycle(cycle_id: int):
    """The whole year's results in one workbook, for the personnel archive: a cover
    sheet (the year, its publication and each population's run), then one sheet per
    population and group — only the populations the user may see."""
    cycle = get_or_404(Cycle, cycle_id)
    authorize("results.view", leaderboard.PopulationResults(None, leaderboard.is_published(cycle.id), ""))
    from appraisal.tenants.results.publication import publication_of

    publication = publication_of(cycle)
    cover: list[tuple] = [(_("考核年度"), cycle.name), (_("阶段"), _phase_label(cycle.phase))]
    if publication is not None:
        cover += [(_("公示日期"), publication.published_at.date().isoformat()),
                  (_("公示期至"), publication.publicity_ends_on.isoformat()),
                  (_("复核申请截止"), publication.appeals_end_on.isoformat())]
    if cycle.finalised_at is not None:
        cover.append((_("归档时间"), cycle.finalised_at.strftime("%Y-%m-%d %H:%M")))
    taken = {_sheet_title(str(_("说明")), set())}
    sheets: dict[str, tuple] = {}
    for population in db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)
                                         .order_by(Population.id)):
        if not can(current_user, "results.view", leaderboard.population_subject(population)):
            continue
        run = services.current_run(population)
        if run is None:
            cover.append((population.name, _("尚未计算")))
            continue
        cover.append((population.name, _("%(n)s 个考核对象，计算于 %(t)s", n=run.row_count,
                                         t=run.finished_at.strftime("%Y-%m-%d %H:%M") if run.finished_at else "")))
        for group, content in _export_sheets(population, run):
            title = f"{population.name}-{group}" if group and group != population.name else population.name
            sheets[_sheet_title(title, taken)] = content
    workbook_sheets = {str(_("说明")): ([_("项目"), _("内容")], cover), **sheets}
    return xlsx_response(f"{cycle.name}-考核结果汇总.xlsx", workbook_sheets)


def _phase_label(phase) -> str:
    from appraisal.tenants.cycles.services import PHASE_LABELS_ZH

    return str(PHASE_LABELS_ZH.get(phase, phase))


@bp.route("/appraisees/<int:appraisee_id>")
@requires("results.view", per_object=True)
def appraisee(appraisee_id: int):
    appraisee = get_or_404(Appraisee, appraisee_id)
    subject = leaderboard.appraisee_subject(appraisee)
    authorize("results.view", subject)
    population = db.session.get(Population, appraisee.population_id)
    run = services.current_run(population)
    row, explanations = leaderboard.breakdown(run, appraisee.id) if run else (None, [])
    from appraisal.tenants.schemes.models import SchemeVersion

    content = db.session.get(SchemeVersion, population.scheme_version_id).content
    rules = {r["key"]: r for r in (content.get("adjustments") or {}).get("rules", [])}
    cycle = db.session.get(Cycle, appraisee.cycle_id)
    may_appeal = (subject.published and cycle.phase in (Phase.PUBLICITY, Phase.APPEALS)
                  and can(current_user, "appeals.file", appraisee))
    proof = evidence_links.for_breakdown(appraisee, content, {e.ref for e in explanations},
                                         row.adjustments if row else [], current_user)
    return render_template("results/appraisee.html", appraisee=appraisee, population=population, run=run, cycle=cycle,
                           row=row, explanations=explanations, rules=rules, may_appeal=may_appeal,
                           proof=proof, files_at=proof.at_lines(explanations),
                           may_see_inputs=can(current_user, "claims.view", appraisee),
                           parts=leaderboard.parts(row, content, english=str(get_locale()).startswith("en")) if row else [],
                           history=leaderboard.year_on_year(appraisee) if row else [])


from appraisal.tenants.results import appeals_views  # noqa: E402,F401  (routes on this blueprint)


@bp.route("/cycles/<int:cycle_id>/notice")
@requires("results.view", per_object=True)
def notice(cycle_id: int):
    """The printable notice of results (考核结果通报): per population, who holds each
    quota place, the grades, the awards and the vetoes."""
    cycle = get_or_404(Cycle, cycle_id)
    published = leaderboard.is_published(cycle.id)
    authorize("results.view", leaderboard.PopulationResults(None, published, ""))
    sections = []
    for population in db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)
                                         .order_by(Population.id)):
        run = services.current_run(population)
        if run is not None:
            sections.append((population, leaderboard.groups(run), _quota_names(population)))
    from appraisal.tenants.results.publication import publication_of

    return render_template("results/notice.html", cycle=cycle, sections=sections,
                           publication=publication_of(cycle))
