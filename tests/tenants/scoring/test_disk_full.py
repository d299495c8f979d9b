"""A full disk while storing an evidence file: a clear error on the form, no
500, no temporary file left, no row pointing at a file that is not there.
The upload folder is a real, tiny tmpfs (root only; skipped elsewhere)."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.evidence.models import Evidence
from appraisal.tenants.scoring.models import AdjustmentClaim
from tests.helpers import login
from tests.tenants.scoring.conftest import dept

BIG_PDF = b"%PDF-1.4\n" + b"0" * 200_000 + b"\n%%EOF\n"  # 200 KB: more than the 64 KB disk


@pytest.fixture
def tiny_disk(tmp_path):
    folder = tmp_path / "full-disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_refuses_the_claim_cleanly(app, scoring_year, tiny_disk):
    from appraisal.tenants.cycles.models import Phase
    from tests.tenants.scoring.conftest import move_to

    app.config["UPLOAD_DIR"] = str(tiny_disk)
    move_to(scoring_year, Phase.SCORING)
    with tenant_scope(scoring_year.tenant):
        appraisee_id = dept(scoring_year, 0).id
    client = app.test_client()
    login(client, scoring_year.tenant, scoring_year.users["unit_admin"])
    response = client.post(
        f"/t/{scoring_year.tenant.slug}/scoring/appraisees/{appraisee_id}/claims/new",
        data={
            "rule": "innovation_business",
            "level": "province",
            "count": "1",
            "dedup_key": "磁盘已满",
            "description": "附件很大",
            "files": (BytesIO(BIG_PDF), "推广文件.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "服务器存储空间不足，文件未保存，请联系管理员" in response.get_data(as_text=True)
    # nothing half-written: no temporary or partial file, no claim, no evidence row
    assert [p for p in tiny_disk.rglob("*") if p.is_file()] == []
    with tenant_scope(scoring_year.tenant):
        assert db.session.scalar(select(AdjustmentClaim).where(AdjustmentClaim.dedup_key == "磁盘已满")) is None
        assert db.session.scalars(select(Evidence)).all() == []


def test_a_full_disk_refuses_a_score_file_cleanly(app, scoring_year, tiny_disk):
    from tests.tenants.scoring.test_evidence import PDF

    app.config["UPLOAD_DIR"] = str(tiny_disk)
    client = app.test_client()
    login(client, scoring_year.tenant, scoring_year.users["assessor"])
    with tenant_scope(scoring_year.tenant):
        appraisee_id = dept(scoring_year, 0).id
    cell = f"{appraisee_id}|public.party_building"
    client.post(
        f"/t/{scoring_year.tenant.slug}/scoring/grid?population={scoring_year.ids['dept_pop']}",
        data={f"v|{cell}": "9", f"o|{cell}": "", f"s|{cell}": 0},
    )
    from appraisal.tenants.scoring.models import Score

    with tenant_scope(scoring_year.tenant):
        score_id = db.session.scalar(select(Score.id).where(Score.appraisee_id == appraisee_id))
    response = client.post(
        f"/t/{scoring_year.tenant.slug}/scoring/scores/{score_id}/evidence",
        data={"files": [(BytesIO(PDF), "检查记录.pdf"), (BytesIO(BIG_PDF), "大文件.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "服务器存储空间不足" in response.get_data(as_text=True)
    assert not [p for p in tiny_disk.rglob("*.tmp")]
    with tenant_scope(scoring_year.tenant):
        assert db.session.scalars(select(Evidence)).all() == []  # neither file is recorded
