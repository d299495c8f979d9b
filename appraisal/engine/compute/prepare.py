"""Normalise the inputs, check every reference against the scheme, attach row codes.

String columns of the input tables become categoricals with sorted categories, and
every table gets ``code``: the row number of its appraisee in ``appraisees`` (which is
sorted by id).  All problems are collected and raised together as InputErrors.

``prepare`` runs one named step per input table, in the order of ``Inputs``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, InputErrors
from ..scheme import Scheme
from ..scheme.indicators import Ballot, Deductions, Method, Ratio
from .inputs import Inputs, normalise_table, report_rows

Errors = list[InputError]


@dataclass
class Prepared:
    appraisees: pd.DataFrame  # sorted by appraisee_id; row i = code i; plain str columns
    scores: pd.DataFrame  # + column 'code'; string columns are categoricals
    items: pd.DataFrame
    claims: pd.DataFrame
    vetoes: pd.DataFrame
    ballots: pd.DataFrame
    history: pd.DataFrame
    ranked: np.ndarray  # bool per appraisee: ranked (not a roll-up category)
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


def _codes(
    index: pd.Index, df: pd.DataFrame, table: str, errors: Errors, off: int, report: bool = True
) -> pd.DataFrame:
    codes = label_codes(df["appraisee_id"], index)
    if report:
        bad = (codes < 0) & (df["appraisee_id"] != "").to_numpy()
        report_rows(errors, table, "appraisee_id", bad, off, "unknown appraisee")
    return df.assign(code=codes)


def _unknown(
    errors: Errors,
    table: str,
    df: pd.DataFrame,
    col: str,
    allowed,
    off: int,
    what: str,
    mask=None,
    skip_blank: bool = False,
) -> None:
    """Rows whose value is not allowed.  skip_blank: blanks of a required column are
    not repeated here (they are already reported as 'value is required')."""
    m = ~df[col].isin(list(allowed)).to_numpy()
    if skip_blank:
        m &= (df[col] != "").to_numpy()
    if mask is not None:
        m &= mask
    if m.any():
        report_rows(
            errors, table, col, m, off, f"unknown {what} (expected one of: {', '.join(sorted(allowed)) or 'none'})"
        )


def _fill_blank(cat: pd.Series, value: str) -> pd.Series:
    """Blank values replaced by ``value`` (on the categories, not on every row)."""
    cats = cat.cat.categories.to_numpy(dtype=object)
    if "" not in cats:
        return cat
    inv, uniq = pd.factorize(np.where(cats == "", value, cats).astype(object))
    codes = inv[cat.cat.codes.to_numpy()]
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniq, dtype=object)), index=cat.index)


def prepare(scheme: Scheme, inputs: Inputs, row_offset: int = 1) -> Prepared:
    """Normalise and check every table; raise InputErrors with every problem found."""
    errors: Errors = []
    off = row_offset
    tables = {name: normalise_table(name, getattr(inputs, name), errors, off) for name in Inputs.table_names()}
    appraisees = _prepare_appraisees(scheme, tables["appraisees"], errors, off)
    index = pd.Index(appraisees["appraisee_id"].to_numpy(dtype=object), dtype=object)
    methods = _leaf_methods(scheme)
    scores = _prepare_scores(methods, _codes(index, tables["scores"], "scores", errors, off), errors, off)
    items = _prepare_items(methods, _codes(index, tables["items"], "items", errors, off), errors, off)
    claims = _prepare_claims(scheme, _codes(index, tables["claims"], "claims", errors, off), errors, off)
    vetoes = _codes(index, tables["vetoes"], "vetoes", errors, off)
    _unknown(errors, "vetoes", vetoes, "veto", {veto.key for veto in scheme.vetoes}, off, "veto", skip_blank=True)
    ballots = _prepare_ballots(methods, _codes(index, tables["ballots"], "ballots", errors, off), errors, off)
    history = _codes(index, tables["history"], "history", errors, off, report=False)
    history = history.loc[history["code"] >= 0]  # earlier cycles may mention people no longer appraised
    if errors:
        raise InputErrors(errors)
    ranked = ~appraisees["category"].isin(list(scheme.rollup_categories())).to_numpy()
    supervisor = index.get_indexer(appraisees["supervisor_id"].to_numpy(dtype=object))
    return Prepared(appraisees, scores, items, claims, vetoes, ballots, history, ranked, supervisor)


def _leaf_methods(scheme: Scheme) -> dict[str, Method]:
    """The scoring method of every leaf indicator, by key (validation gives each leaf one)."""
    return {node.key: node.method for node in scheme.leaves() if node.method is not None}


def _prepare_appraisees(scheme: Scheme, table: pd.DataFrame, errors: Errors, off: int) -> pd.DataFrame:
    """Plain str columns, unique ids (sorted), known grade overrides."""
    for column in table.columns:
        if isinstance(table[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype("str")
    ids = table["appraisee_id"]
    duplicate = ids.duplicated(keep=False).to_numpy() & (ids != "").to_numpy()
    report_rows(errors, "appraisees", "appraisee_id", duplicate, off, "appraisee id is not unique")
    table = table.sort_values("appraisee_id", kind="stable").drop_duplicates("appraisee_id")
    table = table.reset_index(drop=True)
    bands = {band.key for band in scheme.grades.bands}
    bad = ~table["grade_override"].isin(list(bands | {""})).to_numpy()
    report_rows(
        errors,
        "appraisees",
        "grade_override",
        bad,
        off,
        f"unknown grade (expected one of: {', '.join(sorted(bands)) or 'none'})",
    )
    return table


def _prepare_scores(methods: dict[str, Method], scores: pd.DataFrame, errors: Errors, off: int) -> pd.DataFrame:
    """Known indicators (leaves that read the scores table), entered once where a single
    value is expected, known items, valid values."""
    score_leaves = {key for key, method in methods.items() if method.kind != "items"}
    _unknown(errors, "scores", scores, "indicator", score_leaves, off, "indicator", skip_blank=True)
    single = [key for key, method in methods.items() if method.kind in ("entered", "ballot")]
    if len(scores) and single:
        _report_entered_twice(scores, single, errors, off)
    for key, method in methods.items():
        if method.kind not in ("deductions", "ratio", "count"):
            continue
        rows = (scores["indicator"] == key).to_numpy()
        if rows.any():
            _check_score_rows(key, method, scores, rows, errors, off)
    return scores


def _report_entered_twice(scores: pd.DataFrame, single: list[str], errors: Errors, off: int) -> None:
    """An entered (or ballot) indicator has one value per appraisee."""
    indicator = scores["indicator"]
    once = indicator.isin(single).to_numpy()
    width = len(indicator.cat.categories) + 1
    key = (scores["code"].to_numpy() + 1) * width + indicator.cat.codes.to_numpy()
    key = np.where(once, key, 0)
    duplicate = once & (np.bincount(key, minlength=1)[key] > 1)
    report_rows(
        errors, "scores", "indicator", duplicate, off, "entered more than once for this appraisee and indicator"
    )


def _check_score_rows(
    key: str, method: Method, scores: pd.DataFrame, rows: np.ndarray, errors: Errors, off: int
) -> None:
    """The rows of one deductions, ratio or count leaf: known items, valid values."""
    if isinstance(method, Deductions):
        _unknown(
            errors,
            "scores",
            scores,
            "item",
            {item.key for item in method.items},
            off,
            f"deduction item of '{key}'",
            rows,
        )
    elif isinstance(method, Ratio):
        _unknown(errors, "scores", scores, "item", {"actual", "target"}, off, f"item of ratio '{key}'", rows)
        target = rows & (scores["item"] == "target").to_numpy() & (scores["value"] <= 0).to_numpy()
        report_rows(errors, "scores", "value", target, off, "a target must be greater than 0")
    if method.kind in ("deductions", "count"):
        report_rows(
            errors, "scores", "value", rows & (scores["value"] < 0).to_numpy(), off, "a count cannot be negative"
        )


def _prepare_items(methods: dict[str, Method], items: pd.DataFrame, errors: Errors, off: int) -> pd.DataFrame:
    item_leaves = {key for key, method in methods.items() if method.kind == "items"}
    _unknown(errors, "items", items, "indicator", item_leaves, off, "items indicator", skip_blank=True)
    report_rows(errors, "items", "points", (items["points"] < 0).to_numpy(), off, "points cannot be negative")
    return items


def _prepare_claims(scheme: Scheme, claims: pd.DataFrame, errors: Errors, off: int) -> pd.DataFrame:
    """Known rules and levels, counts not negative, at least one sharer."""
    rules = {rule.key: rule for rule in scheme.adjustments.rules}
    _unknown(errors, "claims", claims, "rule", set(rules), off, "adjustment rule", skip_blank=True)
    for key, rule in rules.items():
        rows = (claims["rule"] == key).to_numpy()
        if rows.any() and rule.levels:
            _unknown(
                errors, "claims", claims, "level", {level.key for level in rule.levels}, off, f"level of '{key}'", rows
            )
    report_rows(errors, "claims", "count", (claims["count"] < 0).to_numpy(), off, "a count cannot be negative")
    report_rows(errors, "claims", "sharers", (claims["sharers"] < 1).to_numpy(), off, "sharers must be at least 1")
    return claims


def _prepare_ballots(methods: dict[str, Method], ballots: pd.DataFrame, errors: Errors, off: int) -> pd.DataFrame:
    """A ballot indicator (blank = the only one), scores within its scale, known rater groups."""
    if not len(ballots):
        return ballots
    ballot_leaves = {key: method for key, method in methods.items() if isinstance(method, Ballot)}
    if not ballot_leaves:
        errors.append(InputError("ballots", None, None, "the scheme has no ballot indicator"))
    elif len(ballot_leaves) == 1:
        ballots["indicator"] = _fill_blank(ballots["indicator"], next(iter(ballot_leaves)))
    _unknown(errors, "ballots", ballots, "indicator", set(ballot_leaves), off, "ballot indicator")
    score = ballots["score"].to_numpy(dtype="float64")
    for key, method in ballot_leaves.items():
        rows = (ballots["indicator"] == key).to_numpy()
        report_rows(
            errors,
            "ballots",
            "score",
            rows & ((score < 0) | (score > method.scale_max)),
            off,
            f"a ballot score must be between 0 and {method.scale_max:g}",
        )
        if method.rater_groups:
            _unknown(
                errors,
                "ballots",
                ballots,
                "rater_group",
                {group.key for group in method.rater_groups},
                off,
                "rater group",
                rows,
            )
    return ballots
