"""compute(scheme, inputs) -> Results: the pipeline, then its result tables.

The stages themselves are in pipeline.py; this module lays the pipeline out as the
``appraisees`` table (one column group per stage, in the stage order) and the groups table."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..numeric import round_half_up
from ..scheme import Scheme, scheme_hash
from ..scheme.rules import Band
from .explain import explain
from .inputs import Inputs
from .pipeline import Pipeline, run_pipeline
from .results import Results
from .ties import TieDecision

Columns = dict[str, object]


def _join(masks: list[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    """Comma-joined labels where each mask is true (vectorised over appraisees)."""
    out = np.full(n, "", dtype=object)
    for label, mask in masks:
        rows = np.flatnonzero(mask)  # usually few: work on those rows only
        if len(rows):
            current = out[rows]
            out[rows] = np.where(current == "", label, current + "," + label)
    return out


def compute(
    scheme: Scheme,
    inputs: Inputs,
    *,
    row_offset: int = 1,
    cycle: str | None = None,
    decisions: Iterable[TieDecision] = (),
) -> Results:
    """Compute one cycle.  Raises InputErrors (all problems) when the inputs are bad.

    ``cycle``: this cycle's label (a year), so that a run of history cycles must be the
    years right before it; ``decisions``: the office's decisions on exhausted ties."""
    pipeline = run_pipeline(scheme, inputs, row_offset, cycle, decisions)
    frame = _appraisee_frame(pipeline)
    groups = _groups(scheme, frame)
    claims = pipeline.adjustments.claims
    results = Results(frame, claims, groups, scheme.key, scheme.version, scheme_hash(scheme), _ties(pipeline))
    # built on first access; a partial (not a lambda) so that results can be pickled
    results._explain = functools.partial(explain, pipeline, frame)
    return results


def _appraisee_frame(pipeline: Pipeline) -> pd.DataFrame:
    """One row per appraisee, ordered by ranking group then position."""
    appraisees = pipeline.prepared.appraisees
    columns: Columns = {column: appraisees[column] for column in appraisees.columns}
    for build in (
        _score_columns,
        _adjustment_columns,
        _ranking_columns,
        _quota_columns,
        _grade_columns,
        _award_columns,
        _tie_columns,
        _flag_columns,
    ):
        columns.update(build(pipeline))
    frame = pd.DataFrame(
        {key: (value.to_numpy() if isinstance(value, pd.Series) else value) for key, value in columns.items()}
    )
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("str")
    return frame.take(pipeline.ranking.order_group).reset_index(drop=True)


def _score_columns(pipeline: Pipeline) -> Columns:
    """score_<node> for every indicator, part_<part>, base_score."""
    precision = pipeline.precision
    columns: Columns = {}
    for _, node in pipeline.scheme.nodes():
        columns[f"score_{node.key}"] = round_half_up(pipeline.tree.score[node.key], precision)
    for key, contribution in pipeline.parts.items():
        columns[f"part_{key}"] = round_half_up(contribution, precision)
    columns["base_score"] = round_half_up(pipeline.base, precision)
    return columns


def _adjustment_columns(pipeline: Pipeline) -> Columns:
    """adj_<rule>, bonus and penalty (before and after their caps), adjustment, composite."""
    precision = pipeline.precision
    adjustments = pipeline.adjustments
    columns: Columns = {}
    for rule in pipeline.scheme.adjustments.rules:
        columns[f"adj_{rule.key}"] = round_half_up(adjustments.per_rule[rule.key], precision)
    columns["bonus_raw"] = round_half_up(adjustments.bonus_raw, precision)
    columns["bonus"] = round_half_up(adjustments.bonus, precision)
    columns["penalty_raw"] = round_half_up(adjustments.penalty_raw, precision)
    columns["penalty"] = round_half_up(adjustments.penalty, precision)
    columns["adjustment"] = round_half_up(adjustments.total, precision)
    columns["composite"] = pipeline.composite
    return columns


def _ranking_columns(pipeline: Pipeline) -> Columns:
    """vetoes, vetoed, group, rank, position, group_size."""
    ranking, ranked = pipeline.ranking, pipeline.prepared.ranked
    return {
        "vetoes": _join(list(pipeline.vetoes.has.items()), pipeline.prepared.n),
        "vetoed": pipeline.vetoes.any,
        "group": ranking.group,
        "rank": pd.array(np.where(ranked, ranking.rank, np.nan), dtype="Int64"),
        "position": ranking.position,
        "group_size": ranking.group_size,
    }


def _quota_columns(pipeline: Pipeline) -> Columns:
    """quota_<key> (holds a place), quota_<key>_places, quota_<key>_line."""
    quotas = pipeline.quotas
    columns: Columns = {}
    for quota in pipeline.scheme.quotas:
        columns[f"quota_{quota.key}"] = quotas.held[quota.key]
        columns[f"quota_{quota.key}_places"] = quotas.size[quota.key]
        columns[f"quota_{quota.key}_line"] = quotas.line[quota.key]
    return columns


def _labels(values: list[str]) -> np.ndarray:
    """Labels indexable by a band or tier index, where -1 (none) gives ''."""
    return np.array([*values, ""], dtype=object)


def _grade_columns(pipeline: Pipeline) -> Columns:
    """grade, grade_zh, grade_en, grade_by_score, grade_rule."""
    grades = pipeline.grades
    bands = pipeline.scheme.grades.bands
    keys = _labels([band.key for band in bands])
    grade = keys[grades.idx]
    rule_texts = _labels([_band_rule(i, band) for i, band in enumerate(bands)])
    return {
        "grade": grade,
        "grade_zh": _labels([band.name_zh for band in bands])[grades.idx],
        "grade_en": _labels([band.name_en for band in bands])[grades.idx],
        "grade_by_score": keys[grades.by_score_idx],
        "grade_rule": np.where(
            grades.capped,
            "veto: grade capped at " + grade,
            np.where(grades.overridden, "grade_override: given from outside", rule_texts[grades.idx]),
        ),
    }


def _award_columns(pipeline: Pipeline) -> Columns:
    """award, award_zh, award_en, award_amount, pay_percent, award_paid."""
    awards = pipeline.awards
    tiers = pipeline.scheme.awards.tiers
    tier = awards.tier_idx
    return {
        "award": np.where(awards.rollup, "rollup", _labels([t.key for t in tiers])[tier]),
        "award_zh": np.where(awards.rollup, "平均奖", _labels([t.name_zh for t in tiers])[tier]),
        "award_en": np.where(awards.rollup, "average of supervised", _labels([t.name_en for t in tiers])[tier]),
        "award_amount": round_half_up(awards.amount, 2),
        "pay_percent": awards.pay_percent,
        "award_paid": round_half_up(awards.paid, 2),
    }


def _tie_columns(pipeline: Pipeline) -> Columns:
    """ties_pending, ties_decided: the lines ('quotas.<key>', 'awards.<key>') at which the
    appraisee is in a tie the chain cannot break, still pending or decided by the office."""
    n = pipeline.prepared.n
    lines = [
        *((f"quotas.{key}", state) for key, state in pipeline.quotas.ties.items()),
        *((f"awards.{key}", state) for key, state in pipeline.awards.ties.items()),
    ]
    return {
        "ties_pending": _join([(line, state.pending) for line, state in lines], n),
        "ties_decided": _join([(line, state.decided) for line, state in lines], n),
    }


def _ties(pipeline: Pipeline) -> pd.DataFrame:
    """One row per exhausted tie: line, names, group, tied ids, places, status and the
    office's decision (placed ids, reason, document number)."""
    rows = [
        {
            "line": tie.line,
            "line_zh": tie.name_zh,
            "line_en": tie.name_en,
            "group": tie.group,
            "tied": ",".join(tie.tied),
            "places": tie.places,
            "status": tie.status,
            "placed": ",".join(sorted(tie.decision.placed)) if tie.decision else "",
            "reason": tie.decision.reason if tie.decision else "",
            "document": tie.decision.document if tie.decision else "",
        }
        for tie in pipeline.ties
    ]
    columns = ["line", "line_zh", "line_en", "group", "tied", "places", "status", "placed", "reason", "document"]
    return pd.DataFrame(rows, columns=columns)


def _flag_columns(pipeline: Pipeline) -> Columns:
    """flag_<key> per history flag, flags (every flag raised), missing_inputs."""
    n = pipeline.prepared.n
    tree, adjustments, awards = pipeline.tree, pipeline.adjustments, pipeline.awards
    columns: Columns = {f"flag_{key}": mask for key, mask in pipeline.flags.items()}
    head_may_be_excellent = np.zeros(n, dtype=bool)
    for i, tier in enumerate(pipeline.scheme.awards.tiers):
        if tier.head_may_be_excellent:
            head_may_be_excellent |= awards.tier_idx == i
    bonus_capped = adjustments.bonus_raw > adjustments.bonus + 1e-9
    penalty_capped = adjustments.penalty_raw > adjustments.penalty + 1e-9
    missing = _join(list(tree.missing.items()), n)
    columns["flags"] = _join(
        [
            *pipeline.flags.items(),
            ("head_not_excellent", pipeline.vetoes.head_not_excellent),
            ("head_may_be_excellent", head_may_be_excellent),
            ("bonus_capped", bonus_capped),
            ("penalty_capped", penalty_capped),
            ("items_points_mismatch", tree.items_mismatch),
            ("missing_inputs", missing != ""),
        ],
        n,
    )
    columns["missing_inputs"] = missing
    return columns


def _band_rule(i: int, band: Band) -> str:
    conditions = []
    if band.min_score is not None:
        conditions.append(f"composite >= {band.min_score:g}")
    if band.quota is not None:
        conditions.append(f"holds quota {band.quota}")
    return f"grades.bands[{i}] {band.key}: " + (" and ".join(conditions) if conditions else "otherwise")


def _groups(scheme: Scheme, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per ranking group: size, and places/given per quota (numpy bincounts)."""
    ranked = (frame["position"] > 0).to_numpy()
    codes, labels = pd.factorize(frame["group"].to_numpy(dtype=object)[ranked], sort=True)
    count = len(labels)
    out = {
        "group": pd.array(np.asarray(labels, dtype=object), dtype="str"),
        "size": np.bincount(codes, minlength=count),
    }
    for quota in scheme.quotas:
        places = np.zeros(count, dtype="int64")
        np.maximum.at(places, codes, frame[f"quota_{quota.key}_places"].to_numpy()[ranked])
        out[f"{quota.key}_places"] = places
        out[f"{quota.key}_given"] = np.bincount(
            codes, weights=frame[f"quota_{quota.key}"].to_numpy()[ranked], minlength=count
        ).astype("int64")
    return pd.DataFrame(out)
