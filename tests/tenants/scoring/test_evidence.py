"""Evidence files: allowed types and size, stored by content under UPLOAD_DIR,
served only through a view that checks the owner's view permission."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.evidence.models import Evidence
from appraisal.tenants.evidence.services import clean_filename
from appraisal.tenants.scoring.models import Score
from tests.helpers import login
from tests.tenants.scoring.conftest import dept

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_for(app, year, role):
    client = app.test_client()
    login(client, year.tenant, year.users[role])
    return client


@pytest.fixture
def party_score(app, scoring_year):
    """Party building of 市财政局, scored by the organisation department."""
    client = client_for(app, scoring_year, "assessor")
    with tenant_scope(scoring_year.tenant):
        appraisee_id = dept(scoring_year, 0).id
    cell = f"{appraisee_id}|public.party_building"
    response = client.post(
        f"/t/{scoring_year.tenant.slug}/scoring/grid?population={scoring_year.ids['dept_pop']}",
        data={f"v|{cell}": "9", f"o|{cell}": "", f"s|{cell}": 0},
    )
    assert response.status_code == 302
    with tenant_scope(scoring_year.tenant):
        return db.session.scalar(select(Score.id).where(Score.appraisee_id == appraisee_id))


def upload(client, year, score_id, data, name):
    return client.post(
        f"/t/{year.tenant.slug}/scoring/scores/{score_id}/evidence",
        data={"files": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def get(client, url):
    """(status, body) of a download, closing the file it streams."""
    with client.get(url) as response:
        return response.status_code, response.get_data(), response.headers, response.mimetype


def files(year) -> list[Evidence]:
    with tenant_scope(year.tenant):
        return list(db.session.scalars(select(Evidence).order_by(Evidence.id)))


def test_a_file_is_stored_by_content_and_served_as_an_attachment(app, scoring_year, party_score):
    assessor = client_for(app, scoring_year, "assessor")
    assert upload(assessor, scoring_year, party_score, PDF, "../../党建 考核\x00材料.pdf").status_code == 302
    [item] = files(scoring_year)
    digest = hashlib.sha256(PDF).hexdigest()
    assert item.filename == "党建 考核材料.pdf" and item.sha256 == digest and item.size == len(PDF)
    stored = Path(app.config["UPLOAD_DIR"]) / str(scoring_year.tenant.id) / digest[:2] / digest
    assert stored.read_bytes() == PDF
    status, body, headers, mimetype = get(assessor, f"/t/{scoring_year.tenant.slug}/scoring/scores/files/{item.id}")
    assert status == 200 and body == PDF
    assert headers["Content-Disposition"].startswith("attachment")
    assert mimetype == "application/pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"MZ\x90\x00", "tool.exe", "只能上传 PDF、JPG、PNG"),
        (PNG, "scan.pdf", "文件内容与扩展名不符"),
        (b"<html><script>alert(1)</script>", "page.html", "只能上传"),
        (b"", "empty.pdf", "文件是空的"),
    ],
)
def test_only_allowed_types_are_accepted(app, scoring_year, party_score, data, name, message):
    response = upload(client_for(app, scoring_year, "assessor"), scoring_year, party_score, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert files(scoring_year) == []


def test_the_size_limit_is_a_setting(app, scoring_year, party_score):
    app.config["EVIDENCE_MAX_MB"] = 0.25  # small, so the test upload stays in memory
    big = PDF + b"0" * (256 * 1024)
    response = upload(client_for(app, scoring_year, "assessor"), scoring_year, party_score, big, "big.pdf")
    assert response.status_code == 422 and "不能超过 0.25 MB" in response.get_data(as_text=True)
    assert files(scoring_year) == []


def test_a_file_is_served_only_to_those_who_may_see_its_score(app, scoring_year, other_year, party_score):
    assert (
        upload(client_for(app, scoring_year, "office_admin"), scoring_year, party_score, PNG, "照片.png").status_code
        == 302
    )
    [item] = files(scoring_year)
    url = f"/t/{scoring_year.tenant.slug}/scoring/scores/files/{item.id}"
    assert get(client_for(app, scoring_year, "office_admin"), url)[0] == 200
    assert get(client_for(app, scoring_year, "assessor"), url)[0] == 200
    for role in ("staff", "unit_admin", "sector_lead"):  # party building is the organisation department's
        assert get(client_for(app, scoring_year, role), url)[0] == 403, role
    # another tenant's office, through its own address: the file does not exist there
    other = client_for(app, other_year, "office_admin")
    assert get(other, f"/t/{other_year.tenant.slug}/scoring/scores/files/{item.id}")[0] == 404
    # nor through the address of another kind of owner
    assert (
        get(
            client_for(app, scoring_year, "office_admin"),
            f"/t/{scoring_year.tenant.slug}/scoring/claims/files/{item.id}",
        )[0]
        == 404
    )


def test_a_claims_files_are_seen_by_the_claimant(app, scoring_year, make_user):
    from appraisal.tenants.cycles.models import Phase
    from tests.tenants.scoring.conftest import move_to

    move_to(scoring_year, Phase.SCORING)
    with tenant_scope(scoring_year.tenant):
        appraisee_id = dept(scoring_year, 0).id
    unit_admin = client_for(app, scoring_year, "unit_admin")  # 市财政局's admin
    response = unit_admin.post(
        f"/t/{scoring_year.tenant.slug}/scoring/appraisees/{appraisee_id}/claims/new",
        data={
            "rule": "innovation_business",
            "level": "province",
            "count": "1",
            "dedup_key": "预算绩效改革",
            "description": "经验被省财政厅推广",
            "files": (BytesIO(PDF), "推广文件.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [item] = files(scoring_year)
    url = f"/t/{scoring_year.tenant.slug}/scoring/claims/files/{item.id}"
    assert get(unit_admin, url)[0] == 200
    assert get(client_for(app, scoring_year, "assessor"), url)[0] == 200  # assessors see every claim
    assert get(client_for(app, scoring_year, "staff"), url)[0] == 403


def test_file_names_are_cleaned():
    assert clean_filename("C:\\Users\\x\\报告.docx") == "报告.docx"
    assert clean_filename('a<b>:"c|?.pdf') == "a_b___c__.pdf"
    assert clean_filename("...") == "file"
    assert len(clean_filename("长" * 300 + ".pdf")) == 200


def test_a_claim_with_a_refused_file_is_not_kept(app, scoring_year):
    from appraisal.tenants.cycles.models import Phase
    from appraisal.tenants.scoring.models import AdjustmentClaim
    from tests.tenants.scoring.conftest import move_to

    move_to(scoring_year, Phase.SCORING)
    with tenant_scope(scoring_year.tenant):
        appraisee_id = dept(scoring_year, 0).id
    unit_admin = client_for(app, scoring_year, "unit_admin")
    response = unit_admin.post(
        f"/t/{scoring_year.tenant.slug}/scoring/appraisees/{appraisee_id}/claims/new",
        data={
            "rule": "innovation_business",
            "level": "province",
            "count": "1",
            "dedup_key": "坏文件",
            "description": "附件不合格",
            "files": (BytesIO(b"MZ\x90\x00"), "tool.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "只能上传" in response.get_data(as_text=True)
    with tenant_scope(scoring_year.tenant):
        assert db.session.scalar(select(AdjustmentClaim).where(AdjustmentClaim.dedup_key == "坏文件")) is None
    assert files(scoring_year) == []


def test_a_file_whose_stored_content_is_gone_is_not_found(app, scoring_year, party_score):
    office = client_for(app, scoring_year, "office_admin")
    assert upload(office, scoring_year, party_score, PDF, "报告.pdf").status_code == 302
    [item] = files(scoring_year)
    url = f"/t/{scoring_year.tenant.slug}/scoring/scores/files/{item.id}"
    assert get(office, url)[:2] == (200, PDF)
    stored = Path(app.config["UPLOAD_DIR"]) / str(scoring_year.tenant.id) / item.sha256[:2] / item.sha256
    stored.unlink()
    assert get(office, url)[0] == 404
