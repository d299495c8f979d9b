"""The explanation's building blocks: short number formatting, the rows collected block by
block, and the context every explaining step reads (see ``explain``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..scheme import Scheme
from .pipeline import Pipeline


def fmt(x, prec: int = 2) -> np.ndarray:
    """Numbers as short strings: 9.50 → '9.5', 10.00 → '10' (formats each distinct
    value once)."""
    arr = np.nan_to_num(np.asarray(x, dtype="float64"))
    codes, uniq = pd.factorize(arr)
    s = np.char.mod(f"%.{prec}f", uniq)
    if prec:
        s = np.char.rstrip(np.char.rstrip(s, "0"), ".")
    s = np.where(s == "-0", "0", s).astype(object)
    return s[codes] if len(codes) else s


def map_str(values, mapping: dict) -> np.ndarray:
    """Map values through a dict; missing → '' (without pandas dtype upcasts)."""
    out = pd.Series(np.asarray(values, dtype=object), dtype=object).map(mapping).to_numpy(dtype=object)
    out[pd.isna(out)] = ""
    return out


class Rows:
    """Explanation rows, collected block by block (one block per scheme element)."""

    def __init__(self, n: int, ids: np.ndarray):
        self.n = n
        self.ids = ids
        self.blocks: list[tuple] = []
        self.next = 0.0

    def add(self, kind: str, ref: str, zh, en, mask=None, codes=None, order=None) -> float:
        """Add a block of rows; returns its order key.  ``order`` (per row) places rows
        elsewhere, e.g. each claim right after its rule."""
        codes = np.arange(self.n) if codes is None else codes
        count = len(codes)
        zh = np.broadcast_to(np.asarray(zh, dtype=object), (count,))
        en = np.broadcast_to(np.asarray(en, dtype=object), (count,))
        shown = np.ones(count, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        self.next += 1.0
        key = np.full(count, self.next) if order is None else np.asarray(order, dtype="float64")
        if shown.any():
            self.blocks.append((codes[shown], len(self.blocks), kind, ref, zh[shown], en[shown], key[shown]))
        return self.next

    def frame(self) -> pd.DataFrame:
        """The rows per appraisee, in block order (claims after their rule), numbered by seq."""
        columns = ["appraisee_id", "seq", "kind", "ref", "zh", "en"]
        if not self.blocks:
            return pd.DataFrame({c: pd.Series(dtype="str" if c != "seq" else "int64") for c in columns})
        codes = np.concatenate([b[0] for b in self.blocks])
        block = np.concatenate([np.full(len(b[0]), b[1]) for b in self.blocks])
        kinds = np.array([b[2] for b in self.blocks], dtype=object)
        refs = np.array([b[3] for b in self.blocks], dtype=object)
        zh = np.concatenate([b[4] for b in self.blocks])
        en = np.concatenate([b[5] for b in self.blocks])
        order_key = np.concatenate([b[6] for b in self.blocks])
        order = np.lexsort((block, order_key, codes))
        codes, block = codes[order], block[order]
        starts = np.r_[True, codes[1:] != codes[:-1]]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))
        seq = np.arange(len(codes)) - first + 1
        return pd.DataFrame(
            {
                "appraisee_id": pd.array(self.ids[codes], dtype="str"),
                "seq": seq,
                "kind": pd.array(kinds[block], dtype="str"),
                "ref": pd.array(refs[block], dtype="str"),
                "zh": pd.array(zh[order], dtype="str"),
                "en": pd.array(en[order], dtype="str"),
            }
        )


@dataclass
class Context:
    """What every explaining step reads: the pipeline, the result rows in prepared order
    (sorted by appraisee id), and the rows being written."""

    pipeline: Pipeline
    frame: pd.DataFrame  # the appraisees table, sorted by appraisee id
    ranked: np.ndarray  # bool per appraisee
    rows: Rows
    id_index: pd.Index

    @property
    def scheme(self) -> Scheme:
        return self.pipeline.scheme

    @property
    def precision(self) -> int:
        return self.pipeline.precision

    def number(self, column: str, precision: int | None = None) -> np.ndarray:
        """A result column formatted as short numbers."""
        return fmt(self.frame[column], self.precision if precision is None else precision)

    def code_of(self, values) -> np.ndarray:
        """Row number (prepared order) of each appraisee id."""
        return self.id_index.get_indexer(np.asarray(values, dtype=object))
