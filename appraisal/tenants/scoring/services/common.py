"""What the parts of scoring share: the objects permissions judge (score
cells, claim subjects), the scheme of a population, cycle helpers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.refusals import Refusal
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.schemes.models import SchemeVersion


class ScoringError(Refusal):
    """A user-facing reason why a scoring operation was refused."""


# ---------------------------------------------------------------------------
# The objects permissions judge (by unit_path, user_id, assessor_unit_id,
# owner_path)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCell:
    """One scoreable input of one appraisee. ``unit_path`` is the appraisee's for
    cells its sector group scores (letter items), empty for cells only a
    functional assessor (``assessor_unit_id``) or the office scores.
    ``owner_path`` is the path of the unit that runs the population for its own
    staff (its admin scores every cell), empty for the office's populations."""

    appraisee: Appraisee | None  # None: the population as a whole
    indicator_key: str  # the indicator's key path, e.g. "public.party_building"
    item_key: str
    assessor_unit_id: int | None
    unit_path: str
    owner_path: str = ""

    @property
    def user_id(self) -> int | None:
        """The appraisee's own login: nobody scores themself (load people with the
        appraisees — ``selectinload(Appraisee.person)`` — on pages of many cells)."""
        return self.appraisee.user_id if self.appraisee is not None else None


@dataclass(frozen=True)
class ClaimSubject:
    """A bonus claim, penalty or veto as permissions see it: the appraisee's unit
    and person (who may claim and see it), the department mapped to verify it and
    the unit that runs the population for its own staff (which verifies too)."""

    unit_path: str
    user_id: int | None
    assessor_unit_id: int | None
    owner_path: str = ""


#: An object nobody but the office passes (to refuse a role on an empty selection).
NOTHING = ClaimSubject(unit_path="", user_id=None, assessor_unit_id=None)


def assessor_unit(population: Population, path: str) -> int | None:
    """The department mapped in ``population.assessors`` for an indicator path (or
    ``adjustments.<rule>``): the path itself, else its nearest mapped ancestor."""
    mapping = population.assessors or {}
    parts = path.split(".")
    while parts:
        value = mapping.get(".".join(parts))
        if value:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
        parts.pop()
    return None


def owner_path(population: Population) -> str:
    """The path of the unit that runs ``population`` for its own staff ("" for the
    office's); read once per loaded population."""
    if population.owner_unit_id is None:
        return ""
    path = population.__dict__.get("_owner_path")
    if path is None:
        path = population.__dict__["_owner_path"] = (
            db.session.scalar(select(OrgUnit.path).where(OrgUnit.id == population.owner_unit_id)) or ""
        )
    return path


def subject_of(appraisee: Appraisee, population: Population, rule_key: str | None = None) -> ClaimSubject:
    unit = assessor_unit(population, f"adjustments.{rule_key}") if rule_key else None
    return ClaimSubject(
        unit_path=appraisee.unit_path,
        user_id=appraisee.user_id,
        assessor_unit_id=unit,
        owner_path=owner_path(population),
    )


def population_subject(population: Population) -> ScoreCell:
    """A population as a whole: passes for those who score every cell of it (the
    office, the admin of the unit that runs it), not for an assessor or a sector
    lead who score some cells."""
    return ScoreCell(
        appraisee=None,
        indicator_key="",
        item_key="",
        assessor_unit_id=None,
        unit_path="",
        owner_path=owner_path(population),
    )


def subject_by_id(appraisee_id: int | None, rule_key: str | None = None) -> ClaimSubject:
    appraisee = db.session.get(Appraisee, appraisee_id) if appraisee_id else None
    if appraisee is None:
        return NOTHING
    return subject_of(appraisee, db.session.get(Population, appraisee.population_id), rule_key)


# ---------------------------------------------------------------------------
# Cycles, populations and their schemes
# ---------------------------------------------------------------------------


def populations_of(cycle: Cycle | None) -> list[Population]:
    if cycle is None:
        return []
    return list(db.session.scalars(select(Population).where(Population.cycle_id == cycle.id).order_by(Population.id)))


@lru_cache(maxsize=256)
def _scheme_from(version_id: int, content_hash: str, tenant_id: int):
    from appraisal.tenants.schemes.services import engine_scheme

    return engine_scheme(db.session.get(SchemeVersion, version_id))


def scheme_of(population: Population):
    """The engine scheme of a population (built once per saved version)."""
    version = db.session.get(SchemeVersion, population.scheme_version_id)
    return _scheme_from(version.id, version.content_hash, version.tenant_id)


def walk(indicators, prefix: str = ""):
    """(key path, node) of every indicator, parents first."""
    for node in indicators:
        path = f"{prefix}{node.key}"
        yield path, node
        yield from walk(node.children or [], prefix=f"{path}.")


def leaf_key(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def rules_of(population: Population) -> dict:
    return {r.key: r for r in scheme_of(population).adjustments.rules}


def vetoes_of(population: Population) -> dict:
    return {v.key: v for v in scheme_of(population).vetoes}


def preload_people(appraisees) -> None:
    """Load the people behind many appraisees in one query, so that judging their
    cells ("nobody scores themself" reads ``appraisee.person``) finds them in the
    session instead of one query per row."""
    ids = list({a.person_id for a in appraisees if a.person_id is not None})
    for start in range(0, len(ids), 5000):
        list(db.session.scalars(select(Person).where(Person.id.in_(ids[start : start + 5000]))))
