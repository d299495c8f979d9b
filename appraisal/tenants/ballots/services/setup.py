"""Setting up a democratic evaluation: creating and changing it (with the
settings checked by :mod:`.settings`), opening it for voting, and keeping a
group below the minimum size as a known-voter group.

The anonymity settings and the rater groups freeze with the first ballot
(``settings_frozen``, set by :func:`.casting.cast_ballot`); the title may change
until the evaluation closes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.platform.permissions import actor_id
from appraisal.tenants.ballots.models import BallotSession, Evaluation, EvaluationStatus, RaterGroup, Voter
from appraisal.tenants.ballots.services import sealing
from appraisal.tenants.ballots.services.common import (
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
from appraisal.tenants.ballots.services.notices import tell_voters
from appraisal.tenants.ballots.services.rules import parse_rules
from appraisal.tenants.ballots.services.sessions import (
    WHOLE,
    add_session,
    open_sessions,
    session_voter_counts,
    sessions_of,
)
from appraisal.tenants.ballots.services.settings import (
    FROZEN_REASON,
    KNOWN_VOTERS_WARNING,
    MAX_TITLE,
    MIN_GROUP_SIZE,
    check_groups,
    check_population_has_ballot_indicator,
    check_settings,
    resolve_groups,
    scheme_rules_of,
)
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.org.models import OrgUnit

# ---------------------------------------------------------------------------
# Creating and changing an evaluation
# ---------------------------------------------------------------------------


def population_inside(population: Population, unit: OrgUnit) -> bool:
    """Are all of the population's appraisees in ``unit``'s subtree?"""
    paths = db.session.scalars(
        select(Appraisee.unit_path).where(Appraisee.population_id == population.id).distinct()
    ).all()
    return bool(paths) and all(inside_unit(p, unit) for p in paths)


def snapshot(evaluation: Evaluation, groups: list[RaterGroup] | list[GroupSpec] | None = None) -> dict:
    groups = groups_of(evaluation) if groups is None else groups
    return {
        "title": evaluation.title,
        "population": evaluation.population_id,
        "owner_unit": evaluation.owner_unit_id,
        "status": evaluation.status.value,
        "scale": evaluation.scale,
        "grade_values": dict(evaluation.grade_values or {}),
        "min_group_size": evaluation.min_group_size,
        "small_group_policy": evaluation.small_group_policy,
        "rater_groups": [[g.key, g.name, fmt_weight(g.weight)] for g in groups],
        "rules": dict(evaluation.rules or {}),
    }


def create_evaluation(
    cycle: Cycle,
    population: Population,
    *,
    title: str,
    owner_unit: OrgUnit | None = None,
    scale: str = "score",
    grade_values: Mapping[str, Any] | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    small_group_policy: str = "merge",
    groups: list[GroupSpec] | None = None,
    rules: Mapping[str, Any] | None = None,
) -> Evaluation:
    """A draft evaluation of ``population``, with one session covering the whole
    population. Rater groups and weights come from the population's scheme when
    it defines them (``groups`` must then agree or be None); otherwise ``groups``
    (weights adding up to 1). ``rules``: the ballot rules (None: the scheme's
    defaults)."""
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
    check_population_has_ballot_indicator(population)
    specs = resolve_groups(population, groups)
    settings = check_settings(scale, grade_values, min_group_size, small_group_policy)
    settings["rules"] = parse_rules(scheme_rules_of(population) if rules is None else rules).as_json()
    evaluation = Evaluation(
        cycle_id=cycle.id,
        population_id=population.id,
        owner_unit_id=owner_unit.id if owner_unit else None,
        title=title,
        status=EvaluationStatus.DRAFT,
        settings_frozen=False,
        created_by_id=actor_id(),
        **settings,
    )
    db.session.add(evaluation)
    db.session.flush()
    for spec in specs:
        db.session.add(RaterGroup(evaluation_id=evaluation.id, key=spec.key, name=spec.name, weight=spec.weight))
    add_session(evaluation, None, WHOLE)
    db.session.flush()
    audit.record("ballots.create", evaluation, after=snapshot(evaluation, specs), label=title)
    return evaluation


def _claim_unfrozen(evaluation: Evaluation) -> None:
    """Lock the evaluation row while its anonymity settings change, and refuse
    once a ballot is in (the first ballot sets ``settings_frozen``)."""
    result = db.session.execute(
        update(Evaluation)
        .where(
            Evaluation.id == evaluation.id,
            Evaluation.settings_frozen.is_(False),
            Evaluation.status != EvaluationStatus.CLOSED,
        )
        .values(settings_frozen=False)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise SettingsFrozen(str(FROZEN_REASON))


def update_evaluation(
    evaluation: Evaluation,
    *,
    title: str | None = None,
    scale: str | None = None,
    grade_values: Mapping[str, Any] | None = None,
    min_group_size: int | None = None,
    small_group_policy: str | None = None,
    groups: list[GroupSpec] | None = None,
    rules: Mapping[str, Any] | None = None,
) -> bool:
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
    settings = check_settings(
        scale,
        grade_values if scale == "grade" else None,
        evaluation.min_group_size if min_group_size is None else min_group_size,
        evaluation.small_group_policy if small_group_policy is None else small_group_policy,
    )
    settings["rules"] = parse_rules(evaluation.rules if rules is None else rules).as_json()
    if groups is not None:
        specs = resolve_groups(evaluation.population, groups)
    else:
        specs = [GroupSpec(g.key, g.name, g.weight) for g in current]
    settings_changed = (
        any(getattr(evaluation, k) != v for k, v in settings.items() if k not in ("grade_values", "rules"))
        or dict(evaluation.rules or {}) != settings["rules"]
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
            used = db.session.scalar(select(func.count()).select_from(Voter).where(Voter.rater_group_id == group.id))
            if used:
                raise BallotError(
                    _("组别“%(name)s”已有 %(n)s 名投票人，请先移除这些投票人再删除该组别", name=group.name, n=used)
                )
            db.session.delete(group)
    for spec in specs:
        group = by_key.get(spec.key)
        if group is None:
            db.session.add(RaterGroup(evaluation_id=evaluation.id, key=spec.key, name=spec.name, weight=spec.weight))
        else:
            group.name, group.weight = spec.name, spec.weight
    db.session.flush()


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------


def open_evaluation(evaluation: Evaluation, sessions: list[BallotSession] | None = None) -> None:
    """Open ``sessions`` for voting (default: every session not yet opened that
    has voters), and the evaluation with the first of them (its key is made
    then). Each session opened is checked: it has voters, and no rater group in
    it is below the minimum size unless kept as a known-voter group."""
    check_phase(evaluation.cycle, "ballots.manage")
    if evaluation.is_closed:
        raise BallotError(_("测评已结束"))
    if evaluation.is_draft:
        check_population_has_ballot_indicator(evaluation.population)
    groups = groups_of(evaluation)
    check_groups([GroupSpec(g.key, g.name, Decimal(g.weight)) for g in groups])
    counts = session_voter_counts(evaluation)
    if sessions is None:
        if not evaluation.is_draft:
            raise BallotError(_("只有未开始的测评可以开始投票"))
        sessions = [s for s in sessions_of(evaluation) if s.is_draft and counts.get(s.id)]
        if not sessions and not sum(counts.values()):
            raise BallotError(_("还没有投票人：请先添加投票人或生成投票码"))
    for session in sessions:
        if session.evaluation_id != evaluation.id:
            raise BallotError(_("请选择本测评的场次"))
        if not session.is_draft:
            raise BallotError(_("场次“%(name)s”已开始或已结束", name=session.name))
        if not counts.get(session.id):
            raise BallotError(_("场次“%(name)s”还没有投票人：请先添加投票人或生成投票码", name=session.name))
    check_group_sizes(evaluation, groups, sessions=sessions)
    open_sessions(evaluation, sessions)
    voters = sum(counts.get(s.id, 0) for s in sessions)
    if not evaluation.is_draft:
        audit.record(
            "ballots.session_open",
            evaluation,
            after={"sessions": [s.name for s in sessions], "voters": voters},
            label=evaluation.title,
        )
        return
    day = today()
    result = db.session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.DRAFT)
        .values(status=EvaluationStatus.OPEN, opened_on=day)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BallotError(_("测评状态已变化，请刷新页面"))
    sealing.ensure_key(evaluation)
    db.session.refresh(evaluation)
    audit.record(
        "ballots.open",
        evaluation,
        before={"status": "draft"},
        after={
            "status": "open",
            "opened_on": day.isoformat(),
            "voters": voters + counts.get(None, 0),
            "sessions": [s.name for s in sessions],
        },
        label=evaluation.title,
    )
    tell_voters(evaluation)


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
    audit.record(
        "ballots.known_group",
        evaluation,
        before={"group": group.key, "known_voters": not known},
        after={
            "group": group.key,
            "name": group.name,
            "known_voters": bool(known),
            "voters": n,
            "warning": str(KNOWN_VOTERS_WARNING) if known else "",
        },
        label=evaluation.title,
    )
    return True
