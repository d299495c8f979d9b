"""Setting up a democratic evaluation: what the population's scheme says about
rater groups, the settings (scale, grades, the small-group rule) and their
checks, creating and changing an evaluation, and opening it for voting.

The anonymity settings and the rater groups freeze with the first ballot
(``settings_frozen``, set by :func:`.casting.cast_ballot`); the title may change
until the evaluation closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select, update

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.ballots import sealing
from appraisal.tenants.ballots.common import (
    BallotError,
    GroupSpec,
    SettingsFrozen,
    check_group_sizes,
    check_phase,
    fmt_weight,
    group_sizes,
    groups_of,
    inside_unit,
    today,
)
from appraisal.tenants.ballots.models import Evaluation, EvaluationStatus, RaterGroup, Voter
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.schemes.models import SchemeVersion

#: The rater groups offered when the population's scheme defines none.
STANDARD_GROUPS: tuple[tuple[str, str], ...] = (
    ("principal", "主要领导"),
    ("deputy", "副职领导"),
    ("staff", "干部职工"),
    ("outside", "服务对象代表"),
)

#: Grade scale default (等次 → score); the office may change it before the first ballot.
DEFAULT_GRADES = {"优秀": 95, "称职": 80, "基本称职": 65, "不称职": 40}

SCALES = ("score", "grade")
POLICIES = ("merge", "drop")
MIN_GROUP_SIZE = 3  # below this, a group mean would give a voter's score away
MAX_GROUP_SIZE_SETTING = 100
MAX_TITLE = 300
MAX_GROUP_NAME = 100

#: The warning the office confirms to keep a group below the minimum size (记名组).
KNOWN_VOTERS_WARNING = _l("记名组：该组投票人少于最少人数，其投票人可被识别（例如只有 1 人时，该组的分数就是这个人的评分）。"
                          "记名组的分数按原样计入结果，不合并、不舍弃，结果中注明“记名组”。")

FROZEN_REASON = _l("已有选票投入，评分方式、等次分值、最少人数、人数不足组别的处理方式以及评价人组别和权重"
                   "都不能再修改（否则可能影响匿名性或使已投选票失去意义）")


def _actor_id() -> int | None:
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    return None if user is None or getattr(user, "is_operator", False) else user.id


def _weight(value: Any) -> Decimal:
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BallotError(_("权重“%(value)s”不是数字", value=value)) from None
    if not weight.is_finite() or weight < 0 or weight > 1:
        raise BallotError(_("每个组别的权重须在 0 到 1 之间"))
    if weight != weight.quantize(Decimal("0.0001")):
        raise BallotError(_("权重最多保留四位小数"))
    return weight


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


def _check_population_has_ballot_indicator(population: Population) -> None:
    """Refuse an evaluation whose scores could count for nothing: the population's
    scheme has no 民主测评 (ballot) indicator to receive them (the computation
    would fail on every ballot)."""
    indicator, _groups = scheme_ballot(population)
    if indicator is None:
        raise BallotError(_("“%(population)s”的考核方案没有民主测评指标，测评得分无法计入考核结果，"
                            "因此不能为该群体建立或开始民主测评。请先在考核方案中增加民主测评指标，或选择其他考核对象群体。",
                            population=population.name))


def _check_groups(groups: list[GroupSpec]) -> list[GroupSpec]:
    if not groups:
        raise BallotError(_("至少需要一个评价人组别"))
    keys = [g.key for g in groups]
    if len(set(keys)) != len(keys):
        raise BallotError(_("评价人组别重复"))
    for g in groups:
        if not g.name.strip():
            raise BallotError(_("组别名称不能为空"))
        if len(g.name.strip()) > MAX_GROUP_NAME:
            raise BallotError(_("组别名称不能超过 %(n)s 个字符", n=MAX_GROUP_NAME))
    total = sum((g.weight for g in groups), Decimal(0))
    if total != 1:
        raise BallotError(_("各组别权重之和须等于 1（现在是 %(total)s）", total=fmt_weight(total)))
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
            raise BallotError(_("请填写“%(name)s”的权重", name=row.get("name") or key))
        specs.append(GroupSpec(key, str(row.get("name") or ""), _weight(row.get("weight"))))
    return _check_groups(specs)


def _resolve_groups(population: Population, groups: list[GroupSpec] | None) -> list[GroupSpec]:
    _indicator, scheme_groups = scheme_ballot(population)
    if scheme_groups:
        if groups is not None and sorted((g.key, g.weight) for g in groups) != sorted(
                (g.key, g.weight) for g in scheme_groups):
            described = _("、").join(f"{g.name} {fmt_weight(g.weight)}" for g in scheme_groups)
            raise BallotError(_("本群体的考核方案已规定评价人组别及权重（%(groups)s），不能更改", groups=described))
        return scheme_groups
    if groups is None:
        raise BallotError(_("请选择评价人组别并填写权重"))
    return _check_groups(groups)


def _check_settings(scale: str, grade_values: Mapping[str, Any] | None, min_group_size: int,
                    small_group_policy: str) -> dict:
    if scale not in SCALES:
        raise BallotError(_("评分方式只能是百分制或等次"))
    grades: dict[str, int | float] = {}
    if scale == "grade":
        for name, value in (grade_values or DEFAULT_GRADES).items():
            name = str(name).strip()
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError):
                raise BallotError(_("等次“%(name)s”的分值不是数字", name=name)) from None
            if not name or not number.is_finite() or not 0 <= number <= 100:
                raise BallotError(_("每个等次须有名称，分值在 0 到 100 之间"))
            if name in grades:
                raise BallotError(_("等次“%(name)s”重复", name=name))
            grades[name] = int(number) if number == number.to_integral_value() else float(number)
        if len(grades) < 2:
            raise BallotError(_("等次评分至少需要两个等次"))
    try:
        min_size = int(min_group_size)
    except (TypeError, ValueError):
        raise BallotError(_("最少人数须是整数")) from None
    if not MIN_GROUP_SIZE <= min_size <= MAX_GROUP_SIZE_SETTING:
        raise BallotError(_("显示结果的组别最少人数须在 %(min)s 到 %(max)s 之间（少于 %(min)s 人时，个人的评分可被推算出来）",
                            min=MIN_GROUP_SIZE, max=MAX_GROUP_SIZE_SETTING))
    if small_group_policy not in POLICIES:
        raise BallotError(_("人数不足组别的处理方式只能是合并或舍弃"))
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
            raise BallotError(_("“%(line)s”应写成“等次=分值”", line=line))
        if name.strip() in grades:
            raise BallotError(_("等次“%(name)s”重复", name=name.strip()))
        grades[name.strip()] = value.strip()
    return grades


def grades_text(grades: Mapping[str, Any]) -> str:
    return "\n".join(f"{name}={value}" for name, value in grades.items())


# ---------------------------------------------------------------------------
# Creating and changing an evaluation
# ---------------------------------------------------------------------------


def population_inside(population: Population, unit: OrgUnit) -> bool:
    """Are all of the population's appraisees in ``unit``'s subtree?"""
    paths = db.session.scalars(select(Appraisee.unit_path).where(Appraisee.population_id == population.id)
                               .distinct()).all()
    return bool(paths) and all(inside_unit(p, unit) for p in paths)


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
    check_phase(cycle, "ballots.manage")
    if population.cycle_id != cycle.id:
        raise BallotError(_("所选考核对象群体不属于本考核年度"))
    title = (title or "").strip()
    if not title:
        raise BallotError(_("请填写测评名称"))
    if len(title) > MAX_TITLE:
        raise BallotError(_("测评名称不能超过 %(n)s 个字符", n=MAX_TITLE))
    if owner_unit is not None and not population_inside(population, owner_unit):
        raise BallotError(_("单位组织的测评只能评价本单位（%(unit)s）的考核对象", unit=owner_unit.name))
    _check_population_has_ballot_indicator(population)
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
        raise SettingsFrozen(str(FROZEN_REASON))


def update_evaluation(evaluation: Evaluation, *, title: str | None = None, scale: str | None = None,
                      grade_values: Mapping[str, Any] | None = None, min_group_size: int | None = None,
                      small_group_policy: str | None = None,
                      groups: list[GroupSpec] | None = None) -> bool:
    """Change an evaluation. The title may change until it closes; the anonymity
    settings only until the first ballot is in. Returns whether anything changed."""
    check_phase(evaluation.cycle, "ballots.manage")
    if evaluation.is_closed:
        raise BallotError(_("测评已结束，不能再修改"))
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
        if evaluation.is_open:  # a higher minimum must not leave an open group identifiable
            check_group_sizes(evaluation)
    if title is not None:
        title = title.strip()
        if not title:
            raise BallotError(_("请填写测评名称"))
        if len(title) > MAX_TITLE:
            raise BallotError(_("测评名称不能超过 %(n)s 个字符", n=MAX_TITLE))
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
                raise BallotError(_("组别“%(name)s”已有 %(n)s 名投票人，请先移除这些投票人再删除该组别",
                                    name=group.name, n=used))
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
# Opening
# ---------------------------------------------------------------------------


def open_evaluation(evaluation: Evaluation) -> None:
    check_phase(evaluation.cycle, "ballots.manage")
    if not evaluation.is_draft:
        raise BallotError(_("只有未开始的测评可以开始投票"))
    _check_population_has_ballot_indicator(evaluation.population)
    groups = groups_of(evaluation)
    _check_groups([GroupSpec(g.key, g.name, Decimal(g.weight)) for g in groups])
    voters = db.session.scalar(select(func.count()).select_from(Voter).where(Voter.evaluation_id == evaluation.id))
    if not voters:
        raise BallotError(_("还没有投票人：请先添加投票人或生成投票码"))
    check_group_sizes(evaluation, groups)
    day = today()
    result = db.session.execute(
        update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.DRAFT)
        .values(status=EvaluationStatus.OPEN, opened_on=day).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise BallotError(_("测评状态已变化，请刷新页面"))
    sealing.ensure_key(evaluation)
    db.session.refresh(evaluation)
    audit.record("ballots.open", evaluation, before={"status": "draft"},
                 after={"status": "open", "opened_on": day.isoformat(), "voters": voters}, label=evaluation.title)


# ---------------------------------------------------------------------------
# Groups below the minimum size: refused, or kept as known-voter groups
# ---------------------------------------------------------------------------


def set_known_voters(evaluation: Evaluation, group: RaterGroup, known: bool, *, confirmed: bool = False) -> bool:
    """Keep ``group`` as a known-voter group (记名组) — only with ``confirmed``,
    the office's confirmation of :data:`KNOWN_VOTERS_WARNING` — or make it an
    ordinary group again. Audited; frozen with the other settings once a ballot
    is in. Returns whether anything changed."""
    check_phase(evaluation.cycle, "ballots.manage")
    if group.evaluation_id != evaluation.id:
        raise BallotError(_("请选择本测评的评价人组别"))
    if evaluation.is_closed:
        raise BallotError(_("测评已结束，不能再修改"))
    if known and not confirmed:
        raise BallotError(_("请先确认：记名组“%(name)s”的投票人可被识别", name=group.name))
    if bool(group.known_voters) == bool(known):
        return False
    _claim_unfrozen(evaluation)
    group.known_voters = bool(known)
    db.session.flush()
    n = group_sizes(evaluation).get(group.id, 0)
    audit.record("ballots.known_group", evaluation,
                 before={"group": group.key, "known_voters": not known},
                 after={"group": group.key, "name": group.name, "known_voters": bool(known), "voters": n,
                        "warning": str(KNOWN_VOTERS_WARNING) if known else ""},
                 label=evaluation.title)
    return True
