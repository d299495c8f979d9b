"""Browser tests: Playwright for Python driving Debian's Chromium (no browser
download) against the app served by werkzeug in a thread, on the test database.

Every test here is marked ``browser``. Without /usr/bin/chromium or the
playwright package the module is skipped — unless REQUIRE_SERVICES=1 (CI),
when that is a failure.

The data of each test is made with the services (as ``tests/tenants``
do), up to the point where the test's people take over in the browser.
Screenshots (full page) go to ``test-artifacts/screens/<test>-<step>.png``.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import PASSWORD, REQUIRE_SERVICES, Ref, build_year_objects

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's; never a downloaded browser
ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "test-artifacts" / "screens"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--lang=zh-CN",
]  # the browser's own widgets (date inputs) in Chinese, as the users have them
#: Ports Chromium refuses to connect to (net::ERR_UNSAFE_PORT), from net/base/port_util.cc.
UNSAFE_PORTS = {
    1,
    7,
    9,
    11,
    13,
    15,
    17,
    19,
    20,
    21,
    22,
    23,
    25,
    37,
    42,
    43,
    53,
    69,
    77,
    79,
    87,
    95,
    101,
    102,
    103,
    104,
    109,
    110,
    111,
    113,
    115,
    117,
    119,
    123,
    135,
    137,
    139,
    143,
    161,
    179,
    389,
    427,
    465,
    512,
    513,
    514,
    515,
    526,
    530,
    531,
    532,
    540,
    548,
    554,
    556,
    563,
    587,
    601,
    636,
    989,
    990,
    993,
    995,
    1719,
    1720,
    1723,
    2049,
    3659,
    4045,
    4190,
    5060,
    5061,
    6000,
    6566,
    6665,
    6666,
    6667,
    6668,
    6669,
    6679,
    6697,
    10080,
}


def _missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def require_browser() -> None:
    """At the top of each test module, before importing playwright: skip the
    module when the browser or the package is missing — a failure with
    REQUIRE_SERVICES=1 (CI must run these)."""
    reason = _missing()
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"browser tests required (REQUIRE_SERVICES=1): {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    reason = _missing()
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if reason and not REQUIRE_SERVICES:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    monkeypatch.setattr("appraisal.platform.models.PASSWORD_METHOD", "pbkdf2:sha256:1000")


# ---------------------------------------------------------------------------
# The app (CSRF on: the real forms are exercised), served in a thread
# ---------------------------------------------------------------------------


@pytest.fixture
def app(app_factory):
    """Overrides tests/conftest.py's ``app``: the factories and the server share it."""
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


@pytest.fixture
def live_server(app):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    for _attempt in range(20):
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        if server.server_port not in UNSAFE_PORTS:
            break
        server.server_close()
    else:  # pragma: no cover
        pytest.fail("no port Chromium accepts")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    from appraisal.platform.db import db

    db.session.remove()  # nothing of the test's own holds the (SQLite) database while the browser works
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"browser tests required (REQUIRE_SERVICES=1): {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield browser
    browser.close()
    playwright.stop()


# ---------------------------------------------------------------------------
# People in the browser
# ---------------------------------------------------------------------------


class Screens:
    """``shot(page, "step")`` → test-artifacts/screens/<test>-<nn>-<step>.png."""

    def __init__(self, test_name: str):
        self.prefix = re.sub(r"[^\w-]+", "_", test_name).removeprefix("test_")
        self.count = 0
        self.saved: list[Path] = []
        SCREENS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = SCREENS / f"{self.prefix}-{self.count:02d}-{step}.png"
        page.evaluate("window.scrollTo(0, 0)")  # else the sticky top bar is drawn where the page was scrolled to
        page.screenshot(path=str(path), full_page=True)
        self.saved.append(path)
        return path


@pytest.fixture
def shot(request):
    return Screens(request.node.name)


@pytest.fixture
def people(browser, live_server):
    """``people.new_page()`` (signed out) and ``people.login(slug, email)``: one
    browser context (cookies) per person, Chinese locale, confirm dialogs accepted.
    A script the Content-Security-Policy refuses fails the test."""
    contexts = []
    refused: list[str] = []

    class People:
        base = live_server
        csp_refusals = refused  # a test that provokes a refusal on purpose empties it

        def new_page(self):
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860}, base_url=live_server)
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            page.on(
                "console",
                lambda message: (
                    refused.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
                ),
            )
            return page

        def login(self, slug: str, email: str, password: str = PASSWORD):
            page = self.new_page()
            page.goto(f"/t/{slug}/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", password)
            page.click("form button[type=submit]")
            page.wait_for_url(re.compile(rf"/t/{slug}/?$"))
            return page

    yield People()
    for context in contexts:
        context.close()
    assert not refused, "\n".join(refused)


# ---------------------------------------------------------------------------
# The data: a small city, tests/helpers.py's year (without its letter item
# and ready-made scoring objects), with named accounts and a voter
# ---------------------------------------------------------------------------


@dataclass
class City:
    tenant: object
    slug: str
    ids: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def email(self, role: str) -> str:
        return self.users[role].email


#: The browser city's people are named by their post (财政局长, 财政科长, 财政科员).
POSTS = ("局长", "科长", "科员")


def _post_name(prefix: str, unit, j: int) -> str:
    return f"{prefix}{unit.name[1:3]}{POSTS[j]}"


def build_city(tenant, make_user, departments=None) -> City:
    """tests/helpers.py's small year (``build_year_objects``: the organisation, schemes A
    and C, the 2026 cycle in target setting and its two populations), its people named
    by their post, with named accounts and a voter who has one. ``departments``: other
    (name, sector group) pairs than the helpers' five."""
    from sqlalchemy import select

    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Appraisee
    from appraisal.tenants.org.models import Person

    city = City(tenant=tenant, slug=tenant.slug)
    with tenant_scope(tenant):
        made = build_year_objects(person_name=_post_name, county_for_units=False, departments=departments)
        appraisees = {
            a.name: a.id
            for a in db.session.scalars(select(Appraisee).where(Appraisee.population_id == made.dept_pop.id))
        }
        db.session.commit()
        city.ids = {
            "office": made.office.id,
            "sg1": made.groups["SG1"].id,
            "sg2": made.groups["SG2"].id,
            "depts": {d.name: d.id for d in made.depts},
            "people": {(p.unit.name, k % 3): p.id for k, p in enumerate(made.people)},
            "cycle": made.cycle.id,
            "dept_pop": made.dept_pop.id,
            "staff_pop": made.staff_pop.id,
            "appraisees": appraisees,
        }
    tag = uuid.uuid4().hex[:4]
    city.users = {
        "office_admin": make_user(tenant, "office_admin", email=f"office-{tag}@example.cn", name="考核办王主任"),
        "sector_lead": make_user(
            tenant, "sector_lead", unit=Ref(city.ids["sg1"]), email=f"lead-{tag}@example.cn", name="综合经济组李组长"
        ),
        "assessor": make_user(
            tenant,
            "assessor",
            unit=Ref(city.ids["depts"]["市委组织部"]),
            email=f"assessor-{tag}@example.cn",
            name="组织部张科长",
        ),
        "unit_admin": make_user(
            tenant,
            "unit_admin",
            unit=Ref(city.ids["depts"]["市财政局"]),
            email=f"unit-{tag}@example.cn",
            name="财政局赵管理员",
        ),
        "voter": make_user(tenant, "staff", email=f"voter-{tag}@example.cn", name="财政科长"),
    }
    with tenant_scope(tenant):
        db.session.get(Person, city.ids["people"][("市财政局", 1)]).user_id = city.users["voter"].id
        db.session.commit()
    return city


@pytest.fixture
def city(make_tenant, make_user):
    return build_city(make_tenant("zz", "枣庄市考核办"), make_user)


@pytest.fixture
def page_as(people, city):
    """``page_as("unit_admin")``: a page signed in, through the login form, as that person of ``city``."""

    def open_as(role: str):
        return people.login(city.slug, city.email(role))

    return open_as


def move_to(city: City, phase_value: str) -> None:
    """Move the cycle forward, phase by phase, to ``phase_value`` (services, no UI)."""
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.cycles.models import Cycle, Phase

    target = Phase(phase_value)
    with tenant_scope(city.tenant):
        cycle = db.session.get(Cycle, city.ids["cycle"])
        for p in Phase.ordered()[cycle.phase.index + 1 : target.index + 1]:
            cycles.move_phase(cycle, p)
        db.session.commit()
    db.session.remove()
