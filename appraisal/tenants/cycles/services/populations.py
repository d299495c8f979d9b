"""Populations: who a cycle appraises, snapshotted from the org tree, and their assessors."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.cycles.services.phases import CycleError, require_not_archived, require_phase
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person, PersonCategory, UnitKind
from appraisal.tenants.schemes.models import AppraiseeKind, SchemeVersion

# ---------------------------------------------------------------------------
# Populations and appraisees
# ---------------------------------------------------------------------------


def add_population(
    cycle: Cycle,
    *,
    key: str,
    name: str,
    version: SchemeVersion,
    selector: dict,
    owner_unit: OrgUnit | None = None,
    assessors: dict[str, int] | None = None,
) -> Population:
    """Create a population and snapshot its appraisees from the org tree.

    ``selector`` for units: ``{"unit_kinds": ["department"], "under": unit_id?,
    "ranking": "parent" | "kind" | "all"}``; for people: ``{"categories":
    [...], "under": unit_id?, "ranking": "category" | "unit" | "all"}``.
    """
    require_phase(cycle, "populations.edit")
    if db.session.scalar(select(Population).where(Population.cycle_id == cycle.id, Population.key == key)):
        raise CycleError(_("本年度已有标识为 %(key)s 的考核对象群体", key=key))
    if owner_unit is not None:
        # a unit runs the appraisal of its own staff only: the population lies inside it
        under = selector.get("under")
        if under is None:
            selector = {**selector, "under": owner_unit.id}
        elif not (db.session.scalar(select(OrgUnit.path).where(OrgUnit.id == under)) or "").startswith(owner_unit.path):
            raise CycleError(_("由%(unit)s组织的群体只能考核%(unit)s及其下属单位的人员", unit=owner_unit.name))
    kind = version.scheme.appraisee_kind
    population = Population(
        cycle_id=cycle.id,
        key=key,
        name=name,
        appraisee_kind=kind,
        scheme_version_id=version.id,
        owner_unit_id=owner_unit.id if owner_unit else None,
        selector=selector,
        assessors=assessors or {},
    )
    db.session.add(population)
    db.session.flush()
    members = _unit_members(selector) if kind == AppraiseeKind.UNIT else _person_members(selector)
    if not members:
        raise CycleError(_("按所选条件没有找到任何考核对象"))
    db.session.add_all(Appraisee(cycle_id=cycle.id, population_id=population.id, **m) for m in members)
    db.session.flush()
    audit.record(
        "population.create",
        population,
        after={"name": name, "scheme_version": version.id, "selector": selector, "appraisees": len(members)},
        label=name,
    )
    return population


def _under(stmt, column_path, under: int | None):
    if under:
        return stmt.where(column_path.contains(f"/{int(under)}/"))
    return stmt


#: Ranking groups are stored words (data, like unit names), so they stay Chinese.
CATEGORY_GROUPS = {
    "city_cadre": "市管干部",
    "county_level": "县级干部",
    "section_level": "科级及以下",
    "general_staff": "一般干部",
    "trainee": "见习人员",
    "seconded": "挂职干部",
}
KIND_GROUPS = {
    "department": "部门",
    "district": "区（市）",
    "section": "科室",
    "sector_group": "分口考核组",
    "office": "考核办",
}


def _tree_order() -> dict[int, tuple]:
    """Each unit's place in the tree (by sort order, then code, level by level)."""
    units = {u.id: u for u in db.session.scalars(select(OrgUnit))}
    keys: dict[int, tuple] = {}

    def key(unit_id: int) -> tuple:
        if unit_id not in keys:
            unit = units[unit_id]
            parent = key(unit.parent_id) if unit.parent_id in units else ()
            keys[unit_id] = parent + ((unit.sort_order, unit.code),)
        return keys[unit_id]

    for unit_id in units:
        key(unit_id)
    return keys


def _unit_members(selector: dict) -> list[dict]:
    kinds = [UnitKind(k) for k in selector.get("unit_kinds", ["department"])]
    stmt = select(OrgUnit).where(OrgUnit.kind.in_(kinds), OrgUnit.active.is_(True))
    order = _tree_order()
    units = sorted(db.session.scalars(_under(stmt, OrgUnit.path, selector.get("under"))), key=lambda u: order[u.id])
    parents = {
        u.id: u
        for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_({u.parent_id for u in units if u.parent_id})))
    }
    ranking = selector.get("ranking", "parent")

    def group(unit: OrgUnit) -> str:
        if ranking == "parent" and unit.parent_id in parents:
            return parents[unit.parent_id].name
        if ranking == "kind":
            return KIND_GROUPS.get(unit.kind.value, unit.kind.value)
        return ""

    return [
        dict(
            subject_key=f"u:{u.id}",
            org_unit_id=u.id,
            unit_id=u.id,
            unit_path=u.path,
            name=u.name,
            ranking_group=group(u),
            category=u.kind.value,
            sort_order=i,
        )
        for i, u in enumerate(units)
    ]


def _person_members(selector: dict) -> list[dict]:
    categories = [PersonCategory(c) for c in selector.get("categories", [c.value for c in PersonCategory])]
    stmt = (
        select(Person, OrgUnit)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(Person.category.in_(categories), Person.active.is_(True))
    )
    order = _tree_order()
    rows = sorted(
        db.session.execute(_under(stmt, OrgUnit.path, selector.get("under"))),
        key=lambda row: (order[row[1].id], row[0].sort_order, row[0].staff_no),
    )
    ranking = selector.get("ranking", "category")

    def group(person: Person, unit: OrgUnit) -> str:
        if ranking == "category":
            return CATEGORY_GROUPS.get(person.category.value, person.category.value)
        return unit.name if ranking == "unit" else ""

    return [
        dict(
            subject_key=f"p:{p.id}",
            person_id=p.id,
            unit_id=u.id,
            unit_path=u.path,
            name=p.name,
            ranking_group=group(p, u),
            category=p.category.value,
            is_unit_head=p.leader_role == LeaderRole.PRINCIPAL,
            sort_order=i,
        )
        for i, (p, u) in enumerate(rows)
    ]


def assessed_indicators(version: SchemeVersion) -> list[tuple[str, str, float, str]]:
    """The scheme's leaves that a functional department scores: (key path, name,
    points, the assessor the scheme names). Letter items are the sector group's."""
    from appraisal.tenants.schemes.services import engine_scheme

    out = []

    def walk(nodes, prefix=""):
        for node in nodes:
            path = f"{prefix}{node.key}"
            if node.children:
                walk(node.children, f"{path}.")
            elif getattr(node.method, "kind", None) not in (None, "items", "ballot") and node.assessor_zh:
                out.append((path, node.name_zh, node.points, node.assessor_zh))

    walk(engine_scheme(version).indicators)
    return out


def set_assessors(population: Population, mapping: dict[str, int]) -> None:
    """Name the department that assesses each indicator of the population."""
    cycle = population.cycle
    require_not_archived(cycle)
    units = set(db.session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(set(mapping.values())))))
    unknown = [key for key, unit_id in mapping.items() if unit_id not in units]
    if unknown:
        raise CycleError(_("所选考核部门不存在：%(keys)s", keys=", ".join(unknown)))
    before = dict(population.assessors or {})
    if before != mapping:
        population.assessors = dict(mapping)
        audit.record(
            "population.assessors",
            population,
            before={"assessors": before},
            after={"assessors": mapping},
            label=population.name,
        )


def populations_with_counts(cycle: Cycle) -> tuple[list[Population], dict[int, int]]:
    """The cycle's populations (in creation order) and population id → appraisees."""
    populations = list(
        db.session.scalars(select(Population).where(Population.cycle_id == cycle.id).order_by(Population.id))
    )
    counts = dict(
        db.session.execute(
            select(Appraisee.population_id, db.func.count())
            .where(Appraisee.cycle_id == cycle.id)
            .group_by(Appraisee.population_id)
        ).all()
    )
    return populations, counts
