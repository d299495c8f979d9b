"""History flags over consecutive cycles and the per-appraisee flag list."""

from __future__ import annotations

import numpy as np

from ..scheme import Scheme
from .prepare import Prepared


def previous_cycles(labels: list[str], needed: int, cycle: str | None) -> list[str]:
    """The ``needed`` cycles a run must also cover, most recent first.

    Years (whole numbers) are consecutive: the years right before ``cycle`` (or, when it
    is not given, before the latest year in the history plus one) — a missing year is in
    the list and, having no rows, breaks the run.  Other labels: the latest ``needed``
    in sort order (a gap cannot be seen)."""
    if needed <= 0:
        return []
    if all(label.isdigit() for label in labels) and (cycle is None or cycle.isdigit()):
        if cycle is None and not labels:
            return [""] * needed  # no history: no run
        current = int(cycle) if cycle is not None else max(int(label) for label in labels) + 1
        return [str(current - back) for back in range(1, needed + 1)]
    ordered = sorted(labels, reverse=True)
    return ordered[:needed] + [""] * (needed - len(ordered[:needed]))


def history_flags(
    scheme: Scheme, prepared: Prepared, composite: np.ndarray, grade_idx: np.ndarray, cycle: str | None = None
) -> dict[str, np.ndarray]:
    """Per flag: raised when the condition holds now and in each of the previous
    consecutive cycles (a missing year breaks the run)."""
    n = prepared.n
    history = prepared.history
    band_keys = [band.key for band in scheme.grades.bands]
    labels = [str(label) for label in history["cycle"].astype(str).unique().tolist() if str(label) != ""]
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
        cycle_labels = history["cycle"].astype(str).to_numpy()
        for earlier in previous_cycles(labels, flag.cycles - 1, cycle):
            rows = (cycle_labels == earlier) & hit
            raised &= np.bincount(history["code"].to_numpy()[rows], minlength=n)[:n] > 0
        out[flag.key] = raised
    return out
