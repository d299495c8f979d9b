"""Democratic evaluation (民主测评): running an evaluation, casting ballots, results.

Anonymity by construction (see :mod:`.models`):

* ``voters`` says who may vote and whether they have voted (and on which day);
  ``ballots`` and ``ballot_lines`` say what was voted — random ids, the rater
  group, the day; nothing that names or orders a voter.
* A ballot is cast in one transaction that first *claims* the voter with a
  conditional ``UPDATE voters SET has_voted = true … WHERE has_voted = false``
  and goes on only when exactly one row changed: two submissions by the same
  voter, however simultaneous, give one ballot (the database serialises the
  two updates; the second finds the flag already set).
* When the evaluation closes, every ballot and line is copied in random order
  under new random ids, dated the closing day, and the originals are deleted —
  the only deletion of ballots. Nothing in the database (row order, ids, the
  inserting transaction, the day) then ties a ballot to the voter row that was
  updated with it.
* Results exist only after closing, and only for rater groups with at least
  ``min_group_size`` ballot lines for an appraisee; smaller groups are merged or
  dropped (``small_group_policy``). The same rule shapes the engine's input.
* No audit row is written per ballot (an audit row names its actor and the
  second it was written). Managing an evaluation is audited as usual.

Services raise :class:`BallotError` (a user-facing Chinese reason) and never
commit, except :func:`cast_ballot`, which owns its transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from flask_login import current_user
from sqlalchemy import and_, delete, func, insert, select, update

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.platform.models import Tenant
from appraisal.platform.tenancy import current_tenant, current_tenant_id
from appraisal.tenants.ballots.models import (
    Ballot,
    BallotLine,
    Evaluation,
    EvaluationStatus,
    RaterGroup,
    Voter,
)
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.cycles.services import CycleError, require_phase
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person
from appraisal.tenants.schemes.models import SchemeVersion
from appraisal.tenants.scoring.models import SelfReport

# ---------------------------------------------------------------------------
# Vocabulary and limits
# ---------------------------------------------------------------------------

#: The rater groups offered when the population's scheme defines none.
STANDARD_GROUPS: tuple[tuple[str, str], ...] = (
    ("principal", "主要领导"),
    ("deputy", "副职领导"),
    ("staff", "干部职工"),
    ("outside", "服务对象代表"),
)
#: Which standard group a person joins by default, from their leader role.
ROLE_GROUP_KEYS = {LeaderRole.PRINCIPAL: "principal", LeaderRole.DEPUTY: "deputy", LeaderRole.NONE: "staff"}

#: Grade scale default (等次 → score); the office may change it before the first ballot.
DEFAULT_GRADES = {"优秀": 95, "称职": 80, "基本称职": 65, "不称职": 40}

SCALES = ("score", "grade")
POLICIES = ("merge", "drop")
MIN_GROUP_SIZE = 3  # below this, a group mean would give a voter's score away
MAX_GROUP_SIZE_SETTING = 100
MAX_TITLE = 300
MAX_GROUP_NAME = 100
MAX_CODES_AT_ONCE = 500

#: One-time codes: 31 symbols without 0/O, 1/I/L — about 50 bits in 10 characters.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10

MERGED = "__merged__"  # the results column of pooled small groups

_CENT = Decimal("0.01")


class BallotError(ValueError):
    """A clear, user-facing reason why a ballot operation was refused."""


class SettingsFrozen(BallotError):
    pass


class NotEligible(BallotError):
    pass


class AlreadyVoted(NotEligible):
    pass


class ResultsHidden(BallotError):
    pass


class BallotInvalid(BallotError):
    """The ballot form has problems: ``errors`` maps appraisee id (0: the whole
    ballot) to the reason."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__("选票填写有误，请检查标红的项目")
        self.errors = errors


@dataclass(frozen=True)
class GroupSpec:
    """A rater group as entered or as the scheme defines it."""

    key: str
    name: str
    weight: Decimal


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _actor_id() -> int | None:
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    return None if user is None or getattr(user, "is_operator", False) else user.id


def today() -> date:
    """The tenant's calendar day (ballots and voters keep nothing finer)."""
    tenant = current_tenant()
    if tenant is None and current_tenant_id() is not None:
        tenant = db.session.get(Tenant, current_tenant_id())
    try:
        zone = ZoneInfo(tenant.time_zone if tenant is not None else "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - a broken time zone setting
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


def _phase(cycle: Cycle, action: str) -> None:
    try:
        require_phase(cycle, action)
    except CycleError as exc:
        raise BallotError(str(exc)) from None


def groups_of(evaluation: Evaluation) -> list[RaterGroup]:
    return list(db.session.scalars(
        select(RaterGroup).where(RaterGroup.evaluation_id == evaluation.id).order_by(RaterGroup.id)))


def _weight(value: Any) -> Decimal:
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BallotError(f"权重“{value}”不是数字") from None
    if not weight.is_finite() or weight < 0 or weight > 1:
        raise BallotError("每个组别的权重须在 0 到 1 之间")
    if weight != weight.quantize(Decimal("0.0001")):
        raise BallotError("权重最多保留四位小数")
    return weight


def fmt_weight(weight: Decimal | float) -> str:
    return f"{Decimal(str(weight)).normalize():f}"


# ---------------------------------------------------------------------------
# What the scheme says
# ---------------------------------------------------------------------------


def _ballot_leaves(nodes: Iterable[dict]) -> Iterable[tuple[str, dict]]:
    for node in nodes or []:
        method = node.get("method") or {}
        if method.get("kind") == "ballot":
            yield node["key"], method
        yield from _ballot_leaves(node.get("children") or [])


def scheme_ballot(population: Population) -> tuple[str | None, list[GroupSpec]]:
    """The population's ballot indicator and the rater groups its scheme defines
    (the first ballot indicator that defines some; none: the office chooses)."""
    version = db.session.get(SchemeVersion, population.scheme_version_id)
    leaves = list(_ballot_leaves((version.content or {}).get("indicators", []))) if version else []
    for key, method in leaves:
        groups = method.get("rater_groups") or []
        if groups:
            return key, [GroupSpec(g["key"], g.get("name_zh") or g.get("name_en") or g["key"],
                                   Decimal(str(g.get("weight", 0)))) for g in groups]
    return (leaves[0][0] if leaves else None), []


def engine_rater_groups(evaluation: Evaluation) -> list[dict]:
    """The evaluation's groups as an engine override of the ballot indicator's
    ``rater_groups`` — for populations whose scheme defines none (the engine then
    takes a plain mean unless the computation passes these)."""
    return [{"key": g.key, "name_zh": g.name, "name_en": g.key, "weight": float(g.weight)}
            for g in groups_of(evaluation)]


def _check_groups(groups: list[GroupSpec]) -> list[GroupSpec]:
    if not groups:
        raise BallotError("至少需要一个评价人组别")
    keys = [g.key for g in groups]
    if len(set(keys)) != len(keys):
        raise BallotError("评价人组别重复")
    for g in groups:
        if not g.name.strip():
            raise BallotError("组别名称不能为空")
        if len(g.name.strip()) > MAX_GROUP_NAME:
            raise BallotError(f"组别名称不能超过 {MAX_GROUP_NAME} 个字符")
    total = sum((g.weight for g in groups), Decimal(0))
    if total != 1:
        raise BallotError(f"各组别权重之和须等于 1（现在是 {fmt_weight(total)}）")
    return [GroupSpec(g.key, g.name.strip(), g.weight) for g in groups]


def groups_from_form(rows: Iterable[Mapping[str, Any]]) -> list[GroupSpec]:
    """Rows ``{key, name, weight, include}`` as entered → checked group specs."""
    specs = []
    for row in rows:
        if not row.get("include"):
            continue
        key = str(row.get("key") or "").strip()
        if not key:
            continue
        if row.get("weight") in (None, ""):
            raise BallotError(f"请填写“{row.get('name') or key}”的权重")
        specs.append(GroupSpec(key, str(row.get("name") or ""), _weight(row.get("weight"))))
    return _check_groups(specs)


def _resolve_groups(population: Population, groups: list[GroupSpec] | None) -> list[GroupSpec]:
    _indicator, scheme_groups = scheme_ballot(population)
    if scheme_groups:
        if groups is not None and sorted((g.key, g.weight) for g in groups) != sorted(
                (g.key, g.weight) for g in scheme_groups):
            described = "、".join(f"{g.name} {fmt_weight(g.weight)}" for g in scheme_groups)
            raise BallotError(f"本群体的考核方案已规定评价人组别及权重（{described}），不能更改")
        return scheme_groups
    if groups is None:
        raise BallotError("请选择评价人组别并填写权重")
    return _check_groups(groups)


def _check_settings(scale: str, grade_values: Mapping[str, Any] | None, min_group_size: int,
                    small_group_policy: str) -> dict:
    if scale not in SCALES:
        raise BallotError("评分方式只能是百分制或等次")
    grades: dict[str, int | float] = {}
    if scale == "grade":
        for name, value in (grade_values or DEFAULT_GRADES).items():
            name = str(name).strip()
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError):
                raise BallotError(f"等次“{name}”的分值不是数字") from None
            if not name or not number.is_finite() or not 0 <= number <= 100:
                raise BallotError("每个等次须有名称，分值在 0 到 100 之间")
            if name in grades:
                raise BallotError(f"等次“{name}”重复")
            grades[name] = int(number) if number == number.to_integral_value() else float(number)
        if len(grades) < 2:
            raise BallotError("等次评分至少需要两个等次")
    try:
        min_size = int(min_group_size)
    except (TypeError, ValueError):
        raise BallotError("最少人数须是整数") from None
    if not MIN_GROUP_SIZE <= min_size <= MAX_GROUP_SIZE_SETTING:
        raise BallotError(f"显示结果的组别最少人数须在 {MIN_GROUP_SIZE} 到 {MAX_GROUP_SIZE_SETTING} 之间"
                          f"（少于 {MIN_GROUP_SIZE} 人时，个人的评分可被推算出来）")
    if small_group_policy not in POLICIES:
        raise BallotError("人数不足组别的处理方式只能是合并或舍弃")
    return {"scale": scale, "grade_values": grades, "min_group_size": min_size,
            "small_group_policy": small_group_policy}


def parse_grades(text: str) -> dict[str, str]:
    """``优秀=95`` per line (or ``优秀:95``, ``优秀 95``) → {grade: value}."""
    grades: dict[str, str] = {}
    for line in (text or "").replace("，", "\n").replace(",", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        for sep in ("=", "＝", ":", "：", " "):
            if sep in line:
                name, _sep, value = line.partition(sep)
                break
        else:
            raise BallotError(f"“{line}”应写成“等次=分值”")
        if name.strip() in grades:
            raise BallotError(f"等次“{name.strip()}”重复")
        grades[name.strip()] = value.strip()
    return grades


def grades_text(grades: Mapping[str, Any]) -> str:
    return "\n".join(f"{name}={value}" for name, value in grades.items())


# ---------------------------------------------------------------------------
# Creating and changing an evaluation
# ---------------------------------------------------------------------------


def _inside(path: str, unit: OrgUnit) -> bool:
    return f"/{unit.id}/" in (path or "")


def population_inside(population: Population, unit: OrgUnit) -> bool:
    """Are all of the population's appraisees in ``unit``'s subtree?"""
    paths = db.session.scalars(select(Appraisee.unit_path).where(Appraisee.population_id == population.id)
                               .distinct()).all()
    return bool(paths) and all(_inside(p, unit) for p in paths)


def snapshot(evaluation: Evaluation, groups: list[RaterGroup] | list[GroupSpec] | None = None) -> dict:
    groups = groups_of(evaluation) if groups is None else groups
    return {
        "title": evaluation.title, "population": evaluation.population_id,
        "owner_unit": evaluation.owner_unit_id, "status": evaluation.status.value,
        "scale": evaluation.scale, "grade_values": dict(evaluation.grade_values or {}),
        "min_group_size": evaluation.min_group_size, "small_group_policy": evaluation.small_group_policy,
        "rater_groups": [[g.key, g.name, fmt_weight(g.weight)] for g in groups],
    }


def create_evaluation(cycle: Cycle, population: Population, *, title: str, owner_unit: OrgUnit | None = None,
                      scale: str = "score", grade_values: Mapping[str, Any] | None = None,
                      min_group_size: int = MIN_GROUP_SIZE, small_group_policy: str = "merge",
                      groups: list[GroupSpec] | None = None) -> Evaluation:
    """A draft evaluation of ``population``. Rater groups and weights come from the
    population's scheme when it defines them (``groups`` must then agree or be
    None); otherwise ``groups`` (weights adding up to 1)."""
    _phase(cycle, "ballots.manage")
    if population.cycle_id != cycle.id:
        raise BallotError("所选考核对象群体不属于本考核年度")
    title = (title or "").strip()
    if not title:
        raise BallotError("请填写测评名称")
    if len(title) > MAX_TITLE:
        raise BallotError(f"测评名称不能超过 {MAX_TITLE} 个字符")
    if owner_unit is not None and not population_inside(population, owner_unit):
        raise BallotError(f"单位组织的测评只能评价本单位（{owner_unit.name}）的考核对象")
    specs = _resolve_groups(population, groups)
    settings = _check_settings(scale, grade_values, min_group_size, small_group_policy)
    evaluation = Evaluation(cycle_id=cycle.id, population_id=population.id,
                            owner_unit_id=owner_unit.id if owner_unit else None, title=title,
                            status=EvaluationStatus.DRAFT, settings_frozen=False,
                            created_by_id=_actor_id(), **settings)
    db.session.add(evaluation)
    db.session.flush()
    for spec in specs:
        db.session.add(RaterGroup(evaluation_id=evaluation.id, key=spec.key, name=spec.name, weight=spec.weight))
    db.session.flush()
    audit.record("ballots.create", evaluation, after=snapshot(evaluation, specs), label=title)
    return evaluation


def _claim_unfrozen(evaluation: Evaluation) -> None:
    """Lock the evaluation row while its anonymity settings change, and refuse
    once a ballot is in (the first ballot sets ``settings_frozen``)."""
    result = db.session.execute(
        update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.settings_frozen.is_(False),
                                 Evaluation.status != EvaluationStatus.CLOSED)
        .values(settings_frozen=False).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise SettingsFrozen(FROZEN_REASON)


FROZEN_REASON = ("已有选票投入，评分方式、等次分值、最少人数、人数不足组别的处理方式以及评价人组别和权重"
                 "都不能再修改（否则可能影响匿名性或使已投选票失去意义）")


def update_evaluation(evaluation: Evaluation, *, title: str | None = None, scale: str | None = None,
                      grade_values: Mapping[str, Any] | None = None, min_group_size: int | None = None,
                      small_group_policy: str | None = None,
                      groups: list[GroupSpec] | None = None) -> bool:
    """Change an evaluation. The title may change until it closes; the anonymity
    settings only until the first ballot is in. Returns whether anything changed."""
    _phase(evaluation.cycle, "ballots.manage")
    if evaluation.is_closed:
        raise BallotError("测评已结束，不能再修改")
    before = snapshot(evaluation)
    current = groups_of(evaluation)
    scale = evaluation.scale if scale is None else scale
    if grade_values is None:
        grade_values = evaluation.grade_values if scale == "grade" else None
    settings = _check_settings(
        scale, grade_values if scale == "grade" else None,
        evaluation.min_group_size if min_group_size is None else min_group_size,
        evaluation.small_group_policy if small_group_policy is None else small_group_policy)
    if groups is not None:
        specs = _resolve_groups(evaluation.population, groups)
    else:
        specs = [GroupSpec(g.key, g.name, g.weight) for g in current]
    settings_changed = (
        any(getattr(evaluation, k) != v for k, v in settings.items() if k != "grade_values")
        or (settings["scale"] == "grade" and dict(evaluation.grade_values or {}) != settings["grade_values"])
        or [(g.key, g.name, g.weight) for g in current] != [(s.key, s.name, s.weight) for s in specs]
    )
    if settings_changed:
        _claim_unfrozen(evaluation)
        for key, value in settings.items():
            if key == "grade_values" and settings["scale"] != "grade":
                continue
            setattr(evaluation, key, value)
        _replace_groups(evaluation, current, specs)
    if title is not None:
        title = title.strip()
        if not title:
            raise BallotError("请填写测评名称")
        if len(title) > MAX_TITLE:
            raise BallotError(f"测评名称不能超过 {MAX_TITLE} 个字符")
        evaluation.title = title
    db.session.flush()
    old, new = audit.diff(before, snapshot(evaluation))
    if new or old:
        audit.record("ballots.update", evaluation, before=old, after=new, label=evaluation.title)
    return bool(new or old)


def _replace_groups(evaluation: Evaluation, current: list[RaterGroup], specs: list[GroupSpec]) -> None:
    by_key = {g.key: g for g in current}
    wanted = {s.key for s in specs}
    for group in current:
        if group.key not in wanted:
            used = db.session.scalar(select(func.count()).select_from(Voter)
                                     .where(Voter.rater_group_id == group.id))
            if used:
                raise BallotError(f"组别“{group.name}”已有 {used} 名投票人，请先移除这些投票人再删除该组别")
            db.session.delete(group)
    for spec in specs:
        group = by_key.get(spec.key)
        if group is None:
            db.session.add(RaterGroup(evaluation_id=evaluation.id, key=spec.key, name=spec.name,
                                      weight=spec.weight))
        else:
            group.name, group.weight = spec.name, spec.weight
    db.session.flush()


# ---------------------------------------------------------------------------
# Opening and closing
# ---------------------------------------------------------------------------


def open_evaluation(evaluation: Evaluation) -> None:
    _phase(evaluation.cycle, "ballots.manage")
    if not evaluation.is_draft:
        raise BallotError("只有未开始的测评可以开始投票")
    groups = groups_of(evaluation)
    _check_groups([GroupSpec(g.key, g.name, Decimal(g.weight)) for g in groups])
    voters = db.session.scalar(select(func.count()).select_from(Voter).where(Voter.evaluation_id == evaluation.id))
    if not voters:
        raise BallotError("还没有投票人：请先添加投票人或生成投票码")
    day = today()
    result = db.session.execute(
        update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.DRAFT)
        .values(status=EvaluationStatus.OPEN, opened_on=day).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise BallotError("测评状态已变化，请刷新页面")
    db.session.refresh(evaluation)
    audit.record("ballots.open", evaluation, before={"status": "draft"},
                 after={"status": "open", "opened_on": day.isoformat(), "voters": voters}, label=evaluation.title)


def close_evaluation(evaluation: Evaluation) -> int:
    """Close the evaluation and rewrite its ballots (see the module docstring).
    Returns the number of ballots."""
    _phase(evaluation.cycle, "ballots.manage")
    if not evaluation.is_open:
        raise BallotError("只有正在投票的测评可以结束")
    day = today()
    # First the status (a ballot racing this either committed before — and is
    # rewritten below — or finds the evaluation closed and is refused).
    result = db.session.execute(
        update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.OPEN)
        .values(status=EvaluationStatus.CLOSED, closed_on=day).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise BallotError("测评状态已变化，请刷新页面")
    count = _rewrite_ballots(evaluation, day)
    db.session.refresh(evaluation)
    audit.record("ballots.close", evaluation, before={"status": "open"},
                 after={"status": "closed", "closed_on": day.isoformat(), "ballots": count},
                 label=evaluation.title)
    return count


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _rewrite_ballots(evaluation: Evaluation, day: date) -> int:
    """Copy every ballot and line in random order under new random ids, dated
    ``day``; delete the originals."""
    rng = secrets.SystemRandom()
    tenant_id = evaluation.tenant_id
    old = db.session.execute(select(Ballot.id, Ballot.rater_group_id).where(
        Ballot.evaluation_id == evaluation.id, Ballot.tenant_id == tenant_id)).all()
    if not old:
        return 0
    new_ids = {row.id: uuid.uuid4().hex for row in old}
    lines = db.session.execute(
        select(BallotLine.ballot_id, BallotLine.appraisee_id, BallotLine.score)
        .join(Ballot, Ballot.id == BallotLine.ballot_id)
        .where(Ballot.evaluation_id == evaluation.id, BallotLine.tenant_id == tenant_id)).all()
    new_ballots = [{"id": new_ids[row.id], "tenant_id": tenant_id, "evaluation_id": evaluation.id,
                    "rater_group_id": row.rater_group_id, "cast_on": day} for row in old]
    new_lines = [{"id": uuid.uuid4().hex, "tenant_id": tenant_id, "ballot_id": new_ids[row.ballot_id],
                  "appraisee_id": row.appraisee_id, "score": row.score} for row in lines]
    rng.shuffle(new_ballots)
    rng.shuffle(new_lines)
    if db.engine.dialect.name == "sqlite":
        # zero the deleted rows' bytes in the file instead of leaving them in free pages
        db.session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    for chunk in _chunks(new_ballots):
        db.session.execute(insert(Ballot), chunk)
    for chunk in _chunks(new_lines):
        db.session.execute(insert(BallotLine), chunk)
    old_ids = [row.id for row in old]
    for chunk in _chunks(old_ids):
        db.session.execute(delete(BallotLine).where(BallotLine.ballot_id.in_(chunk))
                           .execution_options(synchronize_session=False))
    for chunk in _chunks(old_ids):
        db.session.execute(delete(Ballot).where(Ballot.id.in_(chunk)).execution_options(synchronize_session=False))
    db.session.expire_all()
    return len(old)


# ---------------------------------------------------------------------------
# Voters
# ---------------------------------------------------------------------------


def _require_voters_editable(evaluation: Evaluation) -> None:
    _phase(evaluation.cycle, "ballots.manage")
    if evaluation.is_closed:
        raise BallotError("测评已结束，不能再调整投票人")


def _check_unit_allowed(evaluation: Evaluation, unit: OrgUnit) -> None:
    owner = evaluation.owner_unit
    if owner is not None and not _inside(unit.path, owner):
        raise BallotError(f"本测评由{owner.name}组织，只能从本单位选取投票人")


def _group(evaluation: Evaluation, group_id) -> RaterGroup:
    group = db.session.get(RaterGroup, int(group_id)) if str(group_id or "").isdigit() else None
    if group is None or group.evaluation_id != evaluation.id:
        raise BallotError("请选择本测评的评价人组别")
    return group


def default_role_groups(evaluation: Evaluation) -> dict[str, int | None]:
    """Leader role → the group people with that role join by default (by key)."""
    by_key = {g.key: g.id for g in groups_of(evaluation)}
    return {role.value: by_key.get(key) for role, key in ROLE_GROUP_KEYS.items()}


def add_voters_by_unit(evaluation: Evaluation, unit: OrgUnit, *, subtree: bool = True,
                       role_groups: Mapping[str, Any]) -> tuple[int, int]:
    """Add the active people of ``unit`` (and below) as voters: ``role_groups``
    maps a leader role (principal/deputy/none) to a rater group id, or to None
    to leave those people out. Returns (added, already voters)."""
    _require_voters_editable(evaluation)
    _check_unit_allowed(evaluation, unit)
    targets: dict[str, RaterGroup | None] = {}
    for role in LeaderRole:
        value = role_groups.get(role.value)
        targets[role.value] = _group(evaluation, value) if value not in (None, "", 0, "0") else None
    if not any(targets.values()):
        raise BallotError("请至少为一类人员选择评价人组别")
    stmt = select(Person).join(OrgUnit, Person.unit_id == OrgUnit.id).where(Person.active.is_(True))
    if subtree:
        stmt = stmt.where(OrgUnit.path.startswith(unit.path, autoescape=True))
    else:
        stmt = stmt.where(Person.unit_id == unit.id)
    people = list(db.session.scalars(stmt.order_by(OrgUnit.path, Person.sort_order, Person.staff_no)))
    existing = set(db.session.scalars(select(Voter.person_id).where(
        Voter.evaluation_id == evaluation.id, Voter.person_id.is_not(None))))
    added = already = 0
    per_group: dict[str, int] = defaultdict(int)
    for person in people:
        group = targets.get(person.leader_role.value)
        if group is None:
            continue
        if person.id in existing:
            already += 1
            continue
        db.session.add(Voter(evaluation_id=evaluation.id, rater_group_id=group.id, person_id=person.id,
                             label="", has_voted=False))
        per_group[group.name] += 1
        added += 1
    db.session.flush()
    if added:
        audit.record("ballots.voters_add", evaluation,
                     after={"unit": unit.code, "subtree": subtree, "added": dict(per_group)},
                     label=evaluation.title)
    return added, already


def add_voter(evaluation: Evaluation, person: Person, group: RaterGroup) -> Voter:
    _require_voters_editable(evaluation)
    if group.evaluation_id != evaluation.id:
        raise BallotError("请选择本测评的评价人组别")
    if not person.active:
        raise BallotError(f"{person.name} 已停用，不能作为投票人")
    _check_unit_allowed(evaluation, person.unit)
    if db.session.scalar(select(Voter.id).where(Voter.evaluation_id == evaluation.id,
                                                Voter.person_id == person.id)):
        raise BallotError(f"{person.name} 已是本测评的投票人")
    voter = Voter(evaluation_id=evaluation.id, rater_group_id=group.id, person_id=person.id, label="",
                  has_voted=False)
    db.session.add(voter)
    db.session.flush()
    audit.record("ballots.voter_add", evaluation, after={"person": person.staff_no, "group": group.key},
                 label=evaluation.title)
    return voter


def remove_voter(evaluation: Evaluation, voter: Voter) -> None:
    """Remove a voter who has not voted (a person added by mistake, a lost slip)."""
    _require_voters_editable(evaluation)
    if voter.evaluation_id != evaluation.id:
        raise BallotError("该投票人不属于本测评")
    person = db.session.get(Person, voter.person_id) if voter.person_id else None
    who = person.name if person else f"投票码 {voter.label}"
    result = db.session.execute(delete(Voter).where(Voter.id == voter.id, Voter.has_voted.is_(False))
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise BallotError(f"{who} 已投票，不能移除")
    db.session.expunge(voter)
    audit.record("ballots.voter_remove", evaluation,
                 after={"person": person.staff_no if person else None, "slip": voter.label or None},
                 label=evaluation.title)


# ---------------------------------------------------------------------------
# One-time codes for a live meeting
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Slip:
    """One printed voting slip: shown once, never stored in plain text."""

    group_name: str
    label: str
    code: str  # formatted for reading, e.g. "ABCDE-FGHJK"
    person_name: str = ""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str:
    """What a voter typed → the code: full-width forms folded, case and
    separators ignored."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()


def _fresh_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.update(new_code() for _ in range(count - len(codes)))
        taken = set(db.session.scalars(select(Voter.code_hash).where(
            Voter.code_hash.in_([hash_code(c) for c in codes]))))
        codes = {c for c in codes if hash_code(c) not in taken}
    return sorted(codes)


def generate_codes(evaluation: Evaluation, group: RaterGroup, count: int) -> list[Slip]:
    """``count`` anonymous voting slips for ``group`` (e.g. outside
    representatives, who are not appraisees). Only the hashes are kept: the
    returned codes are printed now or never."""
    _require_voters_editable(evaluation)
    if group.evaluation_id != evaluation.id:
        raise BallotError("请选择本测评的评价人组别")
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise BallotError("请填写要生成的投票码数量") from None
    if not 1 <= count <= MAX_CODES_AT_ONCE:
        raise BallotError(f"一次可生成 1 到 {MAX_CODES_AT_ONCE} 个投票码")
    issued = db.session.scalar(select(func.count()).select_from(Voter).where(
        Voter.evaluation_id == evaluation.id, Voter.rater_group_id == group.id, Voter.person_id.is_(None))) or 0
    slips = []
    for n, code in enumerate(_fresh_codes(count), start=issued + 1):
        label = f"{n:03d}"
        db.session.add(Voter(evaluation_id=evaluation.id, rater_group_id=group.id, person_id=None,
                             code_hash=hash_code(code), label=label, has_voted=False))
        slips.append(Slip(group.name, label, format_code(code)))
    db.session.flush()
    audit.record("ballots.codes", evaluation, after={"group": group.key, "count": count,
                                                     "slips": f"{slips[0].label}–{slips[-1].label}"},
                 label=evaluation.title)
    return slips


def issue_named_codes(evaluation: Evaluation, group: RaterGroup, *, reissue: bool = False,
                      without_account_only: bool = True) -> list[Slip]:
    """Voting slips for the group's named voters who have not voted — for staff
    without an account at a live meeting. The slip names its holder, so their
    ballot leaves them out like an in-app ballot would. ``reissue`` replaces
    codes already issued (the old slips stop working)."""
    _require_voters_editable(evaluation)
    if group.evaluation_id != evaluation.id:
        raise BallotError("请选择本测评的评价人组别")
    stmt = (select(Voter, Person).join(Person, Person.id == Voter.person_id)
            .join(OrgUnit, OrgUnit.id == Person.unit_id)
            .where(Voter.evaluation_id == evaluation.id, Voter.rater_group_id == group.id,
                   Voter.has_voted.is_(False)).order_by(OrgUnit.path, Person.sort_order, Person.staff_no))
    if not reissue:
        stmt = stmt.where(Voter.code_hash.is_(None))
    if without_account_only:
        stmt = stmt.where(Person.user_id.is_(None))
    rows = db.session.execute(stmt).all()
    if not rows:
        raise BallotError(f"“{group.name}”没有需要发放投票码的投票人")
    codes = _fresh_codes(len(rows))
    slips = []
    for (voter, person), code in zip(rows, codes):
        voter.code_hash = hash_code(code)
        slips.append(Slip(group.name, person.staff_no, format_code(code), person.name))
    db.session.flush()
    audit.record("ballots.codes_named", evaluation,
                 after={"group": group.key, "count": len(slips), "reissue": reissue}, label=evaluation.title)
    return slips


def code_stats(evaluation: Evaluation) -> dict[int, dict[str, int]]:
    """Per rater group: anonymous slips issued/used, named voters holding a code."""
    rows = db.session.execute(
        select(Voter.rater_group_id, Voter.person_id.is_(None), Voter.has_voted, func.count())
        .where(Voter.evaluation_id == evaluation.id, Voter.code_hash.is_not(None))
        .group_by(Voter.rater_group_id, Voter.person_id.is_(None), Voter.has_voted)).all()
    stats: dict[int, dict[str, int]] = defaultdict(lambda: {"anonymous": 0, "anonymous_used": 0, "named": 0})
    for group_id, anonymous, voted, n in rows:
        if anonymous:
            stats[group_id]["anonymous"] += n
            if voted:
                stats[group_id]["anonymous_used"] += n
        else:
            stats[group_id]["named"] += n
    return stats


def voter_for_code(text: str) -> Voter | None:
    """The unused voter of an open evaluation behind a typed code, or None."""
    code = normalise_code(text)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return db.session.scalar(
        select(Voter).join(Evaluation, Evaluation.id == Voter.evaluation_id)
        .where(Voter.code_hash == hash_code(code), Voter.has_voted.is_(False),
               Evaluation.status == EvaluationStatus.OPEN).limit(1))


# ---------------------------------------------------------------------------
# The ballot
# ---------------------------------------------------------------------------


@dataclass
class SheetRow:
    appraisee: Appraisee
    report: SelfReport | None = None


def _own_appraisee(appraisee: Appraisee, person: Person | None) -> bool:
    """Would this line be the voter rating themselves (or, for a population of
    units, their own unit)?"""
    if person is None:
        return False
    if appraisee.person_id is not None:
        return appraisee.person_id == person.id
    if appraisee.org_unit_id is not None:
        return f"/{appraisee.org_unit_id}/" in (person.unit.path or "")
    return False


def ballot_sheet(evaluation: Evaluation, voter: Voter) -> list[SheetRow]:
    """The appraisees this voter scores: the population without themself (and
    without appraisees excluded from the cycle), with their submitted self-reports."""
    person = db.session.get(Person, voter.person_id) if voter.person_id else None
    appraisees = [a for a in db.session.scalars(
        select(Appraisee).where(Appraisee.population_id == evaluation.population_id)
        .order_by(Appraisee.sort_order, Appraisee.id))
        if not (a.excluded_reason or "").strip() and not _own_appraisee(a, person)]
    reports = {r.appraisee_id: r for r in db.session.scalars(
        select(SelfReport).where(SelfReport.appraisee_id.in_([a.id for a in appraisees]),
                                 SelfReport.submitted_at.is_not(None)))} if appraisees else {}
    return [SheetRow(a, reports.get(a.id)) for a in appraisees]


def check_can_vote(evaluation: Evaluation, voter: Voter) -> None:
    if voter.evaluation_id != evaluation.id:
        raise NotEligible("您不是本次测评的投票人")
    if evaluation.is_draft:
        raise NotEligible("本次测评尚未开始投票")
    if evaluation.is_closed:
        raise NotEligible("本次测评已结束")
    try:
        require_phase(evaluation.cycle, "ballots.vote")
    except CycleError as exc:
        raise NotEligible(str(exc)) from None
    if voter.has_voted:
        raise AlreadyVoted("您已经投过票了：每人只能投一次")


def _score_of(evaluation: Evaluation, raw: Any) -> tuple[Decimal | None, str]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "请评分" if evaluation.scale == "score" else "请选择等次"
    if evaluation.scale == "grade":
        grades = evaluation.grade_values or {}
        key = str(raw).strip()
        if key not in grades:
            return None, "请从列表中选择等次"
        return Decimal(str(grades[key])).quantize(_CENT, ROUND_HALF_UP), ""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None, "请输入 0 到 100 之间的分数"
    if not value.is_finite() or not 0 <= value <= 100:
        return None, "请输入 0 到 100 之间的分数"
    if value != value.quantize(_CENT):
        return None, "分数最多保留两位小数"
    return value.quantize(_CENT), ""


def _lines(evaluation: Evaluation, voter: Voter, answers: Mapping[int, Any]) -> dict[int, Decimal]:
    sheet = {row.appraisee.id for row in ballot_sheet(evaluation, voter)}
    errors: dict[int, str] = {}
    lines: dict[int, Decimal] = {}
    for appraisee_id in sheet:
        score, error = _score_of(evaluation, answers.get(appraisee_id))
        if error:
            errors[appraisee_id] = error
        else:
            lines[appraisee_id] = score  # type: ignore[assignment]
    extra = set(answers) - sheet
    if extra:
        person = db.session.get(Person, voter.person_id) if voter.person_id else None
        own = [a for a in db.session.scalars(select(Appraisee).where(Appraisee.id.in_(extra)))
               if a.population_id == evaluation.population_id and _own_appraisee(a, person)]
        errors[0] = "不能给本人（本单位）评分" if own else "选票中有不属于本次测评的考核对象"
    if errors:
        raise BallotInvalid(errors)
    return lines


def cast_ballot(voter_id: int, answers: Mapping[int, Any]) -> None:
    """Cast the voter's one ballot: ``answers`` maps appraisee id → a 0–100 score
    or a grade name. One transaction, committed here: claim the voter (only if
    they have not voted), check the evaluation is still open (freezing its
    settings), insert the ballot and lines with random ids and today's date.

    Raises :class:`NotEligible` / :class:`AlreadyVoted` / :class:`BallotInvalid`
    (nothing is written then).
    """
    try:
        voter = db.session.get(Voter, int(voter_id), populate_existing=True)
        if voter is None:
            raise NotEligible("您不是本次测评的投票人")
        evaluation = db.session.get(Evaluation, voter.evaluation_id, populate_existing=True)
        check_can_vote(evaluation, voter)
        lines = _lines(evaluation, voter, answers)
        day = today()
        claimed = db.session.execute(
            update(Voter).where(Voter.id == voter.id, Voter.evaluation_id == evaluation.id,
                                Voter.has_voted.is_(False))
            .values(has_voted=True, voted_on=day).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            raise AlreadyVoted("您已经投过票了：每人只能投一次")
        still_open = db.session.execute(
            update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.OPEN)
            .values(settings_frozen=True).execution_options(synchronize_session=False))
        if still_open.rowcount != 1:
            raise NotEligible("本次测评已结束")
        ballot_id = uuid.uuid4().hex
        db.session.execute(insert(Ballot), [{
            "id": ballot_id, "tenant_id": evaluation.tenant_id, "evaluation_id": evaluation.id,
            "rater_group_id": voter.rater_group_id, "cast_on": day}])
        db.session.execute(insert(BallotLine), [{
            "id": uuid.uuid4().hex, "tenant_id": evaluation.tenant_id, "ballot_id": ballot_id,
            "appraisee_id": appraisee_id, "score": score} for appraisee_id, score in lines.items()])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


# ---------------------------------------------------------------------------
# Turnout (live) and results (after closing)
# ---------------------------------------------------------------------------


@dataclass
class GroupTurnout:
    group: RaterGroup
    eligible: int = 0
    voted: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.voted / self.eligible) if self.eligible else 0


def turnouts(evaluations: Iterable[Evaluation]) -> dict[int, list[GroupTurnout]]:
    """Per evaluation, per rater group: eligible voters and how many have voted."""
    ids = [e.id for e in evaluations]
    if not ids:
        return {}
    result: dict[int, list[GroupTurnout]] = {i: [] for i in ids}
    by_group: dict[int, GroupTurnout] = {}
    for group in db.session.scalars(select(RaterGroup).where(RaterGroup.evaluation_id.in_(ids))
                                    .order_by(RaterGroup.id)):
        by_group[group.id] = GroupTurnout(group)
        result[group.evaluation_id].append(by_group[group.id])
    for group_id, voted, n in db.session.execute(
            select(Voter.rater_group_id, Voter.has_voted, func.count())
            .where(Voter.evaluation_id.in_(ids)).group_by(Voter.rater_group_id, Voter.has_voted)):
        if group_id in by_group:
            by_group[group_id].eligible += n
            if voted:
                by_group[group_id].voted += n
    return result


def turnout(evaluation: Evaluation) -> list[GroupTurnout]:
    return turnouts([evaluation])[evaluation.id]


def _assign(counts: Mapping[int, int], groups: list[RaterGroup], min_size: int, policy: str) -> dict[int, Any]:
    """For one appraisee: where each rater group's lines go — the group itself
    (enough lines), ``MERGED`` (pooled small groups), another group (a pool still
    too small joins the smallest group that has enough), or None (dropped)."""
    present = [g for g in groups if counts.get(g.id, 0) > 0]
    enough = [g for g in present if counts[g.id] >= min_size]
    small = [g for g in present if counts[g.id] < min_size]
    target: dict[int, Any] = {g.id: g.id for g in enough}
    if not small:
        return target
    if policy == "drop":
        target.update({g.id: None for g in small})
        return target
    pooled = sum(counts[g.id] for g in small)
    if len(small) > 1 and pooled >= min_size:
        target.update({g.id: MERGED for g in small})
    elif enough:
        host = min(enough, key=lambda g: (counts[g.id], groups.index(g)))
        target.update({g.id: host.id for g in small})
    else:
        target.update({g.id: None for g in small})
    return target


def _merged_key(members: list[RaterGroup]) -> RaterGroup:
    """The group pooled lines are counted under in the computation: the member
    with the largest weight (the first on a tie)."""
    return max(members, key=lambda g: (g.weight, -members.index(g)))


@dataclass
class Cell:
    n: int
    total: Decimal
    merged_from: list[str] = field(default_factory=list)  # names of groups counted in here

    @property
    def mean(self) -> Decimal:
        return (self.total / self.n).quantize(_CENT, ROUND_HALF_UP)


@dataclass
class ResultRow:
    appraisee: Appraisee
    cells: dict[Any, Cell]  # group id or MERGED → cell
    hidden: dict[int, str]  # group id → "merged" | "dropped"
    total: Decimal | None  # weighted over the groups shown


@dataclass
class Column:
    key: Any  # group id or MERGED
    name: str
    weight: Decimal | None


@dataclass
class Results:
    evaluation: Evaluation
    columns: list[Column]
    rows: list[ResultRow]
    ballots: int
    min_group_size: int
    policy: str

    @property
    def any_hidden(self) -> bool:
        return any(row.hidden for row in self.rows)


def _aggregates(evaluation: Evaluation) -> dict[int, dict[int, tuple[int, Decimal]]]:
    rows = db.session.execute(
        select(BallotLine.appraisee_id, Ballot.rater_group_id, func.count(), func.sum(BallotLine.score))
        .join(Ballot, Ballot.id == BallotLine.ballot_id)
        .where(Ballot.evaluation_id == evaluation.id)
        .group_by(BallotLine.appraisee_id, Ballot.rater_group_id)).all()
    out: dict[int, dict[int, tuple[int, Decimal]]] = defaultdict(dict)
    for appraisee_id, group_id, n, total in rows:
        out[appraisee_id][group_id] = (int(n), Decimal(str(total)))
    return out


def results(evaluation: Evaluation) -> Results:
    """Per appraisee × rater group: lines and mean — only once closed, and only
    for groups with at least ``min_group_size`` lines (the rest merged or dropped)."""
    if not evaluation.is_closed:
        raise ResultsHidden("测评结束后才能查看结果")
    groups = groups_of(evaluation)
    by_id = {g.id: g for g in groups}
    aggregates = _aggregates(evaluation)
    ballots = db.session.scalar(select(func.count()).select_from(Ballot)
                                .where(Ballot.evaluation_id == evaluation.id)) or 0
    appraisees = list(db.session.scalars(select(Appraisee).where(
        Appraisee.population_id == evaluation.population_id).order_by(Appraisee.sort_order, Appraisee.id)))
    rows: list[ResultRow] = []
    any_merged = False
    for appraisee in appraisees:
        agg = aggregates.get(appraisee.id, {})
        counts = {gid: n for gid, (n, _t) in agg.items()}
        target = _assign(counts, groups, evaluation.min_group_size, evaluation.small_group_policy)
        cells: dict[Any, Cell] = {}
        hidden: dict[int, str] = {}
        for gid, (n, total) in agg.items():
            to = target.get(gid)
            if to is None:
                hidden[gid] = "dropped"
                continue
            cell = cells.setdefault(to, Cell(0, Decimal(0)))
            cell.n += n
            cell.total += total
            if to != gid:
                hidden[gid] = "merged"
                cell.merged_from.append(by_id[gid].name)
        any_merged = any_merged or MERGED in cells
        rows.append(ResultRow(appraisee, cells, hidden, _weighted(cells, target, by_id)))
    columns = [Column(g.id, g.name, g.weight) for g in groups]
    if any_merged:
        columns.append(Column(MERGED, "合并组", None))
    return Results(evaluation, columns, rows, ballots, evaluation.min_group_size, evaluation.small_group_policy)


def _weighted(cells: dict[Any, Cell], target: dict[int, Any], by_id: dict[int, RaterGroup]) -> Decimal | None:
    """The weighted mean over the groups shown, as the computation takes it: a
    pooled cell counts with the weight of its largest member; absent groups'
    weights are spread over the present ones."""
    num = Decimal(0)
    den = Decimal(0)
    for key, cell in cells.items():
        if key == MERGED:
            weight = _merged_key([by_id[g] for g, t in target.items() if t == MERGED]).weight
        else:
            weight = by_id[key].weight
        num += Decimal(weight) * cell.total / cell.n
        den += Decimal(weight)
    if den == 0:
        return None
    return (num / den).quantize(_CENT, ROUND_HALF_UP)


FRAME_COLUMNS = ["appraisee_id", "rater_group", "score", "indicator"]


def _frame(tenant_id: int, evaluations: list[tuple[int, int, str]], indicator: str) -> pd.DataFrame:
    """Lines of ``evaluations`` — (id, min_group_size, small_group_policy) — after
    the small-group rule. Core queries filtered by ``tenant_id`` explicitly, so
    that a job without a tenant scope can call it too."""
    if not evaluations:
        return pd.DataFrame({c: [] for c in FRAME_COLUMNS})
    conn = db.session.connection()
    g, b, bl = RaterGroup.__table__, Ballot.__table__, BallotLine.__table__
    ids = [e[0] for e in evaluations]
    groups: dict[int, list] = defaultdict(list)
    for row in conn.execute(select(g.c.id, g.c.evaluation_id, g.c.key, g.c.weight)
                            .where(g.c.tenant_id == tenant_id, g.c.evaluation_id.in_(ids)).order_by(g.c.id)):
        groups[row.evaluation_id].append(row)
    lines = conn.execute(
        select(b.c.evaluation_id, bl.c.appraisee_id, b.c.rater_group_id, bl.c.score)
        .join(b, and_(b.c.id == bl.c.ballot_id, b.c.tenant_id == tenant_id))
        .where(bl.c.tenant_id == tenant_id, b.c.evaluation_id.in_(ids))).all()
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for evaluation_id, appraisee_id, group_id, _score in lines:
        counts[(evaluation_id, appraisee_id)][group_id] += 1
    settings = {e[0]: e[1:] for e in evaluations}
    labels: dict[tuple[int, int], dict[int, str | None]] = {}
    for (evaluation_id, appraisee_id), per_group in counts.items():
        members = groups[evaluation_id]
        by_id = {m.id: m for m in members}
        target = _assign(per_group, members, *settings[evaluation_id])
        merged = [by_id[gid] for gid, t in target.items() if t == MERGED]
        labels[(evaluation_id, appraisee_id)] = {
            gid: None if t is None else (_merged_key(merged).key if t == MERGED else by_id[t].key)
            for gid, t in target.items()}
    data = sorted(
        (str(appraisee_id), labels[(evaluation_id, appraisee_id)][group_id], float(score), indicator)
        for evaluation_id, appraisee_id, group_id, score in lines
        if labels[(evaluation_id, appraisee_id)].get(group_id) is not None)
    return pd.DataFrame(data, columns=FRAME_COLUMNS) if data else pd.DataFrame({c: [] for c in FRAME_COLUMNS})


def ballots_frame(evaluation: Evaluation, *, indicator: str = "") -> pd.DataFrame:
    """The ballot lines in the engine's ``ballots`` input shape (appraisee_id,
    rater_group, score, indicator), after the small-group rule — the same rule as
    :func:`results`: pooled lines are labelled with the largest member group's
    key, dropped lines are left out. ``appraisee_id`` is the platform's appraisee
    id as a string. Closed evaluations only (until then the rows could still be
    linked to the voters)."""
    if not evaluation.is_closed:
        raise ResultsHidden("测评结束后才能取用选票数据")
    return _frame(evaluation.tenant_id, [(evaluation.id, evaluation.min_group_size,
                                          evaluation.small_group_policy)], indicator)


def population_ballots_frame(population: Population, *, indicator: str = "") -> pd.DataFrame:
    """The computation's ``ballots`` input for a population: the lines of all its
    closed evaluations (normally one), after the small-group rule. Explicit
    tenant filters: usable from a job without a tenant scope."""
    e = Evaluation.__table__
    evaluations = db.session.connection().execute(
        select(e.c.id, e.c.min_group_size, e.c.small_group_policy)
        .where(e.c.tenant_id == population.tenant_id, e.c.population_id == population.id,
               e.c.status == EvaluationStatus.CLOSED.value).order_by(e.c.id)).all()
    return _frame(population.tenant_id, [tuple(row) for row in evaluations], indicator)


# ---------------------------------------------------------------------------
# The voter's view
# ---------------------------------------------------------------------------


@dataclass
class MyEvaluation:
    evaluation: Evaluation
    voter: Voter
    group: RaterGroup


def my_evaluations(user) -> list[MyEvaluation]:
    """Evaluations (open or closed) the user's person may vote or has voted in."""
    person = db.session.scalar(select(Person).where(Person.user_id == user.id))
    if person is None:
        return []
    rows = db.session.execute(
        select(Evaluation, Voter, RaterGroup)
        .join(Voter, Voter.evaluation_id == Evaluation.id)
        .join(RaterGroup, RaterGroup.id == Voter.rater_group_id)
        .where(Voter.person_id == person.id, Evaluation.status != EvaluationStatus.DRAFT)
        .order_by(Evaluation.id.desc())).all()
    return [MyEvaluation(e, v, g) for e, v, g in rows]


def voter_of(evaluation: Evaluation, user) -> Voter | None:
    person = db.session.scalar(select(Person).where(Person.user_id == user.id))
    if person is None:
        return None
    return db.session.scalar(select(Voter).where(Voter.evaluation_id == evaluation.id,
                                                 Voter.person_id == person.id))
