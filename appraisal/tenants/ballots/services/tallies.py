"""Counting: live turnout, and the results after closing.

Results exist only after closing, and only for rater groups with at least
``min_group_size`` ballot lines for an appraisee; smaller groups are merged or
dropped (``small_group_policy``). The same rule shapes the engine's input
(:func:`population_ballots_frame`, read by the computation).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.tenants.ballots.models import (
    Ballot,
    BallotLine,
    BallotReason,
    Evaluation,
    EvaluationStatus,
    RaterGroup,
    Voter,
)
from appraisal.tenants.ballots.services.common import CENT, ResultsHidden, group_sizes, groups_of
from appraisal.tenants.cycles.models import Appraisee, Population

MERGED = "__merged__"  # the results column of pooled small groups


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
    for group in db.session.scalars(
        select(RaterGroup).where(RaterGroup.evaluation_id.in_(ids)).order_by(RaterGroup.id)
    ):
        by_group[group.id] = GroupTurnout(group)
        result[group.evaluation_id].append(by_group[group.id])
    for group_id, voted, n in db.session.execute(
        select(Voter.rater_group_id, Voter.has_voted, func.count())
        .where(Voter.evaluation_id.in_(ids))
        .group_by(Voter.rater_group_id, Voter.has_voted)
    ):
        if group_id in by_group:
            by_group[group_id].eligible += n
            if voted:
                by_group[group_id].voted += n
    return result


def turnout(evaluation: Evaluation) -> list[GroupTurnout]:
    return turnouts([evaluation])[evaluation.id]


def session_turnouts(evaluation: Evaluation) -> dict[int | None, list[GroupTurnout]]:
    """Per session of the evaluation, per rater group that has voters there:
    eligible voters and how many have voted."""
    groups = groups_of(evaluation)
    cells: dict[int | None, dict[int, GroupTurnout]] = defaultdict(dict)
    for session_id, group_id, voted, n in db.session.execute(
        select(Voter.session_id, Voter.rater_group_id, Voter.has_voted, func.count())
        .where(Voter.evaluation_id == evaluation.id)
        .group_by(Voter.session_id, Voter.rater_group_id, Voter.has_voted)
    ):
        group = next((g for g in groups if g.id == group_id), None)
        if group is None:
            continue
        cell = cells[session_id].setdefault(group_id, GroupTurnout(group))
        cell.eligible += n
        if voted:
            cell.voted += n
    return {sid: [by_group[g.id] for g in groups if g.id in by_group] for sid, by_group in cells.items()}


def _assign(counts: Mapping[int, int], groups: list[RaterGroup], min_size: int, policy: str) -> dict[int, Any]:
    """For one appraisee: where each rater group's lines go — the group itself
    (enough lines), ``MERGED`` (pooled small groups), another group (a pool still
    too small joins the smallest group that has enough), or None (dropped).
    A known-voter group (记名组) keeps its lines as they are, whatever their number."""
    known = [g for g in groups if g.known_voters and counts.get(g.id, 0) > 0]
    groups = [g for g in groups if not g.known_voters]
    present = [g for g in groups if counts.get(g.id, 0) > 0]
    enough = [g for g in present if counts[g.id] >= min_size]
    small = [g for g in present if counts[g.id] < min_size]
    target: dict[int, Any] = {g.id: g.id for g in enough + known}
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
        return (self.total / self.n).quantize(CENT, ROUND_HALF_UP)


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
    known_voters: bool = False  # a known-voter group (记名组): its voters are identifiable
    voters: int = 0


@dataclass
class Results:
    evaluation: Evaluation
    columns: list[Column]
    rows: list[ResultRow]
    ballots: int
    min_group_size: int
    policy: str
    invalid_ballots: int = 0
    reasons: dict[int, list[tuple[str, Decimal, str]]] = field(
        default_factory=dict
    )  # appraisee → (group, score, reason)

    @property
    def any_hidden(self) -> bool:
        return any(row.hidden for row in self.rows)


def _aggregates(evaluation: Evaluation) -> dict[int, dict[int, tuple[int, Decimal]]]:
    rows = db.session.execute(
        select(BallotLine.appraisee_id, BallotLine.rater_group_id, func.count(), func.sum(BallotLine.score))
        .where(BallotLine.evaluation_id == evaluation.id)
        .group_by(BallotLine.appraisee_id, BallotLine.rater_group_id)
    ).all()
    out: dict[int, dict[int, tuple[int, Decimal]]] = defaultdict(dict)
    for appraisee_id, group_id, n, total in rows:
        out[appraisee_id][group_id] = (int(n), Decimal(str(total)))
    return out


def results(evaluation: Evaluation) -> Results:
    """Per appraisee × rater group: lines and mean — only once closed, and only
    for groups with at least ``min_group_size`` lines (the rest merged or dropped)."""
    if not evaluation.is_closed:
        raise ResultsHidden(_("测评结束后才能查看结果"))
    groups = groups_of(evaluation)
    by_id = {g.id: g for g in groups}
    aggregates = _aggregates(evaluation)
    ballots = (
        db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.evaluation_id == evaluation.id)) or 0
    )
    appraisees = list(
        db.session.scalars(
            select(Appraisee)
            .where(Appraisee.population_id == evaluation.population_id)
            .order_by(Appraisee.sort_order, Appraisee.id)
        )
    )
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
    sizes = group_sizes(evaluation)
    columns = [Column(g.id, g.name, g.weight, bool(g.known_voters), sizes.get(g.id, 0)) for g in groups]
    if any_merged:
        columns.append(Column(MERGED, "合并组", None))
    return Results(
        evaluation,
        columns,
        rows,
        ballots,
        evaluation.min_group_size,
        evaluation.small_group_policy,
        evaluation.invalid_ballots or 0,
        _reasons(evaluation, by_id),
    )


def _reasons(evaluation: Evaluation, by_id: dict[int, RaterGroup]) -> dict[int, list[tuple[str, Decimal, str]]]:
    """The reasons given for extreme scores, per appraisee (by score, then text:
    nothing of the order they were cast in)."""
    out: dict[int, list[tuple[str, Decimal, str]]] = defaultdict(list)
    for appraisee_id, group_id, score, reason in db.session.execute(
        select(BallotReason.appraisee_id, BallotReason.rater_group_id, BallotReason.score, BallotReason.reason)
        .where(BallotReason.evaluation_id == evaluation.id)
        .order_by(BallotReason.appraisee_id, BallotReason.score.desc(), BallotReason.reason)
    ):
        group = by_id.get(group_id)
        out[appraisee_id].append((group.name if group else "", Decimal(str(score)), reason))
    return dict(out)


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
    return (num / den).quantize(CENT, ROUND_HALF_UP)


FRAME_COLUMNS = ["appraisee_id", "rater_group", "score", "indicator"]


def _frame(tenant_id: int, evaluations: list[tuple[int, int, str]], indicator: str) -> pd.DataFrame:
    """Lines of ``evaluations`` — (id, min_group_size, small_group_policy) — after
    the small-group rule. Core queries filtered by ``tenant_id`` explicitly, so
    that a job without a tenant scope can call it too."""
    if not evaluations:
        return pd.DataFrame({c: [] for c in FRAME_COLUMNS})
    conn = db.session.connection()
    g, bl = RaterGroup.__table__, BallotLine.__table__
    ids = [e[0] for e in evaluations]
    groups: dict[int, list] = defaultdict(list)
    for row in conn.execute(
        select(g.c.id, g.c.evaluation_id, g.c.key, g.c.weight, g.c.known_voters)
        .where(g.c.tenant_id == tenant_id, g.c.evaluation_id.in_(ids))
        .order_by(g.c.id)
    ):
        groups[row.evaluation_id].append(row)
    lines = conn.execute(
        select(bl.c.evaluation_id, bl.c.appraisee_id, bl.c.rater_group_id, bl.c.score).where(
            bl.c.tenant_id == tenant_id, bl.c.evaluation_id.in_(ids)
        )
    ).all()
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
            for gid, t in target.items()
        }
    data = sorted(
        (str(appraisee_id), labels[(evaluation_id, appraisee_id)][group_id], float(score), indicator)
        for evaluation_id, appraisee_id, group_id, score in lines
        if labels[(evaluation_id, appraisee_id)].get(group_id) is not None
    )
    return pd.DataFrame(data, columns=FRAME_COLUMNS) if data else pd.DataFrame({c: [] for c in FRAME_COLUMNS})


def ballots_frame(evaluation: Evaluation, *, indicator: str = "") -> pd.DataFrame:
    """The ballot lines in the engine's ``ballots`` input shape (appraisee_id,
    rater_group, score, indicator), after the small-group rule — the same rule as
    :func:`results`: pooled lines are labelled with the largest member group's
    key, dropped lines are left out. ``appraisee_id`` is the platform's appraisee
    id as a string. Closed evaluations only (until then the rows could still be
    linked to the voters)."""
    if not evaluation.is_closed:
        raise ResultsHidden(_("测评结束后才能取用选票数据"))
    return _frame(
        evaluation.tenant_id, [(evaluation.id, evaluation.min_group_size, evaluation.small_group_policy)], indicator
    )


def population_ballots_frame(population: Population, *, indicator: str = "") -> pd.DataFrame:
    """The computation's ``ballots`` input for a population: the lines of all its
    closed evaluations (normally one), after the small-group rule. Explicit
    tenant filters: usable from a job without a tenant scope."""
    e = Evaluation.__table__
    evaluations = (
        db.session.connection()
        .execute(
            select(e.c.id, e.c.min_group_size, e.c.small_group_policy)
            .where(
                e.c.tenant_id == population.tenant_id,
                e.c.population_id == population.id,
                e.c.status == EvaluationStatus.CLOSED.value,
            )
            .order_by(e.c.id)
        )
        .all()
    )
    return _frame(population.tenant_id, [tuple(row) for row in evaluations], indicator)
