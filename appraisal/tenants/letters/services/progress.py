"""Where a year's letters stand: one row per unit appraisee that needs a letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.letters.models import Letter, LetterItem, LetterStatus
from appraisal.tenants.letters.services.drafting import population_needs_letters


@dataclass
class LetterRow:
    appraisee: Appraisee
    letter: Letter | None
    total: Decimal
    late: bool

    @property
    def status(self) -> str:
        return self.letter.status.value if self.letter else "missing"


def overview(cycle: Cycle, appraisee_clause=None, today: date | None = None) -> list[LetterRow]:
    """Every unit appraisee whose scheme needs a letter, with its letter's state —
    in three queries, whatever the number of units."""
    today = today or date.today()
    populations = [
        p
        for p in db.session.scalars(select(Population).where(Population.cycle_id == cycle.id))
        if population_needs_letters(p)
    ]
    if not populations:
        return []
    stmt = (
        select(Appraisee)
        .where(Appraisee.population_id.in_([p.id for p in populations]))
        .order_by(Appraisee.population_id, Appraisee.sort_order)
    )
    if appraisee_clause is not None:
        stmt = stmt.where(appraisee_clause)
    appraisees = list(db.session.scalars(stmt))
    ids = [a.id for a in appraisees]
    letters = {row.appraisee_id: row for row in db.session.scalars(select(Letter).where(Letter.appraisee_id.in_(ids)))}
    totals = dict(
        db.session.execute(
            select(LetterItem.appraisee_id, func.sum(LetterItem.points))
            .where(LetterItem.appraisee_id.in_(ids))
            .group_by(LetterItem.appraisee_id)
        ).all()
    )
    due = cycle.letters_due
    rows = []
    for a in appraisees:
        letter = letters.get(a.id)
        approved = letter is not None and letter.status == LetterStatus.APPROVED
        late = bool(due and today > due and not approved)
        rows.append(LetterRow(a, letter, Decimal(str(totals.get(a.id) or 0)), late))
    return rows
