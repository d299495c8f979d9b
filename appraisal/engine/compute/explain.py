"""A readable explanation per appraisee, in Chinese and English.

Built from the pipeline and the results, vectorised: one block of rows per scheme element
(indicator, rule, quota...), never a loop over appraisees.  Columns: appraisee_id, seq,
kind, ref (the scheme element), zh, en.  The blocks come in the order of the pipeline's
stages: indicators (one function per scoring method), composition, adjustments and their
claims, caps, the composite, then one function per outcome (veto, rank, quota, grade,
award, pay, flag)."""

from __future__ import annotations

import pandas as pd

from .explain_composition import (
    _explain_adjustment_rules,
    _explain_caps,
    _explain_claims,
    _explain_composite,
    _explain_weighted_parts,
)
from .explain_indicators import _explain_indicator
from .explain_outcomes import (
    _explain_award,
    _explain_flags,
    _explain_grade,
    _explain_pay,
    _explain_quotas,
    _explain_rank,
    _explain_vetoes,
)
from .explain_rows import _Context, _Rows, fmt
from .pipeline import Pipeline

__all__ = ["explain", "fmt"]


def explain(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """The explanation rows of every appraisee, stage by stage."""
    ordered = frame.sort_values("appraisee_id").reset_index(drop=True)  # = prepared order
    ids = ordered["appraisee_id"].to_numpy(dtype=object)
    context = _Context(
        pipeline, ordered, ordered["position"].to_numpy() > 0, _Rows(len(ids), ids), pd.Index(ids, dtype=object)
    )
    for path, node in pipeline.scheme.nodes():
        _explain_indicator(context, path, node)
    _explain_weighted_parts(context)
    rule_order = _explain_adjustment_rules(context)
    _explain_claims(context, rule_order)
    _explain_caps(context)
    _explain_composite(context)
    for step in (
        _explain_vetoes,
        _explain_rank,
        _explain_quotas,
        _explain_grade,
        _explain_award,
        _explain_pay,
        _explain_flags,
    ):
        step(context)
    return context.rows.frame()
