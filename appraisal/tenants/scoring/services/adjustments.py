"""Bonus claims, penalties, vetoes, quarterly deduction notices and self-reports.

* A unit or a person **claims a bonus** under one of its scheme's rules (level,
  project or article key, the others sharing it, evidence); the office or the
  department mapped for the rule (``Population.assessors["adjustments.<rule>"]``)
  verifies it or rejects it with a reason.
* **Penalties** (per-occurrence deductions) are recorded, verified, by the
  office or the mapped assessor at any time from target setting to scoring;
  the appraisee sees them at once.
* **Vetoes** are recorded by the office with evidence.
* Nothing is deleted: a claim or penalty is withdrawn, a veto revoked, each
  with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.inputs import finite_decimal
from appraisal.platform.permissions import actor_id
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.evidence.services import evidence_of
from appraisal.tenants.scoring.models import (
    AdjustmentClaim,
    AdjustmentKind,
    ClaimStatus,
    DeductionNotice,
    Score,
    ScoreRevision,
    SelfReport,
    Veto,
)
from appraisal.tenants.scoring.services import common


class ClaimError(common.ScoringError):
    pass


def _context(appraisee: Appraisee) -> tuple[Population, Cycle]:
    population = db.session.get(Population, appraisee.population_id)
    return population, db.session.get(Cycle, appraisee.cycle_id)


def _phase(cycle: Cycle, action: str) -> None:
    try:
        cycles.require_phase(cycle, action, also_in_appeals=True)
    except cycles.PhaseError as exc:
        raise ClaimError(str(exc)) from None


def _count(value) -> Decimal:
    try:
        count = finite_decimal(str(value).strip() or "1")
    except ValueError:
        raise ClaimError(_("次数须为数字")) from None
    if not count.is_finite() or count <= 0 or count > 1000 or count != count.quantize(Decimal("0.01")):
        raise ClaimError(_("次数须为大于 0 的数，最多两位小数"))
    return count


def _when(value: date | None) -> datetime | None:
    return datetime.combine(value, time(12), tzinfo=UTC) if value else None


def split_names(text: str) -> list[str]:
    return [n.strip() for n in re.split(r"[、,，;；\n]+", text or "") if n.strip()]


def _rule(population: Population, rule_key: str, kind: AdjustmentKind):
    rule = common.rules_of(population).get(rule_key)
    if rule is None or rule.kind != kind.value:
        raise ClaimError(
            _("请选择本考核方案中的加分项目") if kind == AdjustmentKind.BONUS else _("请选择本考核方案中的扣分项目")
        )
    return rule


def _level(rule, level: str) -> str:
    if rule.levels:
        if level not in {lv.key for lv in rule.levels}:
            raise ClaimError(_("请选择级别"))
        return level
    return ""


def rule_points(population: Population, claim: AdjustmentClaim) -> Decimal | None:
    """Points per occurrence of a claim's rule and level (for display)."""
    rule = common.rules_of(population).get(claim.rule_key)
    if rule is None:
        return None
    if rule.levels:
        level = next((lv for lv in rule.levels if lv.key == claim.level), None)
        return Decimal(str(level.points)) if level else None
    return Decimal(str(rule.points)) if rule.points is not None else None


def _label(appraisee: Appraisee, population: Population, rule_key: str) -> str:
    rule = common.rules_of(population).get(rule_key)
    return f"{appraisee.name}：{rule.name_zh if rule else rule_key}"


# ---------------------------------------------------------------------------
# Bonus claims
# ---------------------------------------------------------------------------


def create_claim(
    appraisee: Appraisee,
    *,
    rule_key: str,
    level: str = "",
    count="1",
    dedup_key: str = "",
    shared_with: str = "",
    description: str = "",
    occurred_on: date | None = None,
) -> AdjustmentClaim:
    population, cycle = _context(appraisee)
    _phase(cycle, "claims.create")
    rule = _rule(population, rule_key, AdjustmentKind.BONUS)
    if not description.strip():
        raise ClaimError(_("请说明加分事由"))
    others = split_names(shared_with)
    claim = AdjustmentClaim(
        cycle_id=cycle.id,
        appraisee_id=appraisee.id,
        kind=AdjustmentKind.BONUS,
        rule_key=rule.key,
        level=_level(rule, level),
        count=_count(count),
        dedup_key=dedup_key.strip()[:200],
        sharers=1 + len(others),
        shared_with="、".join(others),
        description=description.strip(),
        occurred_on=_when(occurred_on),
        status=ClaimStatus.CLAIMED,
        created_by_id=actor_id(),
    )
    db.session.add(claim)
    db.session.flush()
    audit.record("claim.create", claim, after=audit.snapshot(claim), label=_label(appraisee, population, rule.key))
    return claim


def decide_claim(claim: AdjustmentClaim, *, approve: bool, reason: str = "") -> None:
    """The assessor verifies a claim, or rejects it with a reason the claimant sees."""
    appraisee = claim.appraisee
    population, cycle = _context(appraisee)
    _phase(cycle, "claims.verify")
    if claim.kind != AdjustmentKind.BONUS or claim.status != ClaimStatus.CLAIMED:
        raise ClaimError(_("只能审核待核实的加分申请"))
    if not approve and not reason.strip():
        raise ClaimError(_("不予认定时必须填写原因"))
    before = claim.status.value
    claim.status = ClaimStatus.VERIFIED if approve else ClaimStatus.REJECTED
    claim.reject_reason = "" if approve else reason.strip()
    claim.decided_by_id, claim.decided_at = actor_id(), utcnow()
    audit.record(
        "claim.verify" if approve else "claim.reject",
        claim,
        before={"status": before},
        after={"status": claim.status.value, "reason": claim.reject_reason},
        label=_label(appraisee, population, claim.rule_key),
    )


def withdraw_claim(claim: AdjustmentClaim, *, reason: str) -> None:
    """Withdraw a claim or a penalty (never deleted); the reason is kept."""
    appraisee = claim.appraisee
    population, cycle = _context(appraisee)
    _phase(cycle, "penalties.record" if claim.kind == AdjustmentKind.PENALTY else "claims.create")
    if claim.status == ClaimStatus.WITHDRAWN:
        raise ClaimError(_("已撤回"))
    if claim.kind == AdjustmentKind.BONUS and claim.status != ClaimStatus.CLAIMED:
        raise ClaimError(_("已审核的加分申请不能撤回"))
    if not reason.strip():
        raise ClaimError(_("撤回必须填写原因"))
    before = claim.status.value
    claim.status = ClaimStatus.WITHDRAWN
    claim.reject_reason = reason.strip()
    claim.decided_by_id, claim.decided_at = actor_id(), utcnow()
    audit.record(
        "penalty.withdraw" if claim.kind == AdjustmentKind.PENALTY else "claim.withdraw",
        claim,
        before={"status": before},
        after={"status": claim.status.value, "reason": claim.reject_reason},
        label=_label(appraisee, population, claim.rule_key),
    )


# ---------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------


def record_penalty(
    appraisee: Appraisee,
    *,
    rule_key: str,
    level: str = "",
    count="1",
    description: str,
    occurred_on: date | None = None,
) -> AdjustmentClaim:
    """A per-occurrence deduction, verified when recorded; the appraisee sees it at once."""
    population, cycle = _context(appraisee)
    _phase(cycle, "penalties.record")
    rule = _rule(population, rule_key, AdjustmentKind.PENALTY)
    if not description.strip():
        raise ClaimError(_("扣分须填写原因"))
    now = utcnow()
    penalty = AdjustmentClaim(
        cycle_id=cycle.id,
        appraisee_id=appraisee.id,
        kind=AdjustmentKind.PENALTY,
        rule_key=rule.key,
        level=_level(rule, level),
        count=_count(count),
        description=description.strip(),
        occurred_on=_when(occurred_on) or now,
        status=ClaimStatus.VERIFIED,
        created_by_id=actor_id(),
        decided_by_id=actor_id(),
        decided_at=now,
    )
    db.session.add(penalty)
    db.session.flush()
    audit.record(
        "penalty.record", penalty, after=audit.snapshot(penalty), label=_label(appraisee, population, rule.key)
    )
    return penalty


# ---------------------------------------------------------------------------
# Vetoes
# ---------------------------------------------------------------------------


def record_veto(appraisee: Appraisee, *, rule_key: str, description: str) -> Veto:
    population, cycle = _context(appraisee)
    _phase(cycle, "vetoes.record")
    veto_rule = common.vetoes_of(population).get(rule_key)
    if veto_rule is None:
        raise ClaimError(_("请选择本考核方案中的一票否决事项"))
    if not description.strip():
        raise ClaimError(_("请说明否决事由"))
    veto = Veto(
        cycle_id=cycle.id,
        appraisee_id=appraisee.id,
        rule_key=rule_key,
        description=description.strip(),
        recorded_by_id=actor_id(),
    )
    db.session.add(veto)
    db.session.flush()
    audit.record("veto.record", veto, after=audit.snapshot(veto), label=f"{appraisee.name}：{veto_rule.name_zh}")
    return veto


def revoke_veto(veto: Veto, *, reason: str) -> None:
    appraisee = veto.appraisee
    _population, cycle = _context(appraisee)
    _phase(cycle, "vetoes.record")
    if veto.revoked:
        raise ClaimError(_("该否决已撤销"))
    if not reason.strip():
        raise ClaimError(_("撤销必须填写原因"))
    veto.revoked, veto.revoke_reason = True, reason.strip()
    audit.record(
        "veto.revoke",
        veto,
        before={"revoked": False},
        after={"revoked": True, "reason": veto.revoke_reason},
        label=appraisee.name,
    )


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
    _population, cycle = _context(appraisee)
    _phase(cycle, "self_report.edit")
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
