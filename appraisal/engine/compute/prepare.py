"""Normalise the inputs, check every reference against the scheme, attach row codes.

String columns of the input tables become categoricals with sorted categories, and
every table gets ``code``: the row number of its appraisee in ``appraisees`` (which is
sorted by id).  All problems are collected and raised together as InputErrors."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, InputErrors
from ..scheme import Scheme
from .inputs import Inputs, normalise_table, report_rows


@dataclass
class Prepared:
    appraisees: pd.DataFrame  # sorted by appraisee_id; row i = code i; plain str columns
    scores: pd.DataFrame      # + column 'code'; string columns are categoricals
    items: pd.DataFrame
    claims: pd.DataFrame
    vetoes: pd.DataFrame
    ballots: pd.DataFrame
    history: pd.DataFrame
    ranked: np.ndarray         # bool per appraisee: ranked (not a roll-up category)
    supervisor_code: np.ndarray  # code of each appraisee's supervisor (-1: none/not appraised)

    @property
    def n(self) -> int:
        return len(self.appraisees)


def label_codes(cat: pd.Series, labels) -> np.ndarray:
    """Per row: the position of its value in ``labels`` (-1 when not there)."""
    if not isinstance(labels, pd.Index):
        labels = pd.Index(list(labels), dtype=object)
    pos = labels.get_indexer(cat.cat.categories.to_numpy(dtype=object))
    return np.append(pos, -1)[cat.cat.codes.to_numpy()] if len(cat) else np.zeros(0, "int64")


def _codes(index: pd.Index, df: pd.DataFrame, table: str, errors, off,
           report: bool = True) -> pd.DataFrame:
    codes = label_codes(df["appraisee_id"], index)
    if report:
        bad = (codes < 0) & (df["appraisee_id"] != "").to_numpy()
        report_rows(errors, table, "appraisee_id", bad, off, "unknown appraisee")
    return df.assign(code=codes)


def _unknown(errors, table, df, col, allowed, off, what, mask=None,
             skip_blank: bool = False) -> None:
    """Rows whose value is not allowed.  skip_blank: blanks of a required column are
    not repeated here (they are already reported as 'value is required')."""
    m = ~df[col].isin(list(allowed)).to_numpy()
    if skip_blank:
        m &= (df[col] != "").to_numpy()
    if mask is not None:
        m &= mask
    if m.any():
        report_rows(errors, table, col, m, off,
                    f"unknown {what} (expected one of: {', '.join(sorted(allowed)) or 'none'})")


def _fill_blank(cat: pd.Series, value: str) -> pd.Series:
    """Blank values replaced by ``value`` (on the categories, not on every row)."""
    cats = cat.cat.categories.to_numpy(dtype=object)
    if "" not in cats:
        return cat
    inv, uniq = pd.factorize(np.where(cats == "", value, cats).astype(object))
    codes = inv[cat.cat.codes.to_numpy()]
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniq, dtype=object)),
                     index=cat.index)


def prepare(scheme: Scheme, inputs: Inputs, row_offset: int = 1) -> Prepared:
    errors: list[InputError] = []
    off = row_offset
    t = {name: normalise_table(name, getattr(inputs, name), errors, off)
         for name in Inputs.table_names()}
    a = t["appraisees"]
    for c in a.columns:
        if isinstance(a[c].dtype, pd.CategoricalDtype):
            a[c] = a[c].astype("str")
    dup = a["appraisee_id"].duplicated(keep=False).to_numpy() & (a["appraisee_id"] != "").to_numpy()
    report_rows(errors, "appraisees", "appraisee_id", dup, off, "appraisee id is not unique")
    a = a.sort_values("appraisee_id", kind="stable").drop_duplicates("appraisee_id")
    a = a.reset_index(drop=True)
    index = pd.Index(a["appraisee_id"].to_numpy(dtype=object), dtype=object)
    leaves = {n.key: n for n in scheme.leaves()}
    bands = {b.key for b in scheme.grades.bands}
    bad = ~a["grade_override"].isin(list(bands | {""})).to_numpy()
    report_rows(errors, "appraisees", "grade_override", bad, off,
                f"unknown grade (expected one of: {', '.join(sorted(bands)) or 'none'})")

    # scores: leaf indicators that read the scores table --------------------------------
    s = _codes(index, t["scores"], "scores", errors, off)
    score_leaves = {k for k, n in leaves.items() if n.method.kind != "items"}
    _unknown(errors, "scores", s, "indicator", score_leaves, off, "indicator", skip_blank=True)
    ind = s["indicator"]
    single = [k for k, n in leaves.items() if n.method.kind in ("entered", "ballot")]
    if len(s) and single:
        once = s["indicator"].isin(single).to_numpy()
        width = len(ind.cat.categories) + 1
        key = (s["code"].to_numpy() + 1) * width + ind.cat.codes.to_numpy()
        key = np.where(once, key, 0)
        dup = once & (np.bincount(key, minlength=1)[key] > 1)
        report_rows(errors, "scores", "indicator", dup, off,
                    "entered more than once for this appraisee and indicator")
    for key, node in leaves.items():
        m = node.method
        if m.kind not in ("deductions", "ratio", "count"):
            continue
        rows = (ind == key).to_numpy()
        if not rows.any():
            continue
        if m.kind == "deductions":
            _unknown(errors, "scores", s, "item", {d.key for d in m.items}, off,
                     f"deduction item of '{key}'", rows)
        elif m.kind == "ratio":
            _unknown(errors, "scores", s, "item", {"actual", "target"}, off,
                     f"item of ratio '{key}'", rows)
            tgt = rows & (s["item"] == "target").to_numpy() & (s["value"] <= 0).to_numpy()
            report_rows(errors, "scores", "value", tgt, off, "a target must be greater than 0")
        if m.kind in ("deductions", "count"):
            report_rows(errors, "scores", "value", rows & (s["value"] < 0).to_numpy(), off,
                        "a count cannot be negative")

    # items -------------------------------------------------------------------------------
    it = _codes(index, t["items"], "items", errors, off)
    item_leaves = {k for k, n in leaves.items() if n.method.kind == "items"}
    _unknown(errors, "items", it, "indicator", item_leaves, off, "items indicator",
             skip_blank=True)
    report_rows(errors, "items", "points", (it["points"] < 0).to_numpy(), off,
                "points cannot be negative")

    # claims ------------------------------------------------------------------------------
    c = _codes(index, t["claims"], "claims", errors, off)
    rules = {r.key: r for r in scheme.adjustments.rules}
    _unknown(errors, "claims", c, "rule", set(rules), off, "adjustment rule", skip_blank=True)
    for key, rule in rules.items():
        rows = (c["rule"] == key).to_numpy()
        if rows.any() and rule.levels:
            _unknown(errors, "claims", c, "level", {lv.key for lv in rule.levels}, off,
                     f"level of '{key}'", rows)
    report_rows(errors, "claims", "count", (c["count"] < 0).to_numpy(), off,
                "a count cannot be negative")
    report_rows(errors, "claims", "sharers", (c["sharers"] < 1).to_numpy(), off,
                "sharers must be at least 1")

    # vetoes ------------------------------------------------------------------------------
    v = _codes(index, t["vetoes"], "vetoes", errors, off)
    _unknown(errors, "vetoes", v, "veto", {x.key for x in scheme.vetoes}, off, "veto",
             skip_blank=True)

    # ballots -----------------------------------------------------------------------------
    b = _codes(index, t["ballots"], "ballots", errors, off)
    ballot_leaves = [n for n in leaves.values() if n.method.kind == "ballot"]
    if len(b):
        if not ballot_leaves:
            errors.append(InputError("ballots", None, None, "the scheme has no ballot indicator"))
        elif len(ballot_leaves) == 1:
            b["indicator"] = _fill_blank(b["indicator"], ballot_leaves[0].key)
        _unknown(errors, "ballots", b, "indicator", {n.key for n in ballot_leaves}, off,
                 "ballot indicator")
        score = b["score"].to_numpy(dtype="float64")
        for node in ballot_leaves:
            rows = (b["indicator"] == node.key).to_numpy()
            report_rows(errors, "ballots", "score",
                        rows & ((score < 0) | (score > node.method.scale_max)), off,
                        f"a ballot score must be between 0 and {node.method.scale_max:g}")
            if node.method.rater_groups:
                rows = (b["indicator"] == node.key).to_numpy()
                _unknown(errors, "ballots", b, "rater_group",
                         {g.key for g in node.method.rater_groups}, off, "rater group", rows)

    # history -----------------------------------------------------------------------------
    h = _codes(index, t["history"], "history", errors, off, report=False)
    h = h.loc[h["code"] >= 0]  # earlier cycles may mention people no longer appraised

    if errors:
        raise InputErrors(errors)
    rollups = scheme.rollup_categories()
    ranked = ~a["category"].isin(list(rollups)).to_numpy()
    sup = index.get_indexer(a["supervisor_id"].to_numpy(dtype=object))
    return Prepared(a, s, it, c, v, b, h, ranked, sup)
