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

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from appraisal.demo import content
from appraisal.demo.org import DemoOrg
from appraisal.platform import accounts, audit
from appraisal.platform.db import db
from appraisal.platform.models import Role
from appraisal.tenants.ballots import services as ballots
from appraisal.tenants.ballots.models import Evaluation, Voter
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.letters import services as letters
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.models import OrgUnit, PersonCategory
from appraisal.tenants.results import services as results
from appraisal.tenants.results.services import publication
from appraisal.tenants.schemes import services as schemes
from appraisal.tenants.scoring import services as scoring
from appraisal.tenants.scoring.models import Score

SEED = 2026_0606
YEARS = (2025, 2026)
LOW_DEPARTMENT = "市地方金融监督管理局"  # below 60 in both years → the history flag
LOW_PERSON_RANK = 17  # the n-th section-level person: incompetent in both years

#: population key → (name, scheme key)
POPULATIONS = {
    "departments": "市直部门",
    "districts": "区（市）",
    "county_cadres": "县级干部",
    "section_staff": "科级及以下工作人员",
    "finance_staff": "市财政局干部职工",
}

#: staff schemes: the business share is entered (the office collects each unit's
#: assessment), not filled from personal letters
STAFF_OVERRIDES = {
    "indicators": {
        "targets": {"children": {"business": {"method": {"kind": "entered"}, "assessor_zh": "所在单位评定"}}}
    }
}

DEMOCRATIC = scoring.Column(
    indicator_key="democratic",
    item_key="",
    name="民主测评",
    item_name="测评得分",
    kind="entered",
    points=Decimal(100),
    low=Decimal(0),
    high=Decimal(100),
    integer=False,
    assessor_unit_id=None,
    by_sector=False,
)


@dataclass
class Scorers:
    """The users who enter scores: the office, each sector group's lead, each
    functional department's assessor, the admin of a unit that appraises its own staff."""

    office: object
    leads: dict[str, object] = field(default_factory=dict)  # sector group name → user
    assessors: dict[str, object] = field(default_factory=dict)  # department name → user
    unit_admins: dict[str, object] = field(default_factory=dict)  # department name → user
    deputy: object = None  # a second office admin: enters what a scorer may not (their own row)


@dataclass
class DemoYear:
    cycle: Cycle
    populations: dict[str, Population]


@dataclass
class DemoYears:
    years: dict[int, DemoYear] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


#: helper logins (besides the one per role printed first): the other sector groups'
#: leads and the other functional assessors. (email, role, unit name)
HELPERS = (
    ("lead2@demo.cn", Role.SECTOR_LEAD, "城建城管组"),
    ("lead3@demo.cn", Role.SECTOR_LEAD, "社会事业组"),
    ("lead4@demo.cn", Role.SECTOR_LEAD, "政法群团组"),
    ("lead5@demo.cn", Role.SECTOR_LEAD, "党群综合组"),
    ("jiwei@demo.cn", Role.ASSESSOR, "市纪委监委"),
    ("xuanchuan@demo.cn", Role.ASSESSOR, "市委宣传部"),
    ("zhaoshang@demo.cn", Role.ASSESSOR, "市招商局"),
    ("tongji@demo.cn", Role.ASSESSOR, "市统计局"),
)


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


class _Draw:
    """Deterministic values: a steady quality per subject, a little noise per year."""

    def __init__(self) -> None:
        self.random = random.Random(SEED)
        self.quality: dict[str, float] = {}

    def of(self, subject: str) -> float:
        if subject not in self.quality:
            self.quality[subject] = self.random.random()
        return self.quality[subject]

    def fraction(self, subject: str, low: float = 0.80, span: float = 0.18, noise: float = 0.03) -> float:
        value = low + span * self.of(subject) + self.random.uniform(-noise, noise)
        return min(max(value, 0.0), 1.0)


def demo_pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned document (ASCII only: no font needed)."""
    text = title.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 760 Td (Zaozhuang demo city - evidence) Tj 0 -24 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _round(value: float, step: str = "0.1") -> str:
    return str(Decimal(str(value)).quantize(Decimal(step)))


def load_years(org: DemoOrg, scorers: Scorers, versions: dict) -> DemoYears:
    draw = _Draw()
    out = DemoYears()
    previous = None
    for year in YEARS:
        out.years[year] = _Year(org, scorers, versions, draw, year, previous, out.counts).run()
        previous = out.years[year].cycle
    return out


class _Year:
    def __init__(
        self,
        org: DemoOrg,
        scorers: Scorers,
        versions: dict,
        draw: _Draw,
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

    # -- target setting ---------------------------------------------------

    def write_letters(self) -> None:
        returned = {d: (reason, index, title) for d, reason, index, title in content.RETURNED.get(self.year, [])}
        rnd = self.draw.random
        for appraisee in self.appraisees("departments"):
            focus = list(content.FOCUS[appraisee.name])
            n = rnd.choice((5, 6, 6, 7))
            titles = (focus + list(content.COMMON))[:n]
            letter = letters.letter_for(appraisee)
            items = [
                letters.save_item(
                    letter, title=title, points=points, measure=content.MEASURE, evidence_required=content.EVIDENCE
                )
                for title, points in zip(titles, content.SPLITS[n])
            ]
            letters.submit(letter)
            if appraisee.name in returned:
                reason, index, title = returned[appraisee.name]
                letters.decide(letter, approve=False, reason=reason)
                item = items[index]
                letters.save_item(
                    letter,
                    title=title,
                    points=item.points,
                    measure=item.measure,
                    evidence_required=item.evidence_required,
                    item=item,
                )
                letters.submit(letter)
                self.count("letters_returned")
            letters.decide(letter, approve=True)
            self.count("letters")
            self.count("letter_items", len(items))

    def record_penalties(self) -> None:
        for name, quarter, text in content.CRITICISMS[self.year]:
            penalty = scoring.record_penalty(
                self.dept_appraisee(name),
                rule_key="criticism",
                description=text,
                occurred_on=date(self.year, 3 * quarter - 1, 18),
            )
            self.attach(
                "claim",
                penalty.id,
                f"通报批评文件（{name}，{self.year}年第{quarter}季度）.pdf",
                f"Criticism notice {self.year} Q{quarter}",
            )
            self.count("penalties")

    # -- tracking ---------------------------------------------------------

    def claims(self) -> None:
        for name, rule, level, project, text in content.INNOVATION_CLAIMS[self.year]:
            claim = scoring.create_claim(
                self.dept_appraisee(name),
                rule_key=rule,
                level=level,
                dedup_key=project,
                description=text,
                occurred_on=date(self.year, 6, 20),
            )
            self.attach("claim", claim.id, f"{project}推广文件.pdf", f"Endorsement {self.year} claim {claim.id}")
            scoring.decide_claim(claim, approve=True)
            self.count("claims_verified")
        if self.final:
            return
        a, b, rule, level, project, text = content.SHARED_CLAIM
        for mine, other in ((a, b), (b, a)):
            claim = scoring.create_claim(
                self.dept_appraisee(mine),
                rule_key=rule,
                level=level,
                dedup_key=project,
                shared_with=other,
                description=text,
                occurred_on=date(self.year, 9, 8),
            )
            scoring.decide_claim(claim, approve=True)
            self.count("claims_verified")
        name, rule, level, project, text, reason = content.REJECTED_CLAIM
        claim = scoring.create_claim(
            self.dept_appraisee(name),
            rule_key=rule,
            level=level,
            dedup_key=project,
            description=text,
            occurred_on=date(self.year, 7, 1),
        )
        self.attach("claim", claim.id, f"{project}工作简报.pdf", "Work bulletin (not an endorsement)")
        scoring.decide_claim(claim, approve=False, reason=reason)
        self.count("claims_rejected")
        # a section's honour: every member claims it, it counts once for each
        budget = self.org.sections[("市财政局", "预算科")]
        members = {a.person_id: a for a in self.appraisees("finance_staff")}
        for person in self.org.people_by_unit[budget.id]:
            if person.id in members:
                claim = scoring.create_claim(
                    members[person.id],
                    rule_key="honour",
                    level="city",
                    dedup_key="全市财政系统先进集体",
                    description="预算科被评为全市财政系统先进集体",
                    occurred_on=date(self.year, 5, 10),
                )
                scoring.decide_claim(claim, approve=True)
                self.count("claims_verified")

    def publish_notices(self) -> None:
        for quarter in (1, 2, 3):
            scoring.publish_notice(
                self.cycle,
                quarter=quarter,
                title=f"{self.year}年第{'一二三'[quarter - 1]}季度目标管理扣分情况通报",
                body=scoring.notice_body(self.cycle, quarter),
            )
            self.count("notices")

    def veto(self) -> None:
        name, rule, text = content.VETO
        veto = scoring.record_veto(self.dept_appraisee(name), rule_key=rule, description=text)
        self.attach("veto", veto.id, "考核委员会一票否决认定书.pdf", "Veto decision")
        self.count("vetoes")

    def attach(self, owner_type: str, owner_id: int, filename: str, title: str) -> None:
        evidence.attach(owner_type, owner_id, filename, demo_pdf(title))
        self.count("evidence")

    # -- scoring ----------------------------------------------------------

    def save(self, entries: list[scoring.Entry], user) -> None:
        """Save as ``user``; the cells of ``user``'s own row (nobody scores themself)
        are entered by the deputy office admin."""
        own = [e for e in entries if e.appraisee.user_id == user.id]
        others = [e for e in entries if e.appraisee.user_id != user.id]
        for batch, by in ((others, user), (own, self.scorers.deputy)):
            if batch:
                scoring.save_entries(batch, by)
                self.count("scores", len(batch))

    def score_departments(self) -> None:
        population = self.populations["departments"]
        columns = scoring.scheme_columns(population)
        items = scoring.item_columns(population)
        by_assessor: dict[int, list[scoring.Entry]] = {}
        by_lead: dict[str, list[scoring.Entry]] = {}
        rnd = self.draw.random
        for appraisee in self.appraisees("departments"):
            q = self.quality(appraisee)
            group = self.org.group_of[appraisee.name]
            for column in items.get(appraisee.id, []):
                value = float(column.points) * min(1.0, q + rnd.uniform(-0.04, 0.04))
                by_lead.setdefault(group, []).append(scoring.Entry(appraisee, column, _round(value)))
            for column in columns:
                value = float(column.points) * min(1.0, q + rnd.uniform(-0.03, 0.05))
                by_assessor.setdefault(column.assessor_unit_id, []).append(
                    scoring.Entry(appraisee, column, _round(value))
                )
        for group, entries in by_lead.items():
            self.save(entries, self.scorers.leads[group])
        names = {u.id: n for n, u in self.org.departments.items()}
        for unit_id, entries in by_assessor.items():
            self.save(entries, self.scorers.assessors.get(names.get(unit_id), self.scorers.office))
        self.inspection_records(population, columns)

    def inspection_records(self, population: Population, columns: list[scoring.Column]) -> None:
        """The assessing departments' inspection notes behind the three lowest scores of
        the first assessed indicator (party building): evidence a breakdown links to."""
        column = next((c for c in columns if c.assessor_unit_id), None)
        if column is None:
            return
        lowest = db.session.execute(
            select(Score.id, Appraisee.name)
            .join(Appraisee, Appraisee.id == Score.appraisee_id)
            .where(
                Score.cycle_id == self.cycle.id,
                Appraisee.population_id == population.id,
                Score.indicator_key == column.indicator_key,
                Score.item_key == column.item_key,
            )
            .order_by(Score.value, Appraisee.sort_order)
            .limit(3)
        ).all()
        for score_id, name in lowest:
            self.attach("score", score_id, f"{column.name}检查记录（{name}）.pdf", f"Inspection record {self.year}")

    def score_districts(self) -> None:
        population = self.populations["districts"]
        rnd = self.draw.random
        by_user: dict[int, tuple[object, list[scoring.Entry]]] = {}
        names = {u.id: n for n, u in self.org.departments.items()}
        for index, appraisee in enumerate(self.appraisees("districts")):
            q = self.quality(appraisee, low=0.86, span=0.12)
            size = (0.6 + 0.15 * index) * (1 + 0.06 * (self.year - 2025))  # 滕州市 is the largest
            for column in scoring.scheme_columns(population):
                user = self.scorers.assessors.get(names.get(column.assessor_unit_id), self.scorers.office)
                leaf = column.indicator_key.rsplit(".", 1)[-1]
                if column.kind in ("target", "actual"):
                    base = content.DISTRICT_TARGETS[leaf][1] * size
                    ratio = 1.0 if column.kind == "target" else q + 0.1 + rnd.uniform(-0.06, 0.05)
                    value = _round(base * ratio, "0.01")
                else:
                    value = _round(float(column.points) * min(1.0, q + rnd.uniform(-0.03, 0.04)))
                by_user.setdefault(user.id, (user, []))[1].append(scoring.Entry(appraisee, column, value))
        for user, entries in by_user.values():
            self.save(entries, user)

    def score_staff(self, key: str) -> None:
        population = self.populations[key]
        columns = scoring.scheme_columns(population)
        names = {u.id: n for n, u in self.org.departments.items()}
        rnd = self.draw.random
        by_user: dict[int, tuple[object, list[scoring.Entry]]] = {}
        office = self.scorers.office
        for rank, appraisee in enumerate(self.appraisees(key), start=1):
            low = key == "section_staff" and rank == LOW_PERSON_RANK
            q = 0.5 + rnd.uniform(0, 0.05) if low else self.draw.fraction(appraisee.subject_key, low=0.76, span=0.2)
            for column in columns:
                user = self.scorers.assessors.get(names.get(column.assessor_unit_id), office)
                value = float(column.points) * min(1.0, q + rnd.uniform(-0.03, 0.03))
                by_user.setdefault(user.id, (user, []))[1].append(
                    scoring.Entry(appraisee, column, _round(value, "0.01"))
                )
            democratic = 100 * min(0.99, (0.55 if low else q) + rnd.uniform(-0.06, 0.03))
            by_user.setdefault(office.id, (office, []))[1].append(
                scoring.Entry(appraisee, DEMOCRATIC, _round(democratic))
            )
        for user, entries in by_user.values():
            self.save(entries, user)

    def score_finance(self) -> None:
        population = self.populations["finance_staff"]
        columns = {(c.indicator_key, c.item_key): c for c in scoring.scheme_columns(population)}
        rnd = self.draw.random
        entries = []
        for appraisee in self.appraisees("finance_staff"):
            q = self.draw.fraction(appraisee.subject_key, low=0.82, span=0.17)
            for key in ("self_report.supervisor_score", "self_report.team_score"):
                column = columns[(key, "")]
                entries.append(scoring.Entry(appraisee, column, _round(5 * min(1.0, q + rnd.uniform(-0.04, 0.04)))))
            if rnd.random() < 0.3:
                indicator, item, reason = rnd.choice(content.FINANCE_DEDUCTIONS)
                entries.append(
                    scoring.Entry(appraisee, columns[(indicator, item)], str(rnd.choice((1, 1, 2))), reason=reason)
                )
        self.save(entries, self.scorers.unit_admins["市财政局"])  # the bureau scores its own staff

    def self_reports(self) -> None:
        for appraisee in self.appraisees("departments"):
            focus = "、".join(content.FOCUS[appraisee.name][:2])
            count = len(letters.letter_for(appraisee, create=False).items)
            scoring.save_self_report(
                appraisee,
                submit=True,
                body=content.SELF_REPORT.format(name=appraisee.name, year=self.year, count=count, focus=focus),
            )
            self.count("self_reports")
        for appraisee in self.appraisees("finance_staff"):
            scoring.save_self_report(
                appraisee,
                submit=True,
                body=(
                    f"{appraisee.name}{self.year}年度述职：认真履行岗位职责，按时完成科室分配的各项工作任务，"
                    "严格遵守工作纪律，积极参加集中学习和志愿服务活动。"
                ),
            )
            self.count("self_reports")

    def democratic_evaluation(self) -> None:
        """市财政局's staff rate each other at the year-end meeting: anonymous ballots."""
        population = self.populations["finance_staff"]
        finance = self.org.departments["市财政局"]
        evaluation = ballots.create_evaluation(
            self.cycle,
            population,
            title=f"市财政局{self.year}年度述职民主评议",
            owner_unit=finance,
            groups=[
                ballots.GroupSpec("principal", "主要领导", Decimal("0.3")),
                ballots.GroupSpec("deputy", "副职领导", Decimal("0.2")),
                ballots.GroupSpec("staff", "干部职工", Decimal("0.5")),
            ],
        )
        ballots.add_voters_by_unit(evaluation, finance, role_groups=ballots.default_role_groups(evaluation))
        # The bureau has one principal leader, whose group the scheme weights 30 %: a group
        # below the minimum size is refused at opening unless the office confirms the
        # warning that its voter is identifiable and keeps it as a known-voter group (记名组).
        sizes = ballots.group_sizes(evaluation)
        for group in ballots.groups_of(evaluation):
            if 0 < sizes.get(group.id, 0) < evaluation.min_group_size:
                ballots.set_known_voters(evaluation, group, True, confirmed=True)
        ballots.open_evaluation(evaluation)
        voter_ids = list(
            db.session.scalars(select(Voter.id).where(Voter.evaluation_id == evaluation.id).order_by(Voter.id))
        )
        rnd = self.draw.random
        evaluation_id = evaluation.id
        abstain = set(rnd.sample(voter_ids, 2))  # two were away on the day
        for voter_id in voter_ids:
            if voter_id in abstain:
                continue
            voter = db.session.get(Voter, voter_id)
            evaluation = db.session.get(Evaluation, evaluation_id)
            answers = {}
            for row in ballots.ballot_sheet(evaluation, voter):
                q = self.draw.fraction(row.appraisee.subject_key, low=0.82, span=0.17)
                answers[row.appraisee.id] = _round(min(100.0, 100 * q + rnd.uniform(-6, 4)), "1")
            ballots.cast_ballot(voter_id, answers)  # commits (ballots own their transaction)
            self.count("ballots")
        ballots.close_evaluation(db.session.get(Evaluation, evaluation_id))
        db.session.commit()
        ballots.after_close()
        self.count("evaluations")

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
