"""并列待定 through the screens: a tie the chain cannot break refuses publication until the
office records its decision (who, why, document number); the decision is audited, shown
in both appraisees' breakdowns, kept by a recomputation of the same tie."""

from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.results import services
from appraisal.tenants.results.models import ResultExplanation, TieDecision
from appraisal.tenants.results.services import publication as pub
from appraisal.tenants.results.services import ties as tie_services
from appraisal.tenants.schemes.models import Scheme
from appraisal.tenants.schemes.services import save_version
from tests.helpers import login

from .test_publication import computing  # noqa: F401  (fixture)


def _tied_departments(year):
    """Departments with one advanced-collective place per sector group (min_one) and no
    scores: departments equal on the composite, business, public and penalty — the chain
    is exhausted in both groups (two departments for one place in each)."""
    with tenant_scope(year.tenant):
        scheme = db.session.get(Scheme, year.ids["scheme"])
        version = save_version(scheme, overrides={"quotas": {"advanced_collective": {"min_one": True}}}, locks=[])
        population = db.session.get(Population, year.ids["dept_pop"])
        population.scheme_version_id = version.id
        db.session.commit()
        for key in ("dept_pop", "staff_pop"):
            services.request_compute(db.session.get(Population, year.ids[key]))
        db.session.commit()


def _ties(year):
    with tenant_scope(year.tenant):
        population = db.session.get(Population, year.ids["dept_pop"])
        return tie_services.ties_for_page(population, services.current_run(population))


def _breakdown(year, appraisee_id, column):
    with tenant_scope(year.tenant):
        run = services.current_run(db.session.get(Population, year.ids["dept_pop"]))
        rows = db.session.scalars(
            select(getattr(ResultExplanation, column)).where(
                ResultExplanation.run_id == run.id, ResultExplanation.appraisee_id == appraisee_id
            )
        )
        return "\n".join(rows)


def test_a_tie_refuses_publication_until_the_office_decides(app, computing):  # noqa: F811
    _tied_departments(computing)
    ties = _ties(computing)
    assert sorted((t["group"], t["status"], len(t["people"]), t["places"]) for t in ties) == [
        ("社会事业组", "pending", 2, 1),
        ("综合经济组", "pending", 2, 1),  # 市发改委 and 市委组织部 (市财政局 has scores of its own)
    ]
    office = app.test_client()
    login(office, computing.tenant, computing.users["office_admin"])
    cycle_url = f"/t/city/results/cycles/{computing.ids['cycle']}/publish"
    page = office.post(cycle_url, data={}, follow_redirects=True).get_data(as_text=True)
    assert "存在并列待定" in page and "市直部门" in page
    with tenant_scope(computing.tenant):
        assert pub.publication_of(db.session.get(Cycle, computing.ids["cycle"])) is None

    url = f"/t/city/results/populations/{computing.ids['dept_pop']}/ties"
    listing = office.get(url).get_data(as_text=True)
    assert "先进集体" in listing and "2 人并列，争 1 个名额" in listing
    second = next(t for t in ties if t["group"] == "综合经济组")
    number = str(second["number"])
    winner, loser = second["people"][1]["id"], second["people"][0]["id"]
    # two chosen for one place, no reason, no document number: refused, nothing recorded
    for data, message in (
        ({"placed": [winner, loser], "reason": "x", "document_no": "y"}, "须选定 1 名入选者"),
        ({"placed": [winner], "reason": "", "document_no": "y"}, "请填写决定理由"),
        ({"placed": [winner], "reason": "x", "document_no": " "}, "请填写决定的文号"),
        ({"placed": [computing.ids["appraisee"] + 999], "reason": "x", "document_no": "y"}, "只能从并列的"),
    ):
        refused = office.post(url, data={"tie": number, **data})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    with tenant_scope(computing.tenant):
        assert db.session.scalars(select(TieDecision)).all() == []

    # the office decides both ties; each decision recomputes the population
    office.post(
        url, data={"tie": number, "placed": [winner], "reason": "群众满意度更高", "document_no": "考核办〔2027〕1号"}
    )
    first = next(t for t in _ties(computing) if t["status"] == "pending")
    office.post(
        url,
        data={
            "tie": str(first["number"]),
            "placed": [first["people"][0]["id"]],
            "reason": "党组研究",
            "document_no": "考核办〔2027〕2号",
        },
    )
    ties = _ties(computing)
    assert [t["status"] for t in ties] == ["decided", "decided"]
    assert "考核办决定: 入选; 理由: 群众满意度更高; 文号: 考核办〔2027〕1号" in _breakdown(computing, winner, "zh")
    assert "考核办决定: 未入选; 理由: 群众满意度更高" in _breakdown(computing, loser, "zh")
    assert "decided by the office: not placed" in _breakdown(computing, loser, "en")
    with tenant_scope(computing.tenant):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "results.tie_decide")).all()
        assert len(entries) == 2 and entries[0].after["document_no"] == "考核办〔2027〕1号"
        # a recomputation with the same tie keeps the decision
        services.request_compute(db.session.get(Population, computing.ids["dept_pop"]))
        db.session.commit()
    assert [t["status"] for t in _ties(computing)] == ["decided", "decided"]
    office.post(cycle_url, data={})
    with tenant_scope(computing.tenant):
        assert pub.publication_of(db.session.get(Cycle, computing.ids["cycle"])) is not None


def test_only_the_office_decides_a_tie(app, computing):  # noqa: F811
    _tied_departments(computing)
    unit = app.test_client()
    login(unit, computing.tenant, computing.users["unit_admin"])
    url = f"/t/city/results/populations/{computing.ids['dept_pop']}/ties"
    assert unit.get(url).status_code == 403
    assert unit.post(url, data={"tie": "0", "placed": ["1"], "reason": "x", "document_no": "y"}).status_code == 403
