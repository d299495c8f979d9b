"""Which cycle? One answer for every screen that shows one year at a time.

The page's ``?cycle_id=`` names the cycle (another tenant's, or an unknown id,
is a 404; a non-numeric value is ignored). ``?cycle=``, the name scoring and
ballots used before, is read as an alias so that old links and bookmarks keep
working. Without either, the latest cycle that ``prefer`` accepts (by default:
not yet archived), else the latest of all.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.cycles.models import Cycle, Phase

#: The URL parameter that names the cycle, everywhere.
CYCLE_ARG = "cycle_id"
#: The name scoring and ballots used before ``cycle_id``; still read.
LEGACY_CYCLE_ARG = "cycle"


def all_cycles() -> list[Cycle]:
    """The tenant's cycles, newest first (for a "year" selector)."""
    return list(db.session.scalars(select(Cycle).order_by(Cycle.year.desc(), Cycle.id.desc())))


def not_archived(cycle: Cycle) -> bool:
    return cycle.phase != Phase.FINAL


def any_cycle(cycle: Cycle) -> bool:
    """``prefer=any_cycle``: the default is simply the newest cycle."""
    return True


def past_target_setting(cycle: Cycle) -> bool:
    """``prefer=past_target_setting``: the newest cycle that may have results."""
    return cycle.phase != Phase.TARGET_SETTING


def default_cycle(prefer: Callable[[Cycle], bool] = not_archived) -> Cycle | None:
    """The latest cycle ``prefer`` accepts, else the latest of all (None: no cycle yet)."""
    cycles = all_cycles()
    return next((c for c in cycles if prefer(c)), cycles[0] if cycles else None)


def selected_cycle(arg: str = CYCLE_ARG, *, prefer: Callable[[Cycle], bool] = not_archived) -> Cycle | None:
    """The cycle the request asks for in ``?<arg>=`` (or the legacy ``?cycle=``),
    else the default (see the module)."""
    wanted = request.args.get(arg, type=int)
    if wanted is None and arg == CYCLE_ARG:
        wanted = request.args.get(LEGACY_CYCLE_ARG, type=int)
    if wanted:
        return get_or_404(Cycle, wanted)
    return default_cycle(prefer)
