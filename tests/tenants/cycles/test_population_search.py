"""A population's member list: the name search looks for what was typed."""

from __future__ import annotations

from tests.helpers import login


def test_the_member_search_treats_percent_and_underscore_as_plain_characters(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    page = f"/t/{year.tenant.slug}/cycles/populations/{year.ids['dept_pop']}"
    everyone = office.get(page).get_data(as_text=True)
    assert "没有符合条件的考核对象。" not in everyone
    for q in ("%", "_"):
        found = office.get(page, query_string={"q": q}).get_data(as_text=True)
        assert "没有符合条件的考核对象。" in found, q
