"""The pipeline: every stage of one computation, in the order the spec describes them.

``run_pipeline`` builds a ``Pipeline`` stage by stage; ``compute`` turns it into the
result tables and ``explain`` reads it to say, per appraisee, how each number came about.
Every array is per appraisee, in the prepared order (sorted by appraisee id)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..numeric import round_half_up
from ..scheme import Scheme
from .adjustments import AdjustmentResult, apply_adjustments
from .awards import AwardState, assign_awards
from .flags import history_flags
from .inputs import Inputs
from .outcomes import GradeState, QuotaState, VetoState, allocate_quotas, assign_grades, veto_state
from .prepare import Prepared, prepare
from .ranking import Ranking, rank
from .ties import Tie, TieDecision, decision_index
from .tree import TreeScores, score_tree


@dataclass
class Pipeline:
    scheme: Scheme
    prepared: Prepared  # 1. the checked inputs
    tree: TreeScores  # 2. a score per indicator node
    adjustments: AdjustmentResult  # 3. bonus and penalty claims (加减分)
    parts: dict[str, np.ndarray]  # 4. each composition part's contribution
    base: np.ndarray  #    the sum of the parts (基础分)
    composite: np.ndarray  #    base + adjustments, rounded (nan: not ranked; the stages rank with −inf)
    ranking: Ranking  # 5. groups, ranks and positions
    vetoes: VetoState  # 6. veto effects (一票否决)
    quotas: QuotaState  # 7. quota places (限额)
    grades: GradeState  # 8. grades (等次)
    awards: AwardState  # 9. award tiers and amounts (奖励)
    flags: dict[str, np.ndarray]  # 10. history flags (警示)

    @property
    def precision(self) -> int:
        return self.scheme.settings.precision

    @property
    def ties(self) -> list[Tie]:
        """The exhausted ties at every quota and prize line (pending or decided)."""
        lines = [*self.quotas.ties.values(), *self.awards.ties.values()]
        return [tie for line in lines for tie in line.ties]


def run_pipeline(
    scheme: Scheme,
    inputs: Inputs,
    row_offset: int = 1,
    cycle: str | None = None,
    decisions: Iterable[TieDecision] = (),
) -> Pipeline:
    """Every stage in order.  Raises InputErrors (all problems) when the inputs are bad.
    ``cycle``: this cycle's label (a year: history runs must be consecutive years before
    it); ``decisions``: the office's decisions on ties the chain cannot break."""
    precision = scheme.settings.precision
    prepared = prepare(scheme, inputs, row_offset)
    tree = score_tree(scheme, prepared)
    adjustments = apply_adjustments(scheme, prepared)
    parts = part_contributions(scheme, tree)
    base = np.sum(list(parts.values()), axis=0) if parts else np.zeros(prepared.n)
    composite = round_half_up(base + adjustments.total, precision)
    composite = np.where(prepared.ranked, composite, np.nan)
    ranking_composite = np.where(prepared.ranked, composite, -np.inf)
    ranking = rank(
        scheme, prepared.appraisees, ranking_composite, prepared.ranked, tie_values(scheme, tree, adjustments)
    )
    vetoes = veto_state(scheme, prepared)
    decided = decision_index(decisions)
    quotas = allocate_quotas(scheme, prepared, ranking, ranking_composite, vetoes, decided)
    grades = assign_grades(scheme, prepared, ranking_composite, quotas, vetoes, base + adjustments.total)
    awards = assign_awards(scheme, prepared, ranking, ranking_composite, quotas, vetoes, grades, decided)
    flags = history_flags(scheme, prepared, ranking_composite, grades.idx, cycle)
    return Pipeline(
        scheme,
        prepared,
        tree,
        adjustments,
        parts,
        base,
        composite,
        ranking,
        vetoes,
        quotas,
        grades,
        awards,
        flags,
    )


def part_contributions(scheme: Scheme, tree: TreeScores) -> dict[str, np.ndarray]:
    """Each part's contribution to the composite: its score ('sum'), or its score scaled
    by weight × total points ('weighted')."""
    nodes = scheme.node_map()
    contributions = {}
    for part in scheme.parts():
        score = tree.score[part.indicator]
        if scheme.composition.method == "weighted":
            weight = part.weight if part.weight is not None else 0.0  # validation requires it
            score = score / nodes[part.indicator].points * weight * scheme.settings.total_points
        contributions[part.indicator] = score
    return contributions


def tie_values(scheme: Scheme, tree: TreeScores, adjustments: AdjustmentResult) -> list[tuple[np.ndarray, str]]:
    """The values each tie break compares (rounded like the scores shown), with its order."""
    values: list[tuple[np.ndarray, str]] = []
    totals = {"bonus": adjustments.bonus, "penalty": adjustments.penalty}
    for tie_break in scheme.ranking.tie_breaks:
        value = totals.get(tie_break.indicator)
        if value is None:
            value = tree.score[tie_break.indicator]
        values.append((round_half_up(value, scheme.settings.precision), tie_break.order))
    return values
