"""Files behind results (the evidence under each breakdown entry, appeals with files) and the year's archive workbook."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle, Phase, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.evidence.models import Evidence
from appraisal.tenants.results import services
from appraisal.tenants.results.models import Appeal, ResultRow
from appraisal.tenants.results.services import evidence_links
from appraisal.tenants.results.services import publication as pub
from appraisal.tenants.scoring.models import AdjustmentClaim, ClaimStatus, Score, Veto
from tests.helpers import login

PDF = b"%PDF-1.4 appeal evidence"


@pytest.fixture
def published(year):
    """The fixture year computed and published, with the claim verified so it counts."""
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        claim = db.session.get(AdjustmentClaim, year.ids["claim"])
        claim.status = ClaimStatus.VERIFIED
        for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
            cycles.move_phase(cycle, phase)
        db.session.commit()
        for key in ("dept_pop", "staff_pop"):
            services.request_compute(db.session.get(Population, year.ids[key]))
        pub.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10)
        db.session.commit()
    return year


def test_indicator_paths_follow_the_engine_refs():
    content = {
        "indicators": [
            {"key": "business", "children": []},
            {"key": "public", "children": [{"key": "party_building"}, {"key": "clean_gov"}]},
        ]
    }
    assert evidence_links.indicator_refs(content) == {
        "business": "indicators[0]",
        "public": "indicators[1]",
        "public.party_building": "indicators[1].children[0]",
        "public.clean_gov": "indicators[1].children[1]",
    }


def test_breakdown_links_each_entry_to_its_files_for_those_who_may_open_them(app, published):
    office, staff = app.test_client(), app.test_client()
    login(office, published.tenant, published.users["office_admin"])
    login(staff, published.tenant, published.users["staff"])
    url = f"/t/city/results/appraisees/{published.ids['appraisee']}"
    page = office.get(url).get_data(as_text=True)
    # the score's file under its indicator, the claim's in the adjustments table, the veto's under the veto
    for kind in ("score", "claim", "veto"):
        assert f"{kind}.pdf" in page, kind
    score_url = f"/t/city/scoring/scores/files/{published.ids['score_file']}"
    claim_url = f"/t/city/scoring/claims/files/{published.ids['claim_file']}"
    assert score_url in page and claim_url in page
    download = office.get(claim_url)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    # the score's file hangs under the party-building line, not elsewhere
    explain = page[page.index('<ol class="explain">') : page.index("</ol>", page.index('<ol class="explain">'))]
    before_file = explain[: explain.index("score.pdf")]
    line = before_file[before_file.rindex('<li class="kind-') :]
    assert "kind-indicator" in line and "党的建设" in line
    # the claim's file under its own line, which no longer names it by id
    before_claim = explain[: explain.index("claim.pdf")]
    assert "kind-claim" in before_claim[before_claim.rindex('<li class="kind-') :]
    assert "claim:" not in explain
    # a staff member sees the published breakdown but not the assessors' files
    other = staff.get(url).get_data(as_text=True)
    assert "计分过程" in other and "score.pdf" not in other and score_url not in other
    assert "另有" in other
    assert staff.get(score_url).status_code == 403


def test_breakdown_evidence_queries_do_not_grow_with_files(app, published):
    from sqlalchemy import event

    with app.test_request_context(), tenant_scope(published.tenant):
        from appraisal.platform.models import User

        user = db.session.get(User, published.users["office_admin"].id)
        from appraisal.tenants.cycles.models import Appraisee

        appraisee = db.session.get(Appraisee, published.ids["appraisee"])
        population = db.session.get(Population, appraisee.population_id)
        from appraisal.tenants.schemes.models import SchemeVersion

        content = db.session.get(SchemeVersion, population.scheme_version_id).content
        run = services.current_run(population)
        row = db.session.scalar(
            select(ResultRow).where(ResultRow.run_id == run.id, ResultRow.appraisee_id == appraisee.id)
        )
        adjustments = row.adjustments
        assert adjustments, "the verified claim is in the row"

        statements_log = []

        def count():
            statements = []
            listener = lambda *a: statements.append(a[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                result = evidence_links.for_breakdown(appraisee, content, set(), adjustments, user)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            statements_log.append(statements)
            return len(statements), result

        count()  # warm: the user's grants and the owners' appraisee are loaded once per session
        before, first = count()
        score = db.session.scalar(select(Score).where(Score.appraisee_id == appraisee.id))
        for i in range(5):
            evidence.attach("score", score.id, f"more-{i}.pdf", PDF + bytes([i]))
        veto = db.session.scalar(select(Veto).where(Veto.appraisee_id == appraisee.id))
        evidence.attach("veto", veto.id, "more-veto.pdf", PDF)
        db.session.flush()
        after, second = count()
        assert sum(map(len, second.by_ref.values())) == sum(map(len, first.by_ref.values())) + 6
        assert after == before, statements_log


def test_an_appeal_carries_files_all_or_nothing(app, published):
    unit, office, staff = app.test_client(), app.test_client(), app.test_client()
    login(unit, published.tenant, published.users["unit_admin"])
    login(office, published.tenant, published.users["office_admin"])
    login(staff, published.tenant, published.users["staff"])
    url = f"/t/city/results/appraisees/{published.ids['appraisee']}/appeal"
    form = unit.get(url).get_data(as_text=True)
    assert 'type="file"' in form and "multipart/form-data" in form
    # a refused file refuses the whole appeal: nothing is saved
    bad = unit.post(
        url,
        data={"reasons": "党建得分漏计", "files": [(io.BytesIO(b"MZ..."), "tool.exe")]},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "只能上传" in bad.get_data(as_text=True)
    with tenant_scope(published.tenant):
        assert db.session.scalar(select(Appeal).where(Appeal.reasons == "党建得分漏计")) is None
    good = unit.post(
        url,
        data={
            "reasons": "党建得分漏计",
            "files": [(io.BytesIO(PDF), "表彰文件.pdf"), (io.BytesIO(PDF + b"2"), "会议纪要.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    with tenant_scope(published.tenant):
        appeal = db.session.scalar(select(Appeal).where(Appeal.reasons == "党建得分漏计"))
        files = evidence.evidence_of("appeal", [appeal.id])[appeal.id]
        assert [f.filename for f in files] == ["表彰文件.pdf", "会议纪要.pdf"]
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "appeal.file").order_by(AuditEntry.id.desc())
        )
        assert entry.after["files"] == ["表彰文件.pdf", "会议纪要.pdf"]
        file_url = f"/t/city/results/appeals/files/{files[0].id}"
    page = office.get(f"/t/city/results/appeals/{appeal.id}").get_data(as_text=True)
    assert "表彰文件.pdf" in page and file_url in page
    assert office.get(file_url).data == PDF
    # the appellant adds a file while the appeal waits; the staff member may not see it
    added = unit.post(
        f"/t/city/results/appeals/{appeal.id}/files",
        data={"files": [(io.BytesIO(PDF + b"3"), "补充说明.pdf")]},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    assert "补充说明.pdf" in unit.get(f"/t/city/results/appeals/{appeal.id}").get_data(as_text=True)
    assert staff.get(file_url).status_code == 403
    assert (
        staff.post(
            f"/t/city/results/appeals/{appeal.id}/files",
            data={"files": [(io.BytesIO(PDF), "x.pdf")]},
            content_type="multipart/form-data",
        ).status_code
        == 403
    )
    # answered: no more files
    office.post(f"/t/city/results/appeals/{appeal.id}", data={"decision": "reject", "answer": "不在加分范围"})
    late = unit.post(
        f"/t/city/results/appeals/{appeal.id}/files",
        data={"files": [(io.BytesIO(PDF + b"4"), "迟到.pdf")]},
        content_type="multipart/form-data",
    )
    assert late.status_code == 302
    with tenant_scope(published.tenant):
        assert len(evidence.evidence_of("appeal", [appeal.id])[appeal.id]) == 3
    assert "不能再补充" in unit.get(f"/t/city/results/appeals/{appeal.id}").get_data(as_text=True)


def test_appeal_files_are_the_tenants_own(app, published, other_year):
    """Another tenant's appeal file is a 404, whoever asks."""
    other = app.test_client()
    login(other, other_year.tenant, other_year.users["office_admin"])
    assert (
        other.get(f"/t/{other_year.tenant.slug}/results/appeals/files/{published.ids['appeal_file']}").status_code
        == 404
    )
    # and a claim's file is not served by the appeal route
    office = app.test_client()
    login(office, published.tenant, published.users["office_admin"])
    assert office.get(f"/t/city/results/appeals/files/{published.ids['claim_file']}").status_code == 404
    assert office.get(f"/t/city/results/appeals/files/{published.ids['appeal_file']}").status_code == 200


def test_filing_after_the_window_keeps_no_files(published):
    with tenant_scope(published.tenant):
        from werkzeug.datastructures import FileStorage

        from appraisal.tenants.cycles.models import Appraisee

        appraisee = db.session.get(Appraisee, published.ids["appraisee"])
        before = db.session.scalar(select(db.func.count()).select_from(Evidence))
        with pytest.raises(pub.PublicationError):
            pub.file_appeal(
                appraisee, reasons="太晚", today=date(2099, 1, 1), files=[FileStorage(io.BytesIO(PDF), "late.pdf")]
            )
        db.session.rollback()
        assert db.session.scalar(select(db.func.count()).select_from(Evidence)) == before


def test_the_whole_year_exports_to_one_workbook_for_the_archive(app, published):
    from openpyxl import load_workbook

    office, staff = app.test_client(), app.test_client()
    login(office, published.tenant, published.users["office_admin"])
    login(staff, published.tenant, published.users["staff"])
    url = f"/t/city/results/cycles/{published.ids['cycle']}/export.xlsx"
    response = office.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "说明"
    cover = {row[0]: row[1] for row in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert "公示期至" in cover and "县级干部" in cover and "个考核对象" in cover["县级干部"]
    # one sheet per population and group, each with the office's headers and every appraisee once
    group_sheets = book.sheetnames[1:]
    assert group_sheets and all(len(name) <= 31 for name in group_sheets)
    assert any(name.startswith("市直部门") for name in group_sheets)
    headers = [c.value for c in book[group_sheets[0]][1]]
    assert headers[:3] == ["名次", "考核对象", "综合得分"]
    names = [
        row[1]
        for name in group_sheets
        if name.startswith("市直部门")
        for row in book[name].iter_rows(min_row=2, values_only=True)
        if not str(row[1]).startswith("——")
    ]
    assert "市财政局" in names and len(names) == len(set(names))
    # published: every user of the tenant may download it; another tenant may not
    assert staff.get(url).status_code == 200


def test_the_whole_year_export_waits_for_publication(app, year):
    staff, office = app.test_client(), app.test_client()
    login(staff, year.tenant, year.users["staff"])
    login(office, year.tenant, year.users["office_admin"])
    url = f"/t/city/results/cycles/{year.ids['cycle']}/export.xlsx"
    assert staff.get(url).status_code == 403
    assert office.get(url).status_code == 200


def test_sheet_titles_are_excel_safe_and_unique():
    from appraisal.tenants.results.views.exports import sheet_title as _sheet_title

    taken: set[str] = set()
    long = "市直部门-" + "综合经济组" * 8
    first, second = _sheet_title(long, taken), _sheet_title(long, taken)
    assert len(first) == 31 and len(second) == 31 and first != second
    assert _sheet_title("a/b[c]:d*e?", taken) == "a_b_c__d_e_"


def test_penalties_read_as_deductions_in_the_breakdown(app, published):
    from appraisal.tenants.cycles.models import Appraisee
    from appraisal.tenants.scoring.services import adjustments

    with tenant_scope(published.tenant):
        cycle = db.session.get(Cycle, published.ids["cycle"])
        cycles.move_phase(cycle, Phase.APPEALS)
        appraisee = db.session.get(Appraisee, published.ids["appraisee"])
        adjustments.record_penalty(appraisee, rule_key="criticism", description="通报批评")
        db.session.commit()
        services.request_compute(db.session.get(Population, published.ids["dept_pop"]))
    office = app.test_client()
    login(office, published.tenant, published.users["office_admin"])
    page = office.get(f"/t/city/results/appraisees/{published.ids['appraisee']}").get_data(as_text=True)
    table = page[page.index("<h2>加减分</h2>") :]
    assert "−" in table and "+" in table  # the penalty and the bonus, each with its sign
