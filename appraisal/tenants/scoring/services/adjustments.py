"""Bonus claims, penalties and vetoes (quarterly deduction notices and
self-reports are in :mod:`.reports`, on the helpers here).

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
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appraisal.platform import audit, notifications
from appraisal.platform.db import db, utcnow
from appraisal.platform.inputs import finite_decimal
from appraisal.platform.models import Role
from appraisal.platform.permissions import actor_id
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.scoring.models import (
    AdjustmentClaim,
    AdjustmentKind,
    ClaimStatus,
    Veto,
)
from appraisal.tenants.scoring.services import common


class ClaimError(common.ScoringError):
    pass


def population_and_cycle(appraisee: Appraisee) -> tuple[Population, Cycle]:
    population = db.session.get(Population, appraisee.population_id)
    return population, db.session.get(Cycle, appraisee.cycle_id)


def require_open(cycle: Cycle, action: str) -> None:
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
    population, cycle = population_and_cycle(appraisee)
    require_open(cycle, "claims.create")
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
    from appraisal.platform.permissions import subject_of

    assessor_unit = getattr(subject_of(claim), "assessor_unit_id", None)
    if assessor_unit is not None:  # the department that verifies it
        notifications.notify(
            notifications.current_tenant_of_scope(),
            notifications.users_on(assessor_unit, Role.ASSESSOR),
            "claim.to_verify",
            _("%(name)s 提交了加分申请，请核实", name=appraisee.name),
            claim.description,
            notifications.tenant_link("/scoring/claims"),
        )
    return claim


def decide_claim(claim: AdjustmentClaim, *, approve: bool, reason: str = "") -> None:
    """The assessor verifies a claim, or rejects it with a reason the claimant sees."""
    appraisee = claim.appraisee
    population, cycle = population_and_cycle(appraisee)
    require_open(cycle, "claims.verify")
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
    population, cycle = population_and_cycle(appraisee)
    require_open(cycle, "penalties.record" if claim.kind == AdjustmentKind.PENALTY else "claims.create")
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
    population, cycle = population_and_cycle(appraisee)
    require_open(cycle, "penalties.record")
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


notifications.register_kind("veto.recorded", _l("一票否决"))
notifications.register_kind("claim.to_verify", _l("加分申请待核实"))


def record_veto(appraisee: Appraisee, *, rule_key: str, description: str) -> Veto:
    population, cycle = population_and_cycle(appraisee)
    require_open(cycle, "vetoes.record")
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
    notifications.notify(  # to the unit's admins (and the person, when it is a person's)
        notifications.current_tenant_of_scope(),
        notifications.users_over(appraisee.unit_path, Role.UNIT_ADMIN) + _person_user(appraisee),
        "veto.recorded",
        _("%(name)s 被记录一票否决：%(rule)s", name=appraisee.name, rule=veto_rule.name_zh),
        veto.description,
        notifications.tenant_link("/scoring/vetoes"),
    )
    return veto


def _person_user(appraisee: Appraisee) -> list[int]:
    from sqlalchemy import select

    from appraisal.tenants.org.models import Person

    if appraisee.person_id is None:
        return []
    user_id = db.session.scalar(select(Person.user_id).where(Person.id == appraisee.person_id))
    return [user_id] if user_id else []


def revoke_veto(veto: Veto, *, reason: str) -> None:
    appraisee = veto.appraisee
    _population, cycle = population_and_cycle(appraisee)
    require_open(cycle, "vetoes.record")
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
