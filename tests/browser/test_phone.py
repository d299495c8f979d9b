"""Phones (issue 16 item 5): the home page, the header, the leaderboards, the
breakdown and the score grid at 390×844 — no page wider than the screen (wide
tables scroll inside their box), and names never wrap one character per line."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import move_to, require_browser
from tests.browser.test_results import prepare_inputs

require_browser()

SHOTS = Path("/tmp/shots_grid")
WIDTH = 390

#: for each element matched, its text must not be laid out one character per line
NAME_CELLS = "td.who a, table.leaderboard td a, .page-head h1, header .brand, .sidenav a"


def _phone(browser, base_url: str, email: str, slug: str):
    from tests.helpers import PASSWORD

    context = browser.new_context(
        locale="zh-CN", viewport={"width": WIDTH, "height": 844}, base_url=base_url, device_scale_factor=1
    )
    page = context.new_page()
    page.goto(f"/t/{slug}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/t/{slug}/")
    return context, page


def _check(page, path: str, name: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=True)
    assert width <= WIDTH, f"{path} is {width}px wide at {WIDTH}px"
    squeezed = page.evaluate(
        """selector => Array.from(document.querySelectorAll(selector)).filter(el => {
             const text = el.innerText.trim();
             if (text.length < 3 || el.offsetParent === null) return false;
             const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
             return el.getBoundingClientRect().height > line * (text.length - 0.5);
           }).map(el => el.innerText.trim())""",
        NAME_CELLS,
    )
    assert not squeezed, f"{path}: one character per line: {squeezed}"


def test_main_pages_fit_a_390px_phone(city, browser, live_server):
    prepare_inputs(city)
    move_to(city, "computing")
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Cycle, Population
    from appraisal.tenants.results import services
    from appraisal.tenants.results.services import publication

    with tenant_scope(city.tenant):
        for key in ("dept_pop", "staff_pop"):
            services.request_compute(db.session.get(Population, city.ids[key]))
        publication.publish(db.session.get(Cycle, city.ids["cycle"]), publicity_days=5, appeal_days=10, answer_days=10)
        db.session.commit()
    db.session.remove()
    slug = city.slug
    context, office = _phone(browser, live_server, city.email("office_admin"), slug)
    try:
        _check(office, f"/t/{slug}/", "home-office")
        _check(office, f"/t/{slug}/results/", "results")
        _check(office, f"/t/{slug}/results/populations/{city.ids['dept_pop']}", "leaderboard-departments")
        _check(office, f"/t/{slug}/results/populations/{city.ids['staff_pop']}", "leaderboard-cadres")
        finance = city.ids["appraisees"]["市财政局"]
        _check(office, f"/t/{slug}/results/appraisees/{finance}", "breakdown")
        _check(office, f"/t/{slug}/scoring/grid?population={city.ids['dept_pop']}", "grid")
    finally:
        context.close()
    context, unit = _phone(browser, live_server, city.email("unit_admin"), slug)
    try:
        _check(unit, f"/t/{slug}/", "home-unit")
        _check(unit, f"/t/{slug}/results/appraisees/{finance}", "breakdown-unit")
    finally:
        context.close()
