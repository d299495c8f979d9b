"""The pages' JavaScript runs under the Content-Security-Policy (no inline
scripts): printing, auto-submitting pickers and auto-printing documents work
from the static files. Any script the policy refuses fails the test (the
``people`` fixture watches the console)."""

from __future__ import annotations

import re

from tests.browser.conftest import require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402

COUNT_PRINTS = "window.__printed = 0; window.print = function () { window.__printed += 1; };"


def test_static_scripts_do_what_the_inline_ones_did(city, page_as):
    slug = city.slug
    office = page_as("office_admin")
    office.add_init_script(COUNT_PRINTS)

    # the printable letter opens the print dialog once loaded (autoprint.js), not with ?noprint
    finance = city.ids["appraisees"]["市财政局"]
    office.goto(f"/t/{slug}/letters/{finance}/print")
    office.wait_for_load_state("load")
    expect(office.locator("h1")).to_contain_text("目标管理责任书")
    office.wait_for_function("window.__printed === 1")
    office.goto(f"/t/{slug}/letters/{finance}/print?noprint=1")
    office.wait_for_load_state("load")
    assert office.evaluate("window.__printed") == 0

    # a cycle picker submits its form when an option is chosen (app.js, data-autosubmit)
    office.goto(f"/t/{slug}/scoring/")
    picker = office.locator("select[data-autosubmit]")
    expect(picker).to_have_count(1)
    cycle_id = picker.locator("option").first.get_attribute("value")
    picker.evaluate("s => s.add(new Option('again', s.options[0].value))")  # a second choice to pick
    picker.select_option(index=1)
    office.wait_for_url(re.compile(rf"/scoring/\?cycle_id={cycle_id}$"))

    # a print button prints (app.js, data-print)
    office.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        '\'<button type="button" class="btn" data-print id="p">print</button>\')'
    )
    office.locator("#p").click()
    office.wait_for_function("window.__printed === 1")


def test_an_inline_script_is_refused(city, people, page_as):
    """The policy is really in force in the browser: an injected inline script
    does not run, and the console reports it (which the fixture turns into a failure)."""
    office = page_as("office_admin")
    office.goto(f"/t/{city.slug}/")
    office.evaluate("""() => { const s = document.createElement('script');
                               s.textContent = 'window.__ran = true'; document.body.appendChild(s); }""")
    assert office.evaluate("window.__ran === undefined")
    office.wait_for_timeout(200)
    assert any("inline script" in line for line in people.csp_refusals), people.csp_refusals
    people.csp_refusals.clear()
