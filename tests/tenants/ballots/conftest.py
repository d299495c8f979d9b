"""A city with a democratic evaluation to run, and a second tenant to be kept out.

    OFF 考核办 (office)
    └── D1 市财政局 (department)                  unit admin
        ├── principal 局长甲 (county level, principal leader)
        ├── deputies  副局长乙、副局长丙 (county level, deputy)
        └── S1 综合科 (section): 科员1…科员6 (section level); 科员1 is the staff user
    D2 市统计局 (department): 统计局长 (county level, principal)

Populations (cycle 2026): ``county`` — the six county-level cadres, scheme C
(no rater groups: the office chooses them); ``agency`` — everyone in 市财政局,
scheme E (rater groups principal 0.3 / deputy 0.2 / staff 0.5), owned by 市财政局.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Evaluation, RaterGroup, SealedBallot, Voter
from appraisal.tenants.ballots.services import sealing
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.org import services as org
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.schemes import services as schemes
from tests.helpers import Ref, login

ROLES = ("office_admin", "sector_lead", "assessor", "unit_admin", "staff")

STANDARD = [
    ("principal", "主要领导", "0.3"),
    ("deputy", "副职领导", "0.2"),
    ("staff", "干部职工", "0.4"),
    ("outside", "服务对象代表", "0.1"),
]


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    monkeypatch.setattr("appraisal.platform.models.PASSWORD_METHOD", "pbkdf2:sha256:1000")


def build_city(tenant, make_user, prefix: str = "") -> SimpleNamespace:
    ids: dict = {}
    with tenant_scope(tenant):
        office = org.create_unit(code=f"{prefix}OFF", name=f"{prefix}考核办", kind="office")
        sector = org.create_unit(code=f"{prefix}SG", name=f"{prefix}综合组", kind="sector_group", parent=office)
        d1 = org.create_unit(code=f"{prefix}D1", name=f"{prefix}市财政局", kind="department", parent=sector)
        s1 = org.create_unit(code=f"{prefix}S1", name=f"{prefix}综合科", kind="section", parent=d1)
        d2 = org.create_unit(code=f"{prefix}D2", name=f"{prefix}市统计局", kind="department", parent=sector)
        people = {
            "principal": org.create_person(
                staff_no=f"{prefix}P0",
                name=f"{prefix}局长甲",
                unit=d1,
                category="county_level",
                leader_role="principal",
            ),
            "deputy1": org.create_person(
                staff_no=f"{prefix}P1", name=f"{prefix}副局长乙", unit=d1, category="county_level", leader_role="deputy"
            ),
            "deputy2": org.create_person(
                staff_no=f"{prefix}P2", name=f"{prefix}副局长丙", unit=d1, category="county_level", leader_role="deputy"
            ),
        }
        for i in range(1, 7):
            people[f"staff{i}"] = org.create_person(
                staff_no=f"{prefix}K{i}", name=f"{prefix}科员{i}", unit=s1, category="section_level"
            )
        people["other_head"] = org.create_person(
            staff_no=f"{prefix}T0", name=f"{prefix}统计局长", unit=d2, category="county_level", leader_role="principal"
        )
        c = schemes.adopt_template(template_key="C_county_level_cadres", key="county", name="县级干部考核")
        e = schemes.adopt_template(
            template_key="E_agency_staff_differentiated", key="agency", name="机关干部考核", allowed_for_units=True
        )
        cycle = cycles.create_cycle(year=2026, name=f"{prefix}2026年度考核")
        county = cycles.add_population(
            cycle,
            key="county",
            name=f"{prefix}县级干部",
            version=c,
            selector={"categories": ["county_level"], "ranking": "category"},
        )
        agency = cycles.add_population(
            cycle,
            key="agency",
            name=f"{prefix}财政局干部",
            version=e,
            owner_unit=d1,
            selector={"under": d1.id, "ranking": "category"},
        )
        db.session.commit()
        ids = {
            "office": office.id,
            "sector": sector.id,
            "d1": d1.id,
            "s1": s1.id,
            "d2": d2.id,
            "cycle": cycle.id,
            "county": county.id,
            "agency": agency.id,
            **{k: p.id for k, p in people.items()},
        }
    users = {
        "office_admin": make_user(tenant, "office_admin", email=f"{prefix}office@ballots.cn"),
        "sector_lead": make_user(tenant, "sector_lead", unit=Ref(ids["sector"]), email=f"{prefix}lead@ballots.cn"),
        "assessor": make_user(tenant, "assessor", unit=Ref(ids["d2"]), email=f"{prefix}assessor@ballots.cn"),
        "unit_admin": make_user(tenant, "unit_admin", unit=Ref(ids["d1"]), email=f"{prefix}unit@ballots.cn"),
        "staff": make_user(tenant, "staff", email=f"{prefix}staff@ballots.cn"),
    }
    with tenant_scope(tenant):
        db.session.get(Person, ids["staff1"]).user_id = users["staff"].id
        db.session.commit()
    return SimpleNamespace(tenant=tenant, ids=ids, users=users, slug=tenant.slug)


@pytest.fixture
def city(make_tenant, make_user):
    return build_city(make_tenant("city", "枣庄市考核办"), make_user)


@pytest.fixture
def other(make_tenant, make_user):
    return build_city(make_tenant("other", "滕州市考核办"), make_user, prefix="B")


def move_to(tenant, cycle_id: int, phase: Phase) -> None:
    with tenant_scope(tenant):
        cycle = db.session.get(Cycle, cycle_id)
        for p in Phase.ordered()[cycle.phase.index + 1 : phase.index + 1]:
            cycles.move_phase(cycle, p)
        db.session.commit()


def groups_spec(rows=STANDARD):
    return [services.GroupSpec(k, n, Decimal(w)) for k, n, w in rows]


def make_evaluation(
    world,
    *,
    population: str = "county",
    owner=None,
    phase: Phase = Phase.SCORING,
    voters: bool = True,
    open_: bool = True,
    known: tuple[str, ...] | None = None,
    **settings,
) -> int:
    """An evaluation of ``population`` (standard groups for county), everyone in
    市财政局 as a voter by leader role, optionally opened; returns its id.

    市财政局 has one principal and two deputies: groups below the minimum size,
    which opening refuses. ``known`` keeps the named groups as known-voter groups
    (confirmed); by default each such group is instead filled up to the minimum
    with anonymous code voters who never vote (so ballots, lines and the
    small-group rule are as before)."""
    move_to(world.tenant, world.ids["cycle"], phase)
    with tenant_scope(world.tenant):
        cycle = db.session.get(Cycle, world.ids["cycle"])
        pop = db.session.get(Population, world.ids[population])
        owner_unit = db.session.get(OrgUnit, world.ids[owner]) if owner else None
        evaluation = services.create_evaluation(
            cycle,
            pop,
            title=f"{pop.name}民主测评",
            owner_unit=owner_unit,
            groups=None if population == "agency" else groups_spec(),
            **settings,
        )
        if voters:
            services.add_voters_by_unit(
                evaluation,
                db.session.get(OrgUnit, world.ids["d1"]),
                role_groups=services.default_role_groups(evaluation),
            )
        if voters and known is not None:
            for group in services.groups_of(evaluation):
                if group.key in known:
                    services.set_known_voters(evaluation, group, True, confirmed=True)
        elif voters:
            sizes = services.group_sizes(evaluation)
            for group in services.groups_of(evaluation):
                if 0 < sizes.get(group.id, 0) < evaluation.min_group_size:
                    services.generate_codes(evaluation, group, evaluation.min_group_size - sizes[group.id])
        if open_:
            services.open_evaluation(evaluation)
        db.session.commit()
        return evaluation.id


def voter_id(world, evaluation_id: int, person_key: str) -> int:
    with tenant_scope(world.tenant):
        return db.session.scalar(
            select(Voter.id).where(Voter.evaluation_id == evaluation_id, Voter.person_id == world.ids[person_key])
        )


def sheet_ids(world, evaluation_id: int, vid: int) -> list[int]:
    with tenant_scope(world.tenant):
        evaluation = db.session.get(Evaluation, evaluation_id)
        voter = db.session.get(Voter, vid)
        return [row.appraisee.id for row in services.ballot_sheet(evaluation, voter)]


def vote(world, evaluation_id: int, person_key: str, score=80, scores: dict | None = None) -> None:
    """Cast ``person_key``'s ballot: ``score`` for everyone, or ``scores[appraisee id]``."""
    vid = voter_id(world, evaluation_id, person_key)
    answers = {aid: (scores or {}).get(aid, score) for aid in sheet_ids(world, evaluation_id, vid)}
    with tenant_scope(world.tenant):
        services.cast_ballot(vid, answers)


def sealed_count(evaluation_id: int | None = None) -> int:
    """Ballots cast so far while voting is open (sealed rows); in the caller's tenant scope."""
    query = select(func.count()).select_from(SealedBallot)
    if evaluation_id is not None:
        query = query.where(SealedBallot.evaluation_id == evaluation_id)
    return db.session.scalar(query)


def opened_lines(evaluation_id: int) -> list[tuple[int, int, Decimal]]:
    """The sealed ballots' lines, opened with the evaluation's key as the close
    does: (rater group id, appraisee id, score); in the caller's tenant scope."""
    evaluation = db.session.get(Evaluation, evaluation_id)
    return [(g, a, s) for g, lines in sealing.open_all(evaluation) for a, s, *_reason in lines]


def appraisee_of(world, population: str, person_key: str) -> int:
    with tenant_scope(world.tenant):
        return db.session.scalar(
            select(Appraisee.id).where(
                Appraisee.population_id == world.ids[population], Appraisee.person_id == world.ids[person_key]
            )
        )


def group_id(world, evaluation_id: int, key: str) -> int:
    with tenant_scope(world.tenant):
        return db.session.scalar(
            select(RaterGroup.id).where(RaterGroup.evaluation_id == evaluation_id, RaterGroup.key == key)
        )


@pytest.fixture
def as_role(app, city):
    def make(role: str, world=None):
        world = world or city
        client = app.test_client()
        response = login(client, world.tenant, world.users[role])
        assert response.status_code == 302, f"login as {role} failed"
        return client

    return make


@contextlib.contextmanager
def recorded_statements(app):
    """The SQL statements the block sends (a list, filled as they run)."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
