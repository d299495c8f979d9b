"""Cycles: what other features may use (the only module they import, with ``models``).

Each phase allows only its own actions: features ask :func:`require_phase`
before they write. A final cycle is read-only.
"""

from __future__ import annotations

from appraisal.tenants.cycles.models import Cycle  # still read as cycles.Cycle by tests/tenants/scoring
from appraisal.tenants.cycles.services.choosing import (
    CYCLE_ARG,
    LEGACY_CYCLE_ARG,
    all_cycles,
    any_cycle,
    default_cycle,
    not_archived,
    past_target_setting,
    selected_cycle,
)
from appraisal.tenants.cycles.services.phases import (
    PHASE_ACTIONS,
    PHASE_LABELS,
    PHASE_LABELS_ZH,
    CycleError,
    PhaseError,
    create_cycle,
    join_labels,
    move_phase,
    on_phase_change,
    phase_allows,
    phase_form,
    require_phase,
    set_phase_dates,
)
from appraisal.tenants.cycles.services.populations import (
    CATEGORY_GROUPS,
    KIND_GROUPS,
    add_population,
    assessed_indicators,
    populations_with_counts,
    set_assessors,
)

__all__ = [
    "CATEGORY_GROUPS",
    "CYCLE_ARG",
    "KIND_GROUPS",
    "LEGACY_CYCLE_ARG",
    "PHASE_ACTIONS",
    "PHASE_LABELS",
    "PHASE_LABELS_ZH",
    "Cycle",
    "CycleError",
    "PhaseError",
    "add_population",
    "all_cycles",
    "any_cycle",
    "assessed_indicators",
    "create_cycle",
    "default_cycle",
    "join_labels",
    "move_phase",
    "not_archived",
    "on_phase_change",
    "past_target_setting",
    "phase_allows",
    "phase_form",
    "populations_with_counts",
    "require_phase",
    "selected_cycle",
    "set_assessors",
    "set_phase_dates",
]
