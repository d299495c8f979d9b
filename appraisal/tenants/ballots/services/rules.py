"""Ballot rules an office sets per evaluation (defaults from the scheme's ballot
indicator, ``method.rules``), enforced on the server when a ballot is cast:

* at most N, or x %, of the appraisees on one ballot rated 优秀 (a grade, or a
  score at or above ``top_score``);
* a reason required for extreme scores (at or above ``reason_at_or_above``, or
  below ``reason_below``);
* "不了解" (no opinion) allowed per appraisee, not counted in the mean;
* invalid ballots — all lines the same score, or more than half 不了解 —
  refused at submit (``invalid_mode`` "refuse") or accepted and counted
  invalid at the close ("count": the ballot is counted, its lines are not
  written, the number is shown with the results).

The rules freeze with the other settings once a ballot is in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from appraisal.tenants.ballots.services.common import BallotError

#: The value a ballot line carries for "不了解".
UNKNOWN = "unknown"
MAX_REASON = 200
MODES = ("refuse", "count")


@dataclass(frozen=True)
class Rules:
    top_score: Decimal | None = None  # a line at or above this counts as 优秀
    top_max_count: int | None = None
    top_max_percent: int | None = None
    reason_at_or_above: Decimal | None = None
    reason_below: Decimal | None = None
    allow_unknown: bool = False
    invalid_same_score: bool = False
    invalid_unknown_half: bool = False
    invalid_mode: str = "refuse"

    @property
    def limits_top(self) -> bool:
        return self.top_score is not None and (self.top_max_count is not None or self.top_max_percent is not None)

    @property
    def wants_reasons(self) -> bool:
        return self.reason_at_or_above is not None or self.reason_below is not None

    def needs_reason(self, score: Decimal) -> bool:
        return (self.reason_at_or_above is not None and score >= self.reason_at_or_above) or (
            self.reason_below is not None and score < self.reason_below
        )

    def top_limit(self, lines: int) -> int | None:
        """The most 优秀 lines allowed on a ballot of ``lines`` appraisees."""
        limits = []
        if self.top_max_count is not None:
            limits.append(self.top_max_count)
        if self.top_max_percent is not None:
            limits.append(math.floor(lines * self.top_max_percent / 100))
        return min(limits) if limits else None

    def as_json(self) -> dict:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items() if v not in (None, False)}


def _number(value: Any, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BallotError(_("%(label)s须是 0 到 100 之间的数", label=label)) from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise BallotError(_("%(label)s须是 0 到 100 之间的数", label=label))
    return number


def _count(value: Any, label: str, top: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BallotError(_("%(label)s须是整数", label=label)) from None
    if not 0 <= number <= top:
        raise BallotError(_("%(label)s须在 0 到 %(top)s 之间", label=label, top=top))
    return number


def parse_rules(raw: Mapping[str, Any] | None) -> Rules:
    """Rules as stored or entered → checked :class:`Rules` (refusal on nonsense)."""
    raw = raw or {}
    mode = str(raw.get("invalid_mode") or "refuse")
    if mode not in MODES:
        raise BallotError(_("无效票的处理方式只能是“提交时拒绝”或“结束时计为无效票”"))
    rules = Rules(
        top_score=_number(raw.get("top_score"), _("“优秀”的分数线")),
        top_max_count=_count(raw.get("top_max_count"), _("每票“优秀”个数上限"), 10000),
        top_max_percent=_count(raw.get("top_max_percent"), _("每票“优秀”比例上限"), 100),
        reason_at_or_above=_number(raw.get("reason_at_or_above"), _("须填理由的高分线")),
        reason_below=_number(raw.get("reason_below"), _("须填理由的低分线")),
        allow_unknown=bool(raw.get("allow_unknown")),
        invalid_same_score=bool(raw.get("invalid_same_score")),
        invalid_unknown_half=bool(raw.get("invalid_unknown_half")),
        invalid_mode=mode,
    )
    if (rules.top_max_count is not None or rules.top_max_percent is not None) and rules.top_score is None:
        raise BallotError(_("限制“优秀”个数或比例时，请填写“优秀”的分数线（等次评分时即“优秀”的分值）"))
    return rules


def rules_of(evaluation) -> Rules:
    try:
        return parse_rules(evaluation.rules or {})
    except BallotError:  # pragma: no cover - stored rules were checked when saved
        return Rules()


def top_label(evaluation, rules: Rules) -> str:
    """What counts as 优秀 on this evaluation's ballots, for messages."""
    if evaluation.scale == "grade":
        names = [g for g, v in (evaluation.grade_values or {}).items() if Decimal(str(v)) >= (rules.top_score or 0)]
        return _("、").join(names) or _("优秀")
    return _("%(score)s 分及以上", score=f"{rules.top_score.normalize():f}" if rules.top_score is not None else "")


def check_ballot(
    evaluation,
    rules: Rules,
    scores: Mapping[int, Decimal | None],
    reasons: Mapping[int, str],
    errors: dict[int, str],
) -> bool:
    """Apply ``rules`` to a ballot whose lines parsed (``scores``: appraisee id →
    score, None for 不了解): per-line messages go into ``errors`` (0: the whole
    ballot). Returns whether the ballot is *invalid* under the invalid-ballot
    rules (only reported, not refused, when the office counts them at the close)."""
    rated = {a: s for a, s in scores.items() if s is not None}
    if rules.limits_top:
        top = [a for a, s in rated.items() if s >= rules.top_score]  # type: ignore[operator]
        limit = rules.top_limit(len(scores))
        if limit is not None and len(top) > limit:
            message = _(
                "评为“%(top)s”的不能超过 %(n)s 个（本票已评 %(m)s 个），请调整",
                top=top_label(evaluation, rules),
                n=limit,
                m=len(top),
            )
            for a in top:
                errors.setdefault(a, message)
    if rules.wants_reasons:
        for a, s in rated.items():
            reason = (reasons.get(a) or "").strip()
            if rules.needs_reason(s) and not reason:
                errors.setdefault(a, _("评 %(score)s 分须填写理由", score=f"{s.normalize():f}"))
            elif len(reason) > MAX_REASON:
                errors.setdefault(a, _("理由不能超过 %(n)s 个字", n=MAX_REASON))
    invalid = _invalid_reasons(rules, scores)
    if invalid and rules.invalid_mode == "refuse":
        errors.setdefault(0, _("选票无效：%(why)s。请按实际情况评价后再提交", why=_("；").join(invalid)))
    return bool(invalid)


def _invalid_reasons(rules: Rules, scores: Mapping[int, Decimal | None]) -> list[str]:
    lines = len(scores)
    rated = [s for s in scores.values() if s is not None]
    why: list[str] = []
    if rules.invalid_same_score and len(rated) >= 2 and len(set(rated)) == 1:
        why.append(_("所有考核对象的评分都相同"))
    unknown = lines - len(rated)
    if rules.invalid_unknown_half and lines and unknown * 2 > lines:
        why.append(_("“不了解”超过半数（%(n)s / %(lines)s）", n=unknown, lines=lines))
    return why


def is_invalid(rules: Rules, scores: Mapping[int, Decimal | None]) -> bool:
    """Is a ballot (appraisee id → score, None for 不了解) invalid under the rules?"""
    return bool(_invalid_reasons(rules, scores))


def scheme_rules(method: Mapping[str, Any]) -> dict:
    """The defaults a scheme's ballot indicator gives (``method.rules``), checked;
    nonsense in a scheme gives no defaults rather than a failure."""
    try:
        return parse_rules(method.get("rules") or {}).as_json()
    except BallotError:
        return {}
