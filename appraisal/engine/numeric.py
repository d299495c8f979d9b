"""Decimal-safe rounding (四舍五入, round half up) and order-independent sums."""

from __future__ import annotations

import numpy as np

_EPS = 1e-9
#: inputs are quantised to this many units before summing so that sums are exact
#: (integers below 2**53) and therefore independent of row order.
SUM_SCALE = 1_000_000.0


def round_half_up(x, digits: int = 0):
    """Round half away from zero (四舍五入): 0.5 → 1, 1.5 → 2, 2.5 → 3, −0.5 → −1.

    Python's ``round`` rounds half to even (2.5 → 2); this never does.  A small
    epsilon absorbs binary representation error (1.005 is stored as 1.00499…).
    """
    factor = 10.0**digits
    arr = np.asarray(x, dtype="float64")
    scaled = np.abs(arr) * factor
    out = np.sign(arr) * np.floor(scaled + 0.5 + _EPS * np.maximum(1.0, scaled)) / factor
    if np.ndim(out) == 0:
        return float(out)
    return out


def quota_size(n, ratio: float, rounding: str = "half_up"):
    """Number of places for a ratio of a pool of size n (vectorised over n)."""
    raw = np.asarray(n, dtype="float64") * ratio
    if rounding == "floor":
        out = np.floor(raw + _EPS)
    elif rounding == "ceil":
        out = np.ceil(raw - _EPS)
    else:
        out = round_half_up(raw, 0)
    return np.asarray(out, dtype="int64")


def exact_sum(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sum ``values`` per code; exact (hence independent of row order)."""
    q = np.round(np.asarray(values, dtype="float64") * SUM_SCALE)
    return np.bincount(codes, weights=q, minlength=size)[:size] / SUM_SCALE


def count_per(codes: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(codes, minlength=size)[:size].astype("int64")
