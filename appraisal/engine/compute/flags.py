"""History flags over consecutive cycles and the per-appraisee flag list."""

from __future__ import annotations

import numpy as np

from ..scheme import Scheme
from .prepare import Prepared


def history_flags(
    scheme: Scheme, prepared: Prepared, composite: np.ndarray, grade_idx: np.ndarray
) -> dict[str, np.ndarray]:
    """Per flag: raised when the condition holds now and in each of the previous cycles."""
    n = prepared.n
    history = prepared.history
    band_keys = [band.key for band in scheme.grades.bands]
    cycles = sorted(history["cycle"].unique().tolist(), reverse=True)
    out = {}
    for flag in scheme.flags:
        now = np.zeros(n, dtype=bool)
        hit = np.zeros(len(history), dtype=bool)
        if flag.below is not None:
            now |= composite < flag.below - 1e-9
            hit |= history["composite"].to_numpy(dtype="float64") < flag.below - 1e-9
        if flag.grade_in:
            now |= np.isin(grade_idx, [band_keys.index(g) for g in flag.grade_in])
            hit |= history["grade"].isin(flag.grade_in).to_numpy()
        raised = now & prepared.ranked
        for cycle in cycles[: flag.cycles - 1]:
            rows = (history["cycle"] == cycle).to_numpy() & hit
            raised &= np.bincount(history["code"].to_numpy()[rows], minlength=n)[:n] > 0
        if len(cycles) < flag.cycles - 1:
            raised &= False
        out[flag.key] = raised
    return out
