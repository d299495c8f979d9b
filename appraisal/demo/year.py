"""The demo city's appraisal years: 2025 (final, history) and 2026 (published).

Everything goes through the features' services, phase by phase, so the rules
hold and the audit log tells the story:

* schemes — A for the departments, B for the districts, C for county-level
  cadres, D for section-level staff (their business share entered by score,
  not from personal letters), and 市财政局's own quantitative staff scheme (F,
  adopted by the unit from the office's);
* target setting — responsibility letters (a couple returned, then approved),
  criticism notices recorded as penalties;
* tracking — bonus claims (verified, one rejected, one project claimed twice,
  one shared), quarterly deduction notices, the veto (2026);
* scoring — every indicator by its assessor (functional departments, sector
  leads, the statistics bureau for the districts' economic targets, the office
  for the city-wide staff schemes, 市财政局's admin for its own staff),
  self-reports, the finance bureau's democratic evaluation with anonymous
  ballots;
* computing → publicity; 2025 is finalised, 2026 stays in publicity with one
  appeal filed.

Values are drawn from one seeded generator: each appraisee has a steady
"quality" with a little yearly noise, so ranks move a little between years.
``LOW_DEPARTMENT`` stays below 60 in both years; ``VETO`` would have led its
group.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from appraisal.demo import content
from appraisal.demo.org import DemoOrg
from appraisal.demo.year_base import (
    HELPERS,
    LOW_DEPARTMENT,
    LOW_PERSON_RANK,
    POPULATIONS,
    SEED,
    STAFF_OVERRIDES,
    YEARS,
    DemoYear,
    DemoYears,
    Draw,
    Scorers,
    demo_pdf,
)
from appraisal.demo.year_scoring import ScoringSteps
from appraisal.demo.year_targets import TargetsAndTrackingSteps
from appraisal.platform import accounts, audit
from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.models import OrgUnit, PersonCategory
from appraisal.tenants.results import services as results
from appraisal.tenants.results.services import publication
from appraisal.tenants.schemes import services as schemes

__all__ = [
    "HELPERS",
    "LOW_DEPARTMENT",
    "LOW_PERSON_RANK",
    "POPULATIONS",
    "SEED",
    "STAFF_OVERRIDES",
    "YEARS",
    "DemoYear",
    "DemoYears",
    "Scorers",
    "demo_pdf",
    "helper_users",
    "is_complete",
    "load_schemes",
    "load_years",
]


def helper_users(org: DemoOrg, users: dict, password: str) -> Scorers:
    scorers = Scorers(office=users[Role.OFFICE_ADMIN])
    scorers.leads["综合经济组"] = users[Role.SECTOR_LEAD]
    scorers.assessors["市委组织部"] = users[Role.ASSESSOR]
    scorers.unit_admins["市财政局"] = users[Role.UNIT_ADMIN]
    for email, role, unit_name in HELPERS:
        unit = org.groups.get(unit_name) or org.departments[unit_name]
        person = next(p for p in org.people_by_unit[unit.id] if p.user_id is None)
        user = accounts.create_user(email=email, display_name=person.name, password=password, roles=[(role, unit.id)])
        org_services.link_user(person, user)
        (scorers.leads if role == Role.SECTOR_LEAD else scorers.assessors)[unit_name] = user
    # nobody scores themself: a second office admin enters the scorers' own rows
    person = next(p for p in org.people_by_unit[org.office.id] if p.user_id is None)
    scorers.deputy = accounts.create_user(
        email="office2@demo.cn", display_name=person.name, password=password, roles=[(Role.OFFICE_ADMIN, org.office.id)]
    )
    org_services.link_user(person, scorers.deputy)
    return scorers


def is_complete() -> bool:
    """Did the load get to the end (the last year published)? Ballots and
    computations commit as they go, so an interrupted load leaves a partial demo."""
    from appraisal.tenants.results.models import Publication

    return (
        db.session.scalar(
            select(Publication.id).join(Cycle, Cycle.id == Publication.cycle_id).where(Cycle.year == YEARS[-1])
        )
        is not None
    )


# ---------------------------------------------------------------------------
# Schemes
# ---------------------------------------------------------------------------


def load_schemes(org: DemoOrg) -> dict[str, object]:
    """The office's schemes and 市财政局's own; returns population key → scheme version."""
    versions = {
        "departments": schemes.adopt_template(
            template_key="A_municipal_departments", key="departments", name="市直部门目标管理考核"
        ),
        "districts": schemes.adopt_template(template_key="B_districts", key="districts", name="区（市）目标管理考核"),
        "county_cadres": schemes.adopt_template(
            template_key="C_county_level_cadres",
            key="county_cadres",
            name="县级干部目标管理考核",
            overrides=STAFF_OVERRIDES,
            note="个人业务目标由所在单位评定后录入",
        ),
        "section_staff": schemes.adopt_template(
            template_key="D_section_level_staff",
            key="section_staff",
            name="科级及以下工作人员目标管理考核",
            overrides=STAFF_OVERRIDES,
            note="个人业务目标由所在单位评定后录入",
        ),
    }
    bureau = schemes.adopt_template(
        template_key="F_bureau_quantitative",
        key="bureau_quantitative",
        name="机关内部量化考核（供各单位采用）",
        allowed_for_units=True,
    )
    versions["finance_staff"] = schemes.adopt_for_unit(
        bureau.scheme, unit=org.departments["市财政局"], key="finance_staff", name="市财政局干部职工量化考核"
    )
    return versions


# ---------------------------------------------------------------------------
# The years
# ---------------------------------------------------------------------------


def load_years(org: DemoOrg, scorers: Scorers, versions: dict) -> DemoYears:
    draw = Draw()
    out = DemoYears()
    previous = None
    for year in YEARS:
        out.years[year] = _Year(org, scorers, versions, draw, year, previous, out.counts).run()
        previous = out.years[year].cycle
    return out


class _Year(TargetsAndTrackingSteps, ScoringSteps):
    def __init__(
        self,
        org: DemoOrg,
        scorers: Scorers,
        versions: dict,
        draw: Draw,
        year: int,
        previous: Cycle | None,
        counts: dict[str, int],
    ) -> None:
        self.org, self.scorers, self.versions, self.draw = org, scorers, versions, draw
        self.year, self.previous, self.counts = year, previous, counts
        self.final = year != YEARS[-1]
        self.units = {u.id: u for u in db.session.scalars(select(OrgUnit))}

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # -- the phases -------------------------------------------------------

    def run(self) -> DemoYear:
        y = self.year
        self.cycle = cycles.create_cycle(year=y, name=f"{y}年度目标管理考核", previous=self.previous)
        cycles.set_phase_dates(self.cycle, _phase_dates(y))
        self.populations = self.add_populations()
        self.write_letters()
        self.record_penalties()
        cycles.move_phase(self.cycle, Phase.TRACKING)
        self.claims()
        self.publish_notices()
        if not self.final:
            self.veto()
        cycles.move_phase(self.cycle, Phase.SCORING)
        self.score_departments()
        self.score_districts()
        self.score_staff("county_cadres")
        self.score_staff("section_staff")
        self.score_finance()
        self.self_reports()
        self.democratic_evaluation()
        cycles.move_phase(self.cycle, Phase.COMPUTING)
        self.compute()
        self.publish()
        return DemoYear(self.cycle, self.populations)

    def add_populations(self) -> dict[str, Population]:
        o = self.org
        fa = {name: unit.id for name, unit in o.functional_assessors.items()}
        public = {
            "public.party_building": fa["党的建设"],
            "public.clean_governance": fa["党风廉政建设"],
            "public.investment": fa["招商引资"],
        }
        pops = {
            "departments": cycles.add_population(
                self.cycle,
                key="departments",
                name=POPULATIONS["departments"],
                version=self.versions["departments"],
                selector={"unit_kinds": ["department"], "ranking": "parent"},
                assessors=public | {"public.civilisation": fa["精神文明建设"]},
            ),
            "districts": cycles.add_population(
                self.cycle,
                key="districts",
                name=POPULATIONS["districts"],
                version=self.versions["districts"],
                selector={"unit_kinds": ["district"], "ranking": "all"},
                assessors=public | {"public.ideological_work": fa["精神文明建设"], "business": fa["区县经济数据"]},
            ),
            "county_cadres": cycles.add_population(
                self.cycle,
                key="county_cadres",
                name=POPULATIONS["county_cadres"],
                version=self.versions["county_cadres"],
                selector={"categories": [PersonCategory.COUNTY_LEVEL.value], "ranking": "category"},
                assessors={"targets": fa["党的建设"]},
            ),
            "section_staff": cycles.add_population(
                self.cycle,
                key="section_staff",
                name=POPULATIONS["section_staff"],
                version=self.versions["section_staff"],
                selector={
                    "categories": [PersonCategory.SECTION_LEVEL.value, PersonCategory.GENERAL_STAFF.value],
                    "ranking": "category",
                },
            ),
            "finance_staff": cycles.add_population(
                self.cycle,
                key="finance_staff",
                name=POPULATIONS["finance_staff"],
                version=self.versions["finance_staff"],
                owner_unit=o.departments["市财政局"],
                selector={
                    "under": o.departments["市财政局"].id,
                    "ranking": "all",
                    "categories": [
                        c.value for c in PersonCategory if c not in (PersonCategory.TRAINEE, PersonCategory.SECONDED)
                    ],
                },
            ),
        }
        return pops

    def appraisees(self, key: str) -> list[Appraisee]:
        return list(
            db.session.scalars(
                select(Appraisee)
                .where(Appraisee.population_id == self.populations[key].id)
                .order_by(Appraisee.sort_order)
            )
        )

    def dept_appraisee(self, name: str) -> Appraisee:
        unit = self.org.departments.get(name) or self.org.districts[name]
        return db.session.scalar(
            select(Appraisee).where(Appraisee.cycle_id == self.cycle.id, Appraisee.org_unit_id == unit.id)
        )

    def quality(self, appraisee: Appraisee, **kw) -> float:
        subject = appraisee.subject_key
        if appraisee.name == LOW_DEPARTMENT:
            return 0.55 + self.draw.random.uniform(0, 0.04)
        if appraisee.name == content.VETO[0]:
            return 0.985
        return self.draw.fraction(subject, **kw)

    # -- computing, publicity ---------------------------------------------

    def compute(self) -> None:
        for population in self.populations.values():
            run = results.request_compute(population)  # in-process without REDIS_URL
            audit.set_actor("demo")
            if run.status.value != "succeeded":
                raise RuntimeError(f"{population.name}: {run.error}")
            self.count("result_rows", run.row_count or 0)

    def publish(self) -> None:
        publicity, appeal, answer = publication.procedure_days(self.cycle)
        if self.final:
            day = date(self.year + 1, 1, 12)
            publication.publish(
                self.cycle,
                publicity_days=publicity,
                appeal_days=appeal,
                answer_days=answer,
                notice=f"{self.year}年度目标管理考核结果公示",
                today=day,
            )
            publication.finalise(self.cycle, today=day.replace(day=28))
            return
        publication.publish(
            self.cycle,
            publicity_days=publicity,
            appeal_days=appeal,
            answer_days=answer,
            notice=f"{self.year}年度目标管理考核结果公示：公示期内对结果有异议的，可向考核办申请复核。",
        )
        name, reasons = content.APPEAL
        files = [FileStorage(BytesIO(demo_pdf("Provincial endorsement")), "省厅推广文件（河湖生态补偿）.pdf")]
        publication.file_appeal(self.dept_appraisee(name), reasons=reasons, files=files)
        self.count("appeals")
        self.count("evidence")


def _phase_dates(year: int) -> dict[Phase, tuple[date, date]]:
    if year < YEARS[-1]:
        return {
            Phase.TARGET_SETTING: (date(year, 1, 5), date(year, 3, 15)),
            Phase.TRACKING: (date(year, 3, 16), date(year, 11, 30)),
            Phase.SCORING: (date(year, 12, 1), date(year + 1, 1, 5)),
            Phase.COMPUTING: (date(year + 1, 1, 6), date(year + 1, 1, 11)),
            Phase.PUBLICITY: (date(year + 1, 1, 12), date(year + 1, 1, 17)),
            Phase.APPEALS: (date(year + 1, 1, 12), date(year + 1, 1, 27)),
            Phase.FINAL: (date(year + 1, 1, 28), date(year + 1, 1, 28)),
        }
    return {
        Phase.TARGET_SETTING: (date(year, 1, 5), date(year, 3, 15)),
        Phase.TRACKING: (date(year, 3, 16), date(year, 10, 31)),
        Phase.SCORING: (date(year, 11, 1), date(year, 11, 15)),
        Phase.COMPUTING: (date(year, 11, 16), date(year, 11, 20)),
        Phase.PUBLICITY: (date(year, 11, 21), date(year, 11, 26)),
        Phase.APPEALS: (date(year, 11, 21), date(year, 12, 1)),
    }
