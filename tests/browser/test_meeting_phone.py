"""A live meeting on phones (issue 12): a slip's QR code opens the ballot with the
code filled in on a 390×844 phone; a ballot rule (at most one 优秀) is violated,
the per-line message shows, the voter corrects and submits; the draft kept in
the browser never holds the code and is gone after the submit. The office's
projector page shows the session's QR, turnout and countdown."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tests.browser.conftest import move_to, require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402

SHOTS = Path("/tmp/shots_meetings")


def _evaluation(city) -> int:
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.ballots import services
    from appraisal.tenants.cycles.models import Cycle, Population

    with tenant_scope(city.tenant):
        evaluation = services.create_evaluation(
            db.session.get(Cycle, city.ids["cycle"]),
            db.session.get(Population, city.ids["staff_pop"]),
            title="县级干部民主测评（会场）",
            groups=[services.GroupSpec("outside", "服务对象代表", Decimal("1"))],
            rules={"top_score": "90", "top_max_count": "1", "allow_unknown": True},
        )
        db.session.commit()
        eid = evaluation.id
    db.session.remove()
    return eid


def _open(city, eid: int) -> None:
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.ballots import services
    from appraisal.tenants.ballots.models import Evaluation

    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        services.open_evaluation(evaluation)
        session = services.sessions_of(evaluation)[0]
        services.set_closing_time(evaluation, session, datetime.now(UTC) + timedelta(minutes=30))
        db.session.commit()
    db.session.remove()


def _keep(path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_a_slips_qr_opens_the_ballot_on_a_phone_and_the_rules_speak_per_line(
    city, people, shot, page_as, browser, live_server
):
    move_to(city, "scoring")
    eid = _evaluation(city)
    slug = city.slug

    # The office prints three slips; each carries a QR code for the ballot with its code.
    office = page_as("office_admin")
    office.goto(f"/t/{slug}/ballots/{eid}/codes")
    code_form = office.locator("form", has=office.locator("input[name=anon-count]"))
    code_form.locator("input[name=anon-count]").fill("3")
    code_form.get_by_role("button", name="生成并打印").click()
    expect(office.locator(".slip .qr svg")).to_have_count(3)
    url = office.locator(".slip .qr").first.get_attribute("data-qr-url")
    code = office.locator(".slip .code").first.inner_text().strip()
    assert url.startswith(live_server) and url.endswith("#code=" + code), url
    _keep(shot(office, "slips-with-qr"))
    _open(city, eid)

    # The projector page: a QR for signed-in staff, live turnout, a countdown.
    office.goto(f"/t/{slug}/ballots/{eid}")
    office.get_by_role("link", name="投屏页").click()
    expect(office.locator(".projector .qr svg")).to_have_count(1)
    expect(office.locator("#countdown")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
    expect(office.locator("#turnout")).to_contain_text("服务对象代表")
    _keep(shot(office, "projector"))
    qr = office.request.get(office.url.replace("/projector", "/qr.png"))
    assert qr.ok and qr.headers["content-type"] == "image/png" and qr.body()[:4] == b"\x89PNG"

    # A phone follows the slip's QR: the ballot opens with the code filled in.
    phone_context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.goto(url)
    expect(phone.locator("section.card").first).to_contain_text("您以“服务对象代表”身份投票。")
    assert "#code" not in phone.url  # the code left the address bar
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    cards = phone.locator("tr.ballot-card")
    expect(cards).to_have_count(5)
    box = cards.first.locator("input[type=number]").bounding_box()
    assert box["height"] >= 44  # a finger-sized target
    for i in range(5):
        cards.nth(i).locator("input[type=number]").fill("95" if i < 2 else "80")
    draft = phone.evaluate("JSON.stringify(window.localStorage)")
    assert "95" in draft and code.replace("-", "") not in draft.replace("-", "")  # kept, without the code
    _keep(shot(phone, "phone-ballot"))

    # Two 优秀 (≥ 90) where the rules allow one: refused, a message on each of the two lines.
    phone.get_by_role("button", name="提交选票").click()
    message = "评为“90 分及以上”的不能超过 1 个（本票已评 2 个），请调整"
    expect(phone.locator("tr.ballot-card.has-error")).to_have_count(2)
    expect(phone.locator("tr.ballot-card").nth(0).locator("p.error")).to_have_text(message)
    expect(phone.locator("tr.ballot-card").nth(1).locator("p.error")).to_have_text(message)
    expect(cards.nth(2).locator("input[type=number]")).to_have_value("80")  # what was entered is kept
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _keep(shot(phone, "phone-rule-message"))

    # Corrected (and one 不了解), it goes in; the draft is gone.
    cards.nth(1).locator("input[type=number]").fill("")
    cards.nth(1).locator("input[name^=unknown-]").check()
    phone.get_by_role("button", name="提交选票").click()
    expect(phone.locator("h1")).to_have_text("投票成功")
    assert "ballot-draft" not in phone.evaluate("JSON.stringify(Object.keys(window.localStorage))")
    _keep(shot(phone, "phone-voted"))
    phone_context.close()

    # The office's evaluation page on a phone: the session with its turnout, no sideways scroll.
    office.set_viewport_size({"width": 390, "height": 844})
    office.goto(f"/t/{slug}/ballots/{eid}")
    expect(office.locator("#sessions")).to_contain_text("服务对象代表 1/3")
    _keep(shot(office, "office-sessions-phone"))
    assert office.evaluate("document.documentElement.scrollWidth") <= 390, "the evaluation page scrolls sideways"
