"""Quarterly deduction notices (seed 002) and self-reports (述职)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.permissions import actor_id
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle
from appraisal.tenants.evidence.services import evidence_of
from appraisal.tenants.scoring.models import (
    AdjustmentClaim,
    AdjustmentKind,
    ClaimStatus,
    DeductionNotice,
    Score,
    ScoreRevision,
    SelfReport,
)
from appraisal.tenants.scoring.services import common
from appraisal.tenants.scoring.services.adjustments import ClaimError, population_and_cycle, require_open

# ---------------------------------------------------------------------------
# Quarterly deduction notices (seed 002)
# ---------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def quarter_range(year: int, quarter: int) -> tuple[datetime, datetime]:
    start = datetime(year, 3 * (quarter - 1) + 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if quarter == 4 else datetime(year, 3 * quarter + 1, 1, tzinfo=UTC)
    return start, end


def quarter_penalties(cycle: Cycle, quarter: int) -> list[tuple[AdjustmentClaim, Appraisee]]:
    """The penalties in force that occurred in this quarter of the cycle's year."""
    start, end = quarter_range(cycle.year, quarter)
    rows = db.session.execute(
        select(AdjustmentClaim, Appraisee)
        .join(Appraisee, AdjustmentClaim.appraisee_id == Appraisee.id)
        .where(
            AdjustmentClaim.cycle_id == cycle.id,
            AdjustmentClaim.kind == AdjustmentKind.PENALTY,
            AdjustmentClaim.status == ClaimStatus.VERIFIED,
            AdjustmentClaim.occurred_on >= start,
            AdjustmentClaim.occurred_on < end,
        )
        .order_by(AdjustmentClaim.occurred_on, AdjustmentClaim.id)
    )
    return [(c, a) for c, a in rows]


@dataclass(frozen=True)
class NoticeLine:
    """One deduction of a quarter: a penalty, or more occurrences of a deduction item."""

    at: datetime
    appraisee: str
    what: str
    count: Decimal
    points: Decimal | None
    reason: str


def quarter_deductions(cycle: Cycle, quarter: int) -> list[NoticeLine]:
    """Every deduction of the quarter: penalties in force, and increases of
    per-occurrence deduction items entered in the score sheets."""
    from appraisal.tenants.scoring.services.scores import scheme_columns

    populations = {p.id: p for p in common.populations_of(cycle)}
    lines = []
    for claim, appraisee in quarter_penalties(cycle, quarter):
        rule = common.rules_of(populations[appraisee.population_id]).get(claim.rule_key)
        points = Decimal(str(rule.points)) * claim.count if rule is not None and rule.points else None
        lines.append(
            NoticeLine(
                claim.occurred_on,
                appraisee.name,
                rule.name_zh if rule else claim.rule_key,
                claim.count,
                points,
                claim.description,
            )
        )
    columns = {}
    for population in populations.values():
        for column in scheme_columns(population):
            if column.kind == "deduction":
                columns[(population.id, column.indicator_key, column.item_key)] = column
    if columns:
        start, end = quarter_range(cycle.year, quarter)
        rows = db.session.execute(
            select(ScoreRevision, Score, Appraisee)
            .join(Score, ScoreRevision.score_id == Score.id)
            .join(Appraisee, Score.appraisee_id == Appraisee.id)
            .where(Score.cycle_id == cycle.id, ScoreRevision.at >= start, ScoreRevision.at < end)
            .order_by(ScoreRevision.at, ScoreRevision.id)
        )
        for revision, score, appraisee in rows:
            column = columns.get((appraisee.population_id, score.indicator_key, score.item_key))
            added = revision.value_after - (revision.value_before or 0)
            if column is None or added <= 0:
                continue
            lines.append(
                NoticeLine(
                    revision.at,
                    appraisee.name,
                    column.label,
                    added,
                    added * column.unit_points if column.unit_points else None,
                    revision.reason,
                )
            )
    return sorted(lines, key=lambda line: line.at)


def notice_body(cycle: Cycle, quarter: int) -> str:
    """A default body listing the quarter's deductions."""
    lines = []
    for line in quarter_deductions(cycle, quarter):
        total = f"，扣 {_fmt(line.points)} 分" if line.points is not None else ""
        reason = f"（{line.reason}）" if line.reason else ""
        lines.append(f"{line.at:%m月%d日} {line.appraisee}：{line.what} {_fmt(line.count)} 次{total}{reason}。")
    return "\n".join(lines) or "本季度无扣分事项。"


def publish_notice(cycle: Cycle, *, quarter: int, title: str, body: str) -> DeductionNotice:
    try:
        cycles.require_phase(cycle, "notices.publish")
    except cycles.PhaseError as exc:
        raise ClaimError(str(exc)) from None
    if quarter not in (1, 2, 3, 4):
        raise ClaimError(_("请选择季度"))
    if db.session.scalar(
        select(DeductionNotice).where(DeductionNotice.cycle_id == cycle.id, DeductionNotice.quarter == quarter)
    ):
        raise ClaimError(_("第 %(quarter)s 季度的扣分通报已发布", quarter=quarter))
    if not title.strip():
        raise ClaimError(_("请填写标题"))
    notice = DeductionNotice(
        cycle_id=cycle.id, quarter=quarter, title=title.strip()[:300], body=body.strip(), published_by_id=actor_id()
    )
    db.session.add(notice)
    db.session.flush()
    audit.record("notice.publish", notice, after={"quarter": quarter, "title": notice.title}, label=notice.title)
    return notice


# ---------------------------------------------------------------------------
# Self-reports (述职)
# ---------------------------------------------------------------------------


def self_report_of(appraisee: Appraisee) -> SelfReport | None:
    return db.session.scalar(select(SelfReport).where(SelfReport.appraisee_id == appraisee.id))


def save_self_report(appraisee: Appraisee, *, body: str, submit: bool = False, has_files: bool = False) -> SelfReport:
    _population, cycle = population_and_cycle(appraisee)
    require_open(cycle, "self_report.edit")
    report = self_report_of(appraisee)
    if submit and not body.strip() and not has_files and not (report and _has_files(report)):
        raise ClaimError(_("提交前请填写述职内容或上传述职文件"))
    before = None
    if report is None:
        report = SelfReport(cycle_id=cycle.id, appraisee_id=appraisee.id)
        db.session.add(report)
    else:
        before = {"body": report.body, "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None}
    report.body = body.strip()
    report.updated_at, report.updated_by_id = utcnow(), actor_id()
    if submit:
        report.submitted_at = utcnow()
    db.session.flush()
    audit.record(
        "self_report.submit" if submit else "self_report.save",
        report,
        before=before,
        after={"body": report.body[:2000], "submitted": bool(report.submitted_at)},
        label=appraisee.name,
    )
    return report


def _has_files(report: SelfReport) -> bool:
    return bool(evidence_of("self_report", [report.id]))
