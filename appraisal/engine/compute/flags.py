"""History flags over consecutive cycles and the per-appraisee flag list."""
from __future__ import annotations

import numpy as np

from ..scheme import Scheme
from .prepare import Prepared


def history_flags(scheme: Scheme, p: Prepared, composite: np.ndarray,
                  grade_idx: np.ndarray) -> dict[str, np.ndarray]:
    n = p.n
    h = p.history
    band_keys = [b.key for b in scheme.grades.bands]
    cycles = sorted(h["cycle"].unique().tolist(), reverse=True)
    out = {}
    for f in scheme.flags:
        now = np.zeros(n, dtype=bool)
        hit = np.zeros(len(h), dtype=bool)
        if f.below is not None:
            now |= composite < f.below - 1e-9
            hit |= h["composite"].to_numpy(dtype="float64") < f.below - 1e-9
        if f.grade_in:
            now |= np.isin(grade_idx, [band_keys.index(g) for g in f.grade_in])
            hit |= h["grade"].isin(f.grade_in).to_numpy()
        flag = now & p.ranked
        for cyc in cycles[: f.cycles - 1]:
            rows = (h["cycle"] == cyc).to_numpy() & hit
            flag &= np.bincount(h["code"].to_numpy()[rows], minlength=n)[:n] > 0
        if len(cycles) < f.cycles - 1:
            flag &= False
        out[f.key] = flag
    return out
