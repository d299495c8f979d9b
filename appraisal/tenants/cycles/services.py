"""Cycles: creating them, their populations and appraisees, moving phases.

Each phase allows only its own actions: features ask :func:`require_phase`
before they write. A final cycle is read-only.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.refusals import Refusal
from appraisal.tenants.cycles.models import (
    Appraisee,
    Cycle,
    CyclePhaseDate,
    Phase,
    PhaseChange,
    Population,
)
from appraisal.tenants.org.models import LeaderRole, OrgUnit, Person, PersonCategory, UnitKind
from appraisal.tenants.schemes.models import AppraiseeKind, SchemeVersion

#: Which phases allow which action. Everything else is refused with a clear reason.
PHASE_ACTIONS: dict[str, frozenset[Phase]] = {
    "populations.edit": frozenset({Phase.TARGET_SETTING}),
    "letters.edit": frozenset({Phase.TARGET_SETTING}),
    "letters.review": frozenset({Phase.TARGET_SETTING, Phase.TRACKING}),
    "penalties.record": frozenset({Phase.TARGET_SETTING, Phase.TRACKING, Phase.SCORING}),
    "claims.create": frozenset({Phase.TRACKING, Phase.SCORING}),
    "claims.verify": frozenset({Phase.TRACKING, Phase.SCORING}),
    "vetoes.record": frozenset({Phase.TRACKING, Phase.SCORING, Phase.COMPUTING}),
    "notices.publish": frozenset({Phase.TRACKING, Phase.SCORING}),
    "scores.enter": frozenset({Phase.SCORING}),
    "self_report.edit": frozenset({Phase.SCORING}),
    "ballots.manage": frozenset({Phase.TRACKING, Phase.SCORING}),
    "ballots.vote": frozenset({Phase.SCORING}),
    "results.compute": frozenset({Phase.COMPUTING, Phase.APPEALS}),
    "results.publish": frozenset({Phase.COMPUTING}),
    "appeals.file": frozenset({Phase.PUBLICITY, Phase.APPEALS}),
    "appeals.answer": frozenset({Phase.PUBLICITY, Phase.APPEALS}),
    # upheld appeals correct inputs through the normal screens
    "inputs.correct": frozenset({Phase.APPEALS}),
}

#: Phase names (Chinese message ids, English by the catalogue: evaluated when shown).
PHASE_LABELS = {
    Phase.TARGET_SETTING: _l("目标制定"), Phase.TRACKING: _l("过程跟踪"), Phase.SCORING: _l("年终评分"),
    Phase.COMPUTING: _l("计算"), Phase.PUBLICITY: _l("公示"), Phase.APPEALS: _l("复核"), Phase.FINAL: _l("归档"),
}
#: The former name, still imported by other features; the labels follow the reader's language.
PHASE_LABELS_ZH = PHASE_LABELS


def join_labels(labels) -> str:
    """``a、b、c`` in Chinese, ``a, b, c`` in English."""
    return _("、").join(str(label) for label in labels)


class CycleError(Refusal):
    """A user-facing reason why a cycle operation was refused."""


class PhaseError(CycleError):
    pass


def _actor_id() -> int | None:
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    return None if user is None or getattr(user, "is_operator", False) else user.id


def phase_allows(cycle: Cycle, action: str) -> bool:
    return cycle.phase in PHASE_ACTIONS[action]


def require_phase(cycle: Cycle, action: str, *, also_in_appeals: bool = False) -> None:
    """Refuse ``action`` unless the cycle's phase allows it.

    ``also_in_appeals``: an input correction after an upheld appeal.
    """
    if cycle.phase == Phase.FINAL:
        raise PhaseError(_("%(cycle)s 已归档，只能查看", cycle=cycle.name))
    if phase_allows(cycle, action) or (also_in_appeals and cycle.phase == Phase.APPEALS):
        return
    allowed = join_labels(PHASE_LABELS[p] for p in Phase if p in PHASE_ACTIONS[action])
    raise PhaseError(_("当前阶段为“%(phase)s”，此操作只能在“%(allowed)s”阶段进行",
                       phase=PHASE_LABELS[cycle.phase], allowed=allowed))


# ---------------------------------------------------------------------------
# Cycles and phases
# ---------------------------------------------------------------------------


def create_cycle(*, year: int, name: str, letters_due: date | None = None,
                 previous: Cycle | None = None) -> Cycle:
    if not 2000 <= year <= 2100:
        raise CycleError(_("考核年度须在 2000–2100 之间"))
    if db.session.scalar(select(Cycle).where(Cycle.year == year, Cycle.name == name.strip())):
        raise CycleError(_("%(year)s 年已有名为“%(name)s”的考核", year=year, name=name))
    cycle = Cycle(year=year, name=name.strip(), letters_due=letters_due or date(year, 3, 15),
                  previous_cycle_id=previous.id if previous else None)
    db.session.add(cycle)
    db.session.flush()
    for phase in Phase:
        db.session.add(CyclePhaseDate(cycle_id=cycle.id, phase=phase))
    audit.record("cycle.create", cycle, after=audit.snapshot(cycle), label=cycle.name)
    return cycle


def set_phase_dates(cycle: Cycle, dates: dict[Phase, tuple[date | None, date | None]]) -> None:
    rows = {row.phase: row for row in db.session.scalars(
        select(CyclePhaseDate).where(CyclePhaseDate.cycle_id == cycle.id))}
    changes = {}
    for phase, (starts, ends) in dates.items():
        if starts and ends and ends < starts:
            raise CycleError(_("“%(phase)s”的结束日期早于开始日期", phase=PHASE_LABELS[phase]))
        row = rows[phase]
        if (row.starts_on, row.ends_on) != (starts, ends):
            changes[phase.value] = [str(starts or ""), str(ends or "")]
            row.starts_on, row.ends_on = starts, ends
    if changes:
        audit.record("cycle.dates", cycle, after=changes, label=cycle.name)


def move_phase(cycle: Cycle, to: Phase, *, reason: str = "") -> PhaseChange:
    """Forward one phase at a time; back to any earlier phase with a reason, before final."""
    current = cycle.phase
    if current == Phase.FINAL:
        raise PhaseError(_("已归档的考核年度不能再变更阶段"))
    if to.index == current.index + 1:
        pass
    elif to.index < current.index:
        if not reason.strip():
            raise PhaseError(_("退回到之前的阶段必须填写原因"))
    else:
        raise PhaseError(_("只能前进到下一阶段“%(phase)s”", phase=PHASE_LABELS[Phase.ordered()[current.index + 1]]))
    if to == Phase.PUBLICITY:
        from appraisal.tenants.results.services import PublicationError, refuse_publicity_after_failures

        try:
            refuse_publicity_after_failures(cycle)
        except PublicationError as exc:
            raise PhaseError(str(exc)) from None
    if to.index < Phase.PUBLICITY.index <= current.index:
        # back before 公示: the results are no longer published (audited there)
        from appraisal.tenants.results.services import withdraw

        withdraw(cycle, reason=reason)
    change = PhaseChange(cycle_id=cycle.id, from_phase=current, to_phase=to, reason=reason.strip(),
                         actor_user_id=_actor_id())
    db.session.add(change)
    cycle.phase = to
    if to == Phase.FINAL:
        cycle.finalised_at = utcnow()
    audit.record("cycle.phase", cycle, before={"phase": current.value},
                 after={"phase": to.value, "reason": reason.strip()}, label=cycle.name)
    return change


# ---------------------------------------------------------------------------
# Populations and appraisees
# ---------------------------------------------------------------------------


def add_population(cycle: Cycle, *, key: str, name: str, version: SchemeVersion,
                   selector: dict, owner_unit: OrgUnit | None = None,
                   assessors: dict[str, int] | None = None) -> Population:
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
        elif not (db.session.scalar(select(OrgUnit.path).where(OrgUnit.id == under)) or "").startswith(
                owner_unit.path):
            raise CycleError(_("由%(unit)s组织的群体只能考核%(unit)s及其下属单位的人员", unit=owner_unit.name))
    kind = version.scheme.appraisee_kind
    population = Population(cycle_id=cycle.id, key=key, name=name, appraisee_kind=kind,
                            scheme_version_id=version.id, owner_unit_id=owner_unit.id if owner_unit else None,
                            selector=selector, assessors=assessors or {})
    db.session.add(population)
    db.session.flush()
    members = _unit_members(selector) if kind == AppraiseeKind.UNIT else _person_members(selector)
    if not members:
        raise CycleError(_("按所选条件没有找到任何考核对象"))
    db.session.add_all(Appraisee(cycle_id=cycle.id, population_id=population.id, **m) for m in members)
    db.session.flush()
    audit.record("population.create", population,
                 after={"name": name, "scheme_version": version.id, "selector": selector,
                        "appraisees": len(members)}, label=name)
    return population


def _under(stmt, column_path, under: int | None):
    if under:
        return stmt.where(column_path.contains(f"/{int(under)}/"))
    return stmt


#: Ranking groups are stored words (data, like unit names), so they stay Chinese.
CATEGORY_GROUPS = {"city_cadre": "市管干部", "county_level": "县级干部", "section_level": "科级及以下",
                   "general_staff": "一般干部", "trainee": "见习人员", "seconded": "挂职干部"}
KIND_GROUPS = {"department": "部门", "district": "区（市）", "section": "科室", "sector_group": "分口考核组",
               "office": "考核办"}


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
    parents = {u.id: u for u in db.session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_({u.parent_id for u in units if u.parent_id})))}
    ranking = selector.get("ranking", "parent")

    def group(unit: OrgUnit) -> str:
        if ranking == "parent" and unit.parent_id in parents:
            return parents[unit.parent_id].name
        if ranking == "kind":
            return KIND_GROUPS.get(unit.kind.value, unit.kind.value)
        return ""

    return [dict(subject_key=f"u:{u.id}", org_unit_id=u.id, unit_id=u.id, unit_path=u.path, name=u.name,
                 ranking_group=group(u), category=u.kind.value, sort_order=i)
            for i, u in enumerate(units)]


def _person_members(selector: dict) -> list[dict]:
    categories = [PersonCategory(c) for c in selector.get("categories", [c.value for c in PersonCategory])]
    stmt = (select(Person, OrgUnit).join(OrgUnit, Person.unit_id == OrgUnit.id)
            .where(Person.category.in_(categories), Person.active.is_(True)))
    order = _tree_order()
    rows = sorted(db.session.execute(_under(stmt, OrgUnit.path, selector.get("under"))),
                  key=lambda row: (order[row[1].id], row[0].sort_order, row[0].staff_no))
    ranking = selector.get("ranking", "category")

    def group(person: Person, unit: OrgUnit) -> str:
        if ranking == "category":
            return CATEGORY_GROUPS.get(person.category.value, person.category.value)
        return unit.name if ranking == "unit" else ""

    return [dict(subject_key=f"p:{p.id}", person_id=p.id, unit_id=u.id, unit_path=u.path, name=p.name,
                 ranking_group=group(p, u), category=p.category.value,
                 is_unit_head=p.leader_role == LeaderRole.PRINCIPAL, sort_order=i)
            for i, (p, u) in enumerate(rows)]


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
    cycle = db.session.get(Cycle, population.cycle_id)
    if cycle.phase == Phase.FINAL:
        raise PhaseError(_("%(cycle)s 已归档，只能查看", cycle=cycle.name))
    units = set(db.session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(set(mapping.values())))))
    unknown = [key for key, unit_id in mapping.items() if unit_id not in units]
    if unknown:
        raise CycleError(_("所选考核部门不存在：%(keys)s", keys=", ".join(unknown)))
    before = dict(population.assessors or {})
    if before != mapping:
        population.assessors = dict(mapping)
        audit.record("population.assessors", population, before={"assessors": before},
                     after={"assessors": mapping}, label=population.name)
