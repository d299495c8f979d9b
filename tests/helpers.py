"""Plain helpers for the tests (no fixtures): settings, building an app's configuration,
logging in, reading a CSRF token, building the small appraisal year of tests/tenants.

Import them from here (``from tests.helpers import login``). The conftest files import what
their fixtures need from here too, and still re-export the names for older imports.
"""

from __future__ import annotations

import contextvars
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import text

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PASSWORD = "Passw0rd-for-tests"


def _normalise(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _test_env(**extra: str) -> dict[str, str]:
    env = {"APPRAISAL_ENV": "testing", "SECRET_KEY": "test-secret"}
    env.update(extra)
    return env


def _config(url: str, tmp_path: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SESSION_COOKIE_SECURE": False,
        "REDIS_URL": None,
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production.

    Flask reuses an application context that is already pushed (the ``app``
    fixture pushes one for the test's own database work); without this the
    request would share the test's ``g`` and database session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _upgrade(url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    from appraisal.platform.app import create_app

    app = create_app(_config(url, tmp_path), env=_test_env())
    with app.app_context():
        upgrade()
        from appraisal.platform.db import db

        db.engine.dispose()


def _truncate_all(app) -> None:
    """Empty every table between tests. audit_entries refuses TRUNCATE (a
    BEFORE TRUNCATE trigger): the test user is a superuser and, for this one
    transaction, takes the replica role, in which ordinary triggers do not fire.
    The application's role can do neither (README, "Database roles")."""
    from appraisal.platform.db import db

    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def login(client, tenant, user_or_email, password: str = PASSWORD, follow: bool = False):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post(
        f"/t/{tenant.slug}/login",
        data={"email": email, "password": password},
        follow_redirects=follow,
    )


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


# ---------------------------------------------------------------------------
# The small appraisal year of tests/tenants (fixtures ``year`` and ``other_year``)
# ---------------------------------------------------------------------------


@dataclass
class Year:
    tenant: object
    ids: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


#: The departments of the small year, with their sector group.
DEPARTMENTS = [
    ("市财政局", "SG1"),
    ("市发改委", "SG1"),
    ("市委组织部", "SG1"),
    ("市教育局", "SG2"),
    ("市卫健委", "SG2"),
]


def _numbered_person(prefix: str, unit, j: int) -> str:
    return f"{prefix}{unit.name[1:3]}{j}号"


@dataclass
class YearObjects:
    """What :func:`build_year_objects` made (flushed, not committed)."""

    office: object
    groups: dict
    depts: list
    people: list
    cycle: object
    dept_pop: object
    staff_pop: object
    scheme_a: object
    scheme_c: object


def build_year_objects(
    *, prefix: str = "", person_name=_numbered_person, county_for_units: bool = True, departments=None
) -> YearObjects:
    """考核办 → 综合经济组 (市财政局, 市发改委, 市委组织部), 社会事业组 (市教育局, 市卫健委);
    three people per department (the first a county-level principal), named by
    ``person_name(prefix, unit, j)``; scheme A for the departments (party building
    assessed by 市委组织部) and scheme C for the county-level cadres (offered to units
    when ``county_for_units``); the 2026 cycle in target setting. In the current tenant.
    ``departments``: other (name, sector group) pairs than :data:`DEPARTMENTS` (the third
    still assesses party building)."""
    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.org import services as org
    from appraisal.tenants.schemes import services as schemes

    office = org.create_unit(code=f"{prefix}OFF", name=f"{prefix}市考核办", kind="office")
    groups = {
        key: org.create_unit(code=f"{prefix}{key}", name=f"{prefix}{name}", kind="sector_group", parent=office)
        for key, name in (("SG1", "综合经济组"), ("SG2", "社会事业组"))
    }
    depts = [
        org.create_unit(code=f"{prefix}D{i}", name=f"{prefix}{name}", kind="department", parent=groups[group])
        for i, (name, group) in enumerate(departments or DEPARTMENTS, 1)
    ]
    people = [
        org.create_person(
            staff_no=f"{prefix}{d.code}-{j}",
            name=person_name(prefix, d, j),
            unit=d,
            category="county_level" if j == 0 else "section_level",
            leader_role="principal" if j == 0 else "none",
        )
        for d in depts
        for j in range(3)
    ]
    a = schemes.adopt_template(template_key="A_municipal_departments", key="departments", name="市直部门考核")
    c = schemes.adopt_template(
        template_key="C_county_level_cadres", key="county", name="县级干部考核", allowed_for_units=county_for_units
    )
    cycle = cycles.create_cycle(year=2026, name="2026年度目标管理考核")
    dept_pop = cycles.add_population(
        cycle,
        key="departments",
        name="市直部门",
        version=a,
        selector={"unit_kinds": ["department"], "ranking": "parent"},
        assessors={"public.party_building": depts[2].id},
    )
    staff_pop = cycles.add_population(
        cycle,
        key="county",
        name="县级干部",
        version=c,
        selector={"categories": ["county_level"], "ranking": "category"},
    )
    db.session.flush()
    return YearObjects(office, groups, depts, people, cycle, dept_pop, staff_pop, a, c)


def build_year(tenant, make_user, *, prefix: str = "") -> Year:
    """The small appraisal year described in tests/tenants/conftest.py, in ``tenant``."""
    year = Year(tenant=tenant)
    with tenant_scope(tenant):
        made = build_year_objects(prefix=prefix)
        office, sg1, sg2, depts, people = made.office, made.groups["SG1"], made.groups["SG2"], made.depts, made.people
        cycle, dept_pop, staff_pop, a, c = made.cycle, made.dept_pop, made.staff_pop, made.scheme_a, made.scheme_c
        from sqlalchemy import select

        from appraisal.tenants.cycles.models import Appraisee
        from appraisal.tenants.letters import services as letters

        first = db.session.scalar(
            select(Appraisee).where(Appraisee.population_id == dept_pop.id, Appraisee.org_unit_id == depts[0].id)
        )
        draft = letters.letter_for(first)
        item = letters.save_item(draft, title=f"{prefix}财政收入增长", points="30", measure="完成得满分")
        db.session.commit()
        year.ids = {
            "office": office.id,
            "sg1": sg1.id,
            "sg2": sg2.id,
            "depts": [d.id for d in depts],
            "people": [p.id for p in people],
            "cycle": cycle.id,
            "dept_pop": dept_pop.id,
            "staff_pop": staff_pop.id,
            "scheme_a": a.id,
            "scheme_c": c.id,
            "appraisee": first.id,
            "letter_item": item.id,
            "scheme": a.scheme_id,
        }
    _scoring_objects(year)
    year.users = {
        "office_admin": make_user(tenant, "office_admin", email=f"{prefix or 'a'}office@example.cn"),
        "sector_lead": make_user(
            tenant, "sector_lead", unit=Ref(year.ids["sg1"]), email=f"{prefix or 'a'}lead@example.cn"
        ),
        "assessor": make_user(
            tenant, "assessor", unit=Ref(year.ids["depts"][2]), email=f"{prefix or 'a'}assessor@example.cn"
        ),
        "unit_admin": make_user(
            tenant, "unit_admin", unit=Ref(year.ids["depts"][0]), email=f"{prefix or 'a'}unit@example.cn"
        ),
        "staff": make_user(tenant, "staff", email=f"{prefix or 'a'}staff@example.cn"),
    }
    with tenant_scope(tenant):
        from appraisal.tenants.org.models import Person

        db.session.get(Person, year.ids["people"][1]).user_id = year.users["staff"].id
        db.session.commit()
        from appraisal.platform.notifications import notify

        note = notify(tenant, [year.users["staff"].id], "test.event", f"{prefix}测试通知", "", "/")[0]
        db.session.commit()
        year.ids["notification"] = note.id
    return year


def _scoring_objects(year: Year) -> None:
    """One of each scoring object (and an evidence file for each owner), written
    directly: the cycle is still setting targets, and these exist to be looked up."""
    from appraisal.tenants.evidence import services as evidence
    from appraisal.tenants.scoring.models import (
        AdjustmentClaim,
        AdjustmentKind,
        DeductionNotice,
        Score,
        SelfReport,
        Veto,
    )

    with tenant_scope(year.tenant):
        common = {"cycle_id": year.ids["cycle"], "appraisee_id": year.ids["appraisee"]}
        score = Score(indicator_key="public.party_building", value=8, **common)
        claim = AdjustmentClaim(
            kind=AdjustmentKind.BONUS, rule_key="innovation_business", level="city", description="市级推广", **common
        )
        veto = Veto(rule_key="work_safety", description="安全事故", **common)
        report = SelfReport(body="述职报告", **common)
        notice = DeductionNotice(cycle_id=year.ids["cycle"], quarter=1, title="第一季度扣分通报")
        db.session.add_all([score, claim, veto, report, notice])
        db.session.flush()
        files = {
            f"{kind}_file": evidence.attach(owner, obj.id, f"{kind}.pdf", b"%PDF-1.4 test").id
            for kind, owner, obj in (
                ("score", "score", score),
                ("claim", "claim", claim),
                ("veto", "veto", veto),
                ("report", "self_report", report),
            )
        }
        from appraisal.tenants.ballots.models import Evaluation

        evaluation = Evaluation(
            cycle_id=year.ids["cycle"], population_id=year.ids["staff_pop"], title="县级干部民主测评"
        )
        from datetime import date

        from appraisal.tenants.results.models import Appeal, AppealStatus

        appeal = Appeal(
            cycle_id=year.ids["cycle"],
            appraisee_id=year.ids["appraisee"],
            reasons="对党建得分有异议",
            answer_due_on=date(2027, 1, 31),
            status=AppealStatus.REJECTED,
            answer="维持",
        )
        db.session.add_all([evaluation, appeal])
        db.session.flush()
        from appraisal.tenants.ballots.models import BallotSession

        ballot_session = BallotSession(evaluation_id=evaluation.id, name="全体")
        db.session.add(ballot_session)
        db.session.flush()
        files["appeal_file"] = evidence.attach("appeal", appeal.id, "appeal.pdf", b"%PDF-1.4 appeal").id
        db.session.commit()
        year.ids.update(
            evaluation=evaluation.id,
            session=ballot_session.id,
            appeal=appeal.id,
            score=score.id,
            claim=claim.id,
            veto=veto.id,
            notice=notice.id,
            report=report.id,
            **files,
        )


class Ref:
    def __init__(self, id_):
        self.id = id_


def free_port() -> int:
    """A loopback port nobody listens on now (for a private server a test starts)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds: float = 30.0, step: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass; its last answer."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
