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


#: Every screen that shows one year at a time, with the default it falls back to.
YEAR_SCREENS = ("letters/", "scoring/", "scoring/claims", "scoring/vetoes", "scoring/notices", "ballots/", "results/")


def _selected_option(page: str) -> str:
    import re

    found = re.findall(r'<option value="(\d+)"\s+selected', page)
    assert found, "no year selector with a selected option"
    return found[0]


def test_every_year_screen_reads_cycle_id_and_still_the_old_cycle_parameter(app, year, other_year):
    with tenant_scope(year.tenant):
        old_id = cycles.create_cycle(year=2025, name="2025年度老考核").id
        db.session.commit()
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    base = f"/t/{year.tenant.slug}/"
    for screen in YEAR_SCREENS:
        for arg in ("cycle_id", "cycle"):  # the name, and the alias old links and bookmarks use
            response = office.get(f"{base}{screen}?{arg}={old_id}")
            assert response.status_code == 200, (screen, arg, response.status_code)
            assert _selected_option(response.get_data(as_text=True)) == str(old_id), (screen, arg)
            assert office.get(f"{base}{screen}?{arg}={other_year.ids['cycle']}").status_code == 404, (screen, arg)
        assert _selected_option(office.get(f"{base}{screen}").get_data(as_text=True)) == str(year.ids["cycle"])


def test_links_between_year_screens_name_the_cycle_with_cycle_id(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    base = f"/t/{year.tenant.slug}/"
    for screen in ("scoring/", "scoring/notices", "ballots/"):
        page = office.get(f"{base}{screen}").get_data(as_text=True)
        assert "?cycle=" not in page and "&amp;cycle=" not in page and 'name="cycle"' not in page, screen
        assert f"cycle_id={year.ids['cycle']}" in page or 'name="cycle_id"' in page, screen


def test_each_feature_keeps_its_default_year(app, year):
    """Without a choice: scoring and letters the latest not archived, ballots the
    latest of all, results the latest past target setting."""
    with app.test_request_context("/"), tenant_scope(year.tenant):
        planning = cycles.create_cycle(year=2027, name="2027年度考核")
        assert planning.phase == Phase.TARGET_SETTING
        archived = cycles.create_cycle(year=2028, name="2028年度已归档考核")
        archived.phase = Phase.FINAL
        db.session.commit()
        assert cycles.selected_cycle().id == planning.id  # the newest not archived
        assert cycles.selected_cycle(prefer=cycles.any_cycle).id == archived.id
        assert cycles.selected_cycle(prefer=cycles.past_target_setting).id == archived.id
        planning.phase = Phase.SCORING
        archived.phase = Phase.TARGET_SETTING
        assert cycles.selected_cycle(prefer=cycles.past_target_setting).id == planning.id
        assert cycles.selected_cycle().id == archived.id
