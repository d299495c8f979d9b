"""Scoring fixtures: the ``year`` fixture moved to year-end scoring, with
helpers to find appraisees and to approve a responsibility letter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase
from appraisal.tenants.letters.models import Letter, LetterItem, LetterStatus
from appraisal.tenants.org.models import Person


def move_to(year, phase: Phase) -> None:
    """Forward one phase at a time (or back, with a reason) to ``phase``."""
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        while cycle.phase.index < phase.index:
            cycles.move_phase(cycle, Phase.ordered()[cycle.phase.index + 1])
        if cycle.phase.index > phase.index:
            cycles.move_phase(cycle, phase, reason="测试退回")
        db.session.commit()


def dept(year, index: int) -> Appraisee:
    """The appraisee of department ``index`` (0-based) in the departments population."""
    return db.session.scalar(
        select(Appraisee).where(
            Appraisee.population_id == year.ids["dept_pop"], Appraisee.org_unit_id == year.ids["depts"][index]
        )
    )


def approve_letter(year, index: int, items: list[tuple[str, str]]) -> list[int]:
    """An approved letter for department ``index`` with (title, points) items; their ids."""
    with tenant_scope(year.tenant):
        appraisee = dept(year, index)
        letter = db.session.scalar(select(Letter).where(Letter.appraisee_id == appraisee.id))
        if letter is None:  # letters may be opened with the population
            letter = Letter(cycle_id=appraisee.cycle_id, appraisee_id=appraisee.id)
            db.session.add(letter)
        letter.status = LetterStatus.APPROVED
        db.session.flush()
        for old in list(letter.items):
            db.session.delete(old)
        db.session.flush()
        rows = [
            LetterItem(
                letter_id=letter.id,
                appraisee_id=appraisee.id,
                indicator_key="business",
                seq=i,
                title=title,
                points=Decimal(points),
                measure=f"考核标准{i}",
            )
            for i, (title, points) in enumerate(items, 1)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def link_person(year, user, person_index: int) -> int:
    """Link ``user`` to a person (e.g. a county-level cadre, appraised in the staff population)."""
    with tenant_scope(year.tenant):
        for p in db.session.scalars(select(Person).where(Person.user_id == user.id)):
            p.user_id = None
        db.session.flush()
        person = db.session.get(Person, year.ids["people"][person_index])
        person.user_id = user.id
        db.session.commit()
        return db.session.scalar(
            select(Appraisee.id).where(
                Appraisee.person_id == person.id, Appraisee.population_id == year.ids["staff_pop"]
            )
        )


def _bare_year(make_tenant, make_user, monkeypatch, slug, name, prefix=""):
    """The shared appraisal year without the one-of-each scoring objects the
    access walker looks up: these tests count what they create."""
    from tests import helpers as shared

    monkeypatch.setattr(shared, "_scoring_objects", lambda year: None)
    return shared.build_year(make_tenant(slug, name), make_user, prefix=prefix)


@pytest.fixture
def year(make_tenant, make_user, monkeypatch):
    return _bare_year(make_tenant, make_user, monkeypatch, "city", "枣庄市考核办")


@pytest.fixture
def other_year(make_tenant, make_user, monkeypatch):
    return _bare_year(make_tenant, make_user, monkeypatch, "other", "滕州市考核办", prefix="B")


@pytest.fixture
def scoring_year(year):
    move_to(year, Phase.SCORING)
    return year
