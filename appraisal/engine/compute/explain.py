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
    explain_adjustment_rules,
    explain_caps,
    explain_claims,
    explain_composite,
    explain_weighted_parts,
)
from .explain_indicators import explain_indicator
from .explain_outcomes import (
    explain_award,
    explain_flags,
    explain_grade,
    explain_pay,
    explain_quotas,
    explain_rank,
    explain_tie_breaks,
    explain_ties,
    explain_vetoes,
)
from .explain_rows import Context, Rows, fmt
from .pipeline import Pipeline

__all__ = ["explain", "fmt"]


def explain(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """The explanation rows of every appraisee, stage by stage."""
    ordered = frame.sort_values("appraisee_id").reset_index(drop=True)  # = prepared order
    ids = ordered["appraisee_id"].to_numpy(dtype=object)
    context = Context(
        pipeline, ordered, ordered["position"].to_numpy() > 0, Rows(len(ids), ids), pd.Index(ids, dtype=object)
    )
    for path, node in pipeline.scheme.nodes():
        explain_indicator(context, path, node)
    explain_weighted_parts(context)
    rule_order = explain_adjustment_rules(context)
    explain_claims(context, rule_order)
    explain_caps(context)
    explain_composite(context)
    for step in (
        explain_vetoes,
        explain_rank,
        explain_tie_breaks,
        explain_quotas,
        explain_grade,
        explain_award,
        explain_ties,
        explain_pay,
        explain_flags,
    ):
        step(context)
    return context.rows.frame()
