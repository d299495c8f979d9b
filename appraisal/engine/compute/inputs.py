"""The inputs of a computation: one DataFrame per table, with documented columns.

Column contract (English snake_case; the CLI also accepts the Chinese headers in
``appraisal.engine.workbook``).  Every table except ``appraisees`` is optional;
a missing table is an empty frame.  IDs are strings.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from ..errors import InputError

#: table → [(column, kind, required, default)]; kind is str/float/bool
COLUMNS: dict[str, list[tuple[str, str, bool, object]]] = {
    "appraisees": [
        ("appraisee_id", "str", True, None),
        ("name", "str", False, ""),
        ("unit", "str", False, ""),
        ("ranking_group", "str", False, ""),
        ("category", "str", False, ""),
        ("supervisor_id", "str", False, ""),
        ("is_unit_head", "bool", False, False),
        ("grade_override", "str", False, ""),
    ],
    "scores": [
        ("appraisee_id", "str", True, None),
        ("indicator", "str", True, None),
        ("item", "str", False, ""),
        ("value", "float", True, None),
    ],
    "items": [
        ("appraisee_id", "str", True, None),
        ("indicator", "str", True, None),
        ("item", "str", True, None),
        ("name", "str", False, ""),
        ("points", "float", True, None),
        ("value", "float", False, 0.0),
    ],
    "claims": [
        ("appraisee_id", "str", True, None),
        ("rule", "str", True, None),
        ("level", "str", False, ""),
        ("count", "float", False, 1.0),
        ("dedup_key", "str", False, ""),
        ("sharers", "float", False, 1.0),
        ("verified", "bool", False, True),
        ("evidence", "str", False, ""),
    ],
    "vetoes": [
        ("appraisee_id", "str", True, None),
        ("veto", "str", True, None),
        ("note", "str", False, ""),
    ],
    "ballots": [
        ("appraisee_id", "str", True, None),
        ("rater_group", "str", False, ""),
        ("score", "float", True, None),
        ("indicator", "str", False, ""),
    ],
    "history": [
        ("appraisee_id", "str", True, None),
        ("cycle", "str", True, None),
        ("composite", "float", False, np.nan),
        ("grade", "str", False, ""),
    ],
}

_TRUE = {"true", "1", "1.0", "yes", "y", "是", "√", "✓", "t"}
_FALSE = {"false", "0", "0.0", "no", "n", "否", "", "f", "nan", "none"}


@dataclass
class Inputs:
    """The inputs of one cycle (see docs/engine/inputs-and-results.md).

    appraisees: appraisee_id, name, unit, ranking_group (e.g. sector group), category
        (e.g. county_level, general_staff, vice_chair), supervisor_id (roll-ups),
        is_unit_head (bool), grade_override (a grade band key given from outside, e.g.
        a seconded cadre's city-wide grade or a leader's city-managed-cadre grade).
    scores: appraisee_id, indicator (leaf key), item (deduction item key; 'actual' /
        'target' for ratio leaves; blank otherwise), value (score, %, count, or
        sub-score; several rows for an average).
    items: responsibility-letter items: appraisee_id, indicator (the items leaf),
        item, name, points (the item's full marks), value (score, or % for percent).
    claims: adjustment claims: appraisee_id, rule, level (for rules with levels),
        count (occurrences, default 1), dedup_key (same project/article), sharers
        (number of appraisees sharing it, default 1), verified (default true),
        evidence.
    vetoes: appraisee_id, veto (veto key), note.
    ballots: democratic-evaluation ballot lines, no voter: appraisee_id,
        rater_group, score, indicator (only when a scheme has several ballot leaves).
    history: earlier cycles: appraisee_id, cycle (sortable, e.g. '2024'),
        composite, grade (band key).
    """

    appraisees: pd.DataFrame
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)
    vetoes: pd.DataFrame = field(default_factory=pd.DataFrame)
    ballots: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def table_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _labels(values: np.ndarray) -> np.ndarray:
    """Raw cell values (str, int, float from Excel…) → stripped strings; NaN → ''."""
    ser = pd.Series(values, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # the common case
        if not len(values):
            return values
        return _strip(values)
    missing = ser.isna().to_numpy()
    num = pd.to_numeric(ser, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    whole = ~np.isnan(num) & (np.floor(np.nan_to_num(num)) == num) & ~missing
    is_str = ser.map(type).to_numpy() == str  # noqa: E721 (element-wise, on an array)
    text = ser.astype("str").str.strip().to_numpy(dtype=object)
    ints = np.where(whole & ~is_str, np.nan_to_num(num), 0).astype("int64").astype(str).astype(object)
    out = np.where(whole & ~is_str, ints, text)
    return np.where(missing, "", out).astype(object)


#: str.strip on each element of an object array (no copy to fixed-width unicode and back)
_strip = np.frompyfunc(str.strip, 1, 1)


def to_category(s: pd.Series) -> pd.Series:
    """A string column as a categorical (hashing each row once, then working on the
    distinct values only: much faster than string operations on millions of rows);
    blanks → ''.  The order of the categories is not meaningful: sort by values
    (``astype(str)``), never by the categorical itself."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        uniq = s.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniq = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    uniq = np.asarray(uniq, dtype=object)
    labels = _labels(uniq)
    if len(labels) == len(uniq) and bool((labels == uniq).all()):  # already clean: keep the codes
        blank = np.flatnonzero(labels == "")
        cats = labels if len(blank) else np.append(labels, "").astype(object)
        if len(codes) and int(codes.min()) < 0:
            codes = np.where(codes >= 0, codes, blank[0] if len(blank) else len(labels))
    else:
        inv, cats = pd.factorize(np.append(labels, "").astype(object))
        codes = np.where(codes >= 0, inv[np.maximum(codes, 0)], inv[-1]) if len(codes) else codes
    return pd.Series(
        pd.Categorical.from_codes(codes.astype("int32"), validate=False, categories=pd.Index(cats, dtype=object)),
        index=s.index,
    )


def normalise_table(name: str, df: pd.DataFrame | None, errors: list[InputError], row_offset: int = 1) -> pd.DataFrame:
    """Columns coerced to their kinds, defaults filled; problems appended to errors.

    ``row_offset`` turns positional indices into reported row numbers (1 = first
    data row; the workbook reader passes 2 because row 1 is the header)."""
    table = pd.DataFrame() if df is None else df.reset_index(drop=True)
    rows = len(table)
    out = {}
    for column, kind, required, default in COLUMNS[name]:
        if column not in table.columns:
            if required and (rows or name == "appraisees"):
                errors.append(InputError(name, None, column, "required column is missing"))
            out[column] = _default_column(kind, default, rows)
            continue
        values = table[column]
        report = functools.partial(_report, errors, name, column, row_offset=row_offset)
        if kind == "str":
            values = _text_column(values, required, report)
        elif kind == "float":
            values = _number_column(values, required, default, report)
        else:
            values = _yes_no_column(values, default, report)
        out[column] = values.reset_index(drop=True)
    extra = [column for column in table.columns if column not in out]
    result = pd.DataFrame(out)
    for column in extra:  # keep extra columns (e.g. claim_id) untouched
        result[column] = table[column].to_numpy()
    return result


def _default_column(kind: str, default, rows: int) -> pd.Series:
    """A missing optional column: its default on every row."""
    if kind == "str":
        return pd.Series(
            pd.Categorical.from_codes(np.zeros(rows, dtype="int8"), categories=pd.Index([default or ""], dtype=object))
        )
    return pd.Series([default] * rows, dtype="float64" if kind == "float" else bool)


def _text_column(values: pd.Series, required: bool, report) -> pd.Series:
    values = to_category(values)
    if required:
        report(np.flatnonzero((values == "").to_numpy()), message="value is required")
    return values


def _number_column(values: pd.Series, required: bool, default, report) -> pd.Series:
    number = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = number.isna().to_numpy() & ~values.isna().to_numpy()
    report(np.flatnonzero(bad), message="not a number")
    if required:
        report(np.flatnonzero(values.isna().to_numpy()), message="value is required")
    return number if default is None else number.fillna(default)


def _yes_no_column(values: pd.Series, default, report) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(bool)
    lower = to_category(values).astype("str").str.lower()
    yes, no = lower.isin(_TRUE).to_numpy(), lower.isin(_FALSE).to_numpy()
    report(np.flatnonzero(~yes & ~no), message="not a yes/no value")
    return pd.Series(np.where(yes, True, np.where(no & (lower != ""), False, bool(default))), index=values.index)


def _report(errors, table, col, rows, row_offset, message, limit: int = 50) -> None:
    for r in rows[:limit]:
        errors.append(InputError(table, int(r) + row_offset, col, message))
    if len(rows) > limit:
        errors.append(InputError(table, None, col, f"… and {len(rows) - limit} more rows: {message}"))


def report_rows(errors, table, col, mask, row_offset, message) -> None:
    _report(errors, table, col, np.flatnonzero(np.asarray(mask)), row_offset, message)
