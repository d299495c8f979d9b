"""Everything the engine needs for one population, read with explicit tenant filters.

Scores, letter items, claims and vetoes come from the scoring feature, the
ballots of the population's closed democratic evaluations from the ballots
feature (anonymity rules applied); the history of earlier cycles is read here. Core queries (no ORM safety net), so every table
is filtered by ``tenant_id``; one query per table, whatever the size.
"""

from __future__ import annotations

import pandas as pd
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from appraisal.engine import COLUMNS
from appraisal.platform.db import db
from appraisal.tenants.ballots.services import population_ballots_frame
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.results.models import ResultRow, ResultRun
from appraisal.tenants.scoring.services import engine_inputs

HISTORY_CYCLES = 5

UNUSED_BALLOTS = _l("注意：本群体的考核方案没有民主测评指标，已结束的民主测评得分未计入本次结果（选票仍然保留）。")


def _has_ballot_indicator(nodes) -> bool:
    return any(
        _has_ballot_indicator(n.children) if n.children else getattr(n.method, "kind", None) == "ballot" for n in nodes
    )


def drop_unusable_ballots(scheme, frames: dict[str, pd.DataFrame]) -> list[str]:
    """Ballots of a population whose scheme has no ballot indicator (an evaluation set
    up before that was refused) have nowhere to count: the computation leaves them
    out instead of failing for good, and says so (the notes, for the run)."""
    if not len(frames["ballots"]) or _has_ballot_indicator(scheme.indicators):
        return []
    frames["ballots"] = frames["ballots"].iloc[0:0]
    with force_locale("zh_Hans"):
        return [str(UNUSED_BALLOTS)]


def load(population: Population) -> dict[str, pd.DataFrame]:
    frames = engine_inputs(population)
    frames["ballots"] = ballots(population)
    frames["history"] = history(population)
    return frames


def ballots(population: Population) -> pd.DataFrame:
    """Ballot lines of the population's closed evaluations, after the small-group rule
    (a group too small to stay anonymous is merged or dropped before the engine sees it)."""
    return population_ballots_frame(population)


def history(population: Population) -> pd.DataFrame:
    """Earlier cycles' current results of the population with the same key, matched
    to this cycle's appraisees by who they are (the unit or the person)."""
    tenant_id = population.tenant_id
    conn = db.session.connection()
    c, p, a, r, row = (
        Cycle.__table__,
        Population.__table__,
        Appraisee.__table__,
        ResultRun.__table__,
        ResultRow.__table__,
    )
    current = dict(
        conn.execute(
            select(a.c.subject_key, a.c.id).where(a.c.tenant_id == tenant_id, a.c.population_id == population.id)
        ).all()
    )
    cycle_id = conn.execute(
        select(c.c.previous_cycle_id).where(c.c.tenant_id == tenant_id, c.c.id == population.cycle_id)
    ).scalar()
    records = []
    for _ in range(HISTORY_CYCLES):
        if cycle_id is None:
            break
        year = conn.execute(select(c.c.year).where(c.c.tenant_id == tenant_id, c.c.id == cycle_id)).scalar()
        run_id = conn.execute(
            select(r.c.id)
            .join(p, and_(p.c.id == r.c.population_id, p.c.tenant_id == tenant_id))
            .where(
                r.c.tenant_id == tenant_id,
                r.c.is_current.is_(True),
                p.c.cycle_id == cycle_id,
                p.c.key == population.key,
            )
        ).scalar()
        if run_id is not None:  # that one run's rows, then who they were: two index lookups
            found = conn.execute(
                select(row.c.appraisee_id, row.c.composite, row.c.grade).where(
                    row.c.tenant_id == tenant_id, row.c.run_id == run_id
                )
            ).all()
            subjects = (
                dict(
                    conn.execute(
                        select(a.c.id, a.c.subject_key).where(
                            a.c.tenant_id == tenant_id, a.c.id.in_([f[0] for f in found])
                        )
                    ).all()
                )
                if found
                else {}
            )
            records += [
                (str(current[subjects[aid]]), str(year), composite, grade or "")
                for aid, composite, grade in found
                if subjects.get(aid) in current
            ]
        cycle_id = conn.execute(
            select(c.c.previous_cycle_id).where(c.c.tenant_id == tenant_id, c.c.id == cycle_id)
        ).scalar()
    columns = [c for c, *_ in COLUMNS["history"]]
    return pd.DataFrame.from_records(records, columns=columns)
