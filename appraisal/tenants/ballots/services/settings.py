"""An evaluation's settings: what the population's scheme says about rater
groups, the standard groups, the scale and grades, the small-group rule, and
their checks (used by :mod:`.setup` when an evaluation is created or changed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appraisal.tenants.ballots.models import Evaluation
from appraisal.tenants.ballots.services.common import BallotError, GroupSpec, fmt_weight, groups_of
from appraisal.tenants.ballots.services.rules import scheme_rules
from appraisal.tenants.cycles.models import Population

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
KNOWN_VOTERS_WARNING = _l(
    "记名组：该组投票人少于最少人数，其投票人可被识别（例如只有 1 人时，该组的分数就是这个人的评分）。"
    "记名组的分数按原样计入结果，不合并、不舍弃，结果中注明“记名组”。"
)

FROZEN_REASON = _l(
    "已有选票投入，评分方式、等次分值、最少人数、人数不足组别的处理方式以及评价人组别和权重"
    "都不能再修改（否则可能影响匿名性或使已投选票失去意义）"
)


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
    version = population.scheme_version
    leaves = list(_ballot_leaves((version.content or {}).get("indicators", []))) if version else []
    for key, method in leaves:
        groups = method.get("rater_groups") or []
        if groups:
            return key, [
                GroupSpec(g["key"], g.get("name_zh") or g.get("name_en") or g["key"], Decimal(str(g.get("weight", 0))))
                for g in groups
            ]
    return (leaves[0][0] if leaves else None), []


def scheme_rules_of(population: Population) -> dict:
    """The ballot rules the population's scheme gives as defaults (the first
    ballot indicator's ``method.rules``; none: no rules)."""
    version = population.scheme_version
    for _key, method in _ballot_leaves((version.content or {}).get("indicators", []) if version else []):
        if method.get("rules"):
            return scheme_rules(method)
    return {}


def engine_rater_groups(evaluation: Evaluation) -> list[dict]:
    """The evaluation's groups as an engine override of the ballot indicator's
    ``rater_groups`` — for populations whose scheme defines none (the engine then
    takes a plain mean unless the computation passes these)."""
    return [
        {"key": g.key, "name_zh": g.name, "name_en": g.key, "weight": float(g.weight)} for g in groups_of(evaluation)
    ]


def check_population_has_ballot_indicator(population: Population) -> None:
    """Refuse an evaluation whose scores could count for nothing: the population's
    scheme has no 民主测评 (ballot) indicator to receive them (the computation
    would fail on every ballot)."""
    indicator, _groups = scheme_ballot(population)
    if indicator is None:
        raise BallotError(
            _(
                "“%(population)s”的考核方案没有民主测评指标，测评得分无法计入考核结果，"
                "因此不能为该群体建立或开始民主测评。请先在考核方案中增加民主测评指标，或选择其他考核对象群体。",
                population=population.name,
            )
        )


def check_groups(groups: list[GroupSpec]) -> list[GroupSpec]:
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
    return check_groups(specs)


def resolve_groups(population: Population, groups: list[GroupSpec] | None) -> list[GroupSpec]:
    _indicator, scheme_groups = scheme_ballot(population)
    if scheme_groups:
        if groups is not None and sorted((g.key, g.weight) for g in groups) != sorted(
            (g.key, g.weight) for g in scheme_groups
        ):
            described = _("、").join(f"{g.name} {fmt_weight(g.weight)}" for g in scheme_groups)
            raise BallotError(_("本群体的考核方案已规定评价人组别及权重（%(groups)s），不能更改", groups=described))
        return scheme_groups
    if groups is None:
        raise BallotError(_("请选择评价人组别并填写权重"))
    return check_groups(groups)


def check_settings(
    scale: str, grade_values: Mapping[str, Any] | None, min_group_size: int, small_group_policy: str
) -> dict:
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
        raise BallotError(
            _(
                "显示结果的组别最少人数须在 %(min)s 到 %(max)s 之间（少于 %(min)s 人时，个人的评分可被推算出来）",
                min=MIN_GROUP_SIZE,
                max=MAX_GROUP_SIZE_SETTING,
            )
        )
    if small_group_policy not in POLICIES:
        raise BallotError(_("人数不足组别的处理方式只能是合并或舍弃"))
    return {
        "scale": scale,
        "grade_values": grades,
        "min_group_size": min_size,
        "small_group_policy": small_group_policy,
    }


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
