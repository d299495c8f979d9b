"""Which cycle? ``?cycle_id=`` names it; without it, the latest not archived."""

from __future__ import annotations

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Phase
from tests.helpers import login


def _board(client, year, query=""):
    return client.get(f"/t/{year.tenant.slug}/letters/{query}")


def test_the_letters_board_shows_the_year_asked_for_else_the_latest_not_archived(app, year):
    with tenant_scope(year.tenant):
        old = cycles.create_cycle(year=2025, name="2025年度老考核")
        archived = cycles.create_cycle(year=2027, name="2027年度已归档考核")
        archived.phase = Phase.FINAL
        db.session.commit()
        old_id = old.id
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    # no choice: 2027 is archived, so the 2026 year of the fixture (not the newest, not the oldest)
    page = _board(office, year).get_data(as_text=True)
    assert f'<option value="{year.ids["cycle"]}" selected>' in page
    chosen = _board(office, year, f"?cycle_id={old_id}")
    assert f'<option value="{old_id}" selected>' in chosen.get_data(as_text=True)
    with app.test_request_context(f"/?cycle_id={old_id}"), tenant_scope(year.tenant):
        assert cycles.selected_cycle().id == old_id
    with app.test_request_context("/"), tenant_scope(year.tenant):
        assert cycles.selected_cycle().id == year.ids["cycle"]
        assert [c.year for c in cycles.all_cycles()] == [2027, 2026, 2025]
    with app.test_request_context("/?cycle_id=abc"), tenant_scope(year.tenant):
        assert cycles.selected_cycle().id == year.ids["cycle"]  # not a number: ignored


def test_another_tenants_or_an_unknown_cycle_is_a_404(app, year, other_year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    assert _board(office, year, f"?cycle_id={other_year.ids['cycle']}").status_code == 404
    assert _board(office, year, "?cycle_id=-3").status_code == 404
