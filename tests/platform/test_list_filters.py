"""Every page, with every filter it offers, as every role: never a 500.

For each role the walk starts at every GET page of the tenant (ids filled with
the tenant's own objects, as in ``test_access``), then follows what a person
can click or submit without changing anything:

* each link to a tenant page that carries a query string (filters, the year
  switcher, "back to the list", exports, paging);
* each ``<form method="get">``: submitted as shown, and once for every option
  of every select, every checkbox ticked, every text/date box filled.

Anything the pages produce is walked again (three levels deep), so a link that
only appears on a filtered page (the export link of a filtered list) is
requested too. The assertion is only "no server error": what each role may
see is ``test_access``'s business.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from tests.helpers import build_year, login
from tests.platform.test_access import PUBLIC_ENDPOINTS, ROLES, _api_token, _method, _object_ids, _url, tenant_rules

#: Links that change the session rather than show a page.
SKIP_PATHS = ("/logout",)
SAMPLE = {"search": "市", "text": "市", "date": "2026-01-01", "number": "1", "month": "2026-01"}


class _Page(HTMLParser):
    """The query-string links and the GET forms of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href") and "?" in a["href"]:
            self.links.append(a["href"])
        elif tag == "form":
            if (a.get("method") or "get").lower() == "get":
                self._form = {"action": a.get("action") or "", "fields": []}
                self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "kind": "select", "options": [], "value": None}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["options"].append(value)
            if "selected" in a or self._select["value"] is None:
                self._select["value"] = value
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "password"):
                return
            self._form["fields"].append(
                {"name": a["name"], "kind": kind, "value": a.get("value") or "", "checked": "checked" in a}
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _form_urls(page_url: str, form: dict) -> list[str]:
    action = urljoin(page_url, form["action"]) if form["action"] else page_url.split("?")[0]
    fields = form["fields"]

    def shown(f):
        if f["kind"] in ("checkbox", "radio"):
            return f["value"] or "on" if f["checked"] else None
        return f["value"]

    def build(overrides: dict) -> str:
        pairs = []
        for f in fields:
            value = overrides.get(f["name"], shown(f))
            if value is not None:
                pairs.append((f["name"], value))
        return f"{action}?{urlencode(pairs)}"

    urls = [build({})]
    for f in fields:
        if f["kind"] == "select":
            urls += [build({f["name"]: option}) for option in f["options"]]
        elif f["kind"] in ("checkbox", "radio"):
            urls.append(build({f["name"]: f["value"] or "on"}))
        elif f["kind"] != "hidden":
            urls.append(build({f["name"]: SAMPLE.get(f["kind"], "1")}))
    return urls


def _walk(client, start: list[str], prefix: str, depth: int = 3) -> tuple[int, list[str]]:
    seen: set[str] = set()
    failures: list[str] = []
    frontier = list(start)
    for _ in range(depth):
        found: list[str] = []
        for url in frontier:
            if url in seen:
                continue
            seen.add(url)
            try:
                response = client.get(url)
            except Exception as exc:  # the test client re-raises what the app raised
                failures.append(f"{url}: {type(exc).__name__}: {exc}")
                continue
            if response.status_code >= 500:
                failures.append(f"{url}: {response.status_code}")
                continue
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = _Page()
            page.feed(response.get_data(as_text=True))
            for href in page.links:
                target = urljoin(url, href)
                path = urlsplit(target).path
                if path.startswith(prefix) and not path.endswith(SKIP_PATHS):
                    found.append(urlsplit(target)._replace(scheme="", netloc="").geturl())
            for form in page.forms:
                for target in _form_urls(url, form):
                    if urlsplit(target).path.startswith(prefix):
                        found.append(target)
        frontier = found
    return len(seen), failures


def _publish(world) -> None:
    """The year computed and published: results, appeals and the notice have something to show."""
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.cycles.models import Cycle, Phase, Population
    from appraisal.tenants.results import services
    from appraisal.tenants.results.services import publication

    with tenant_scope(world.tenant):
        cycle = db.session.get(Cycle, world.ids["cycle"])
        for phase in (Phase.TRACKING, Phase.SCORING, Phase.COMPUTING):
            cycles.move_phase(cycle, phase)
        for key in ("dept_pop", "staff_pop"):
            services.request_compute(db.session.get(Population, world.ids[key]))
        publication.publish(cycle, publicity_days=5, appeal_days=10, answer_days=10)
        db.session.commit()


@pytest.mark.parametrize("stage", ["target_setting", "published"])
def test_every_page_with_every_filter_as_every_role(app, make_tenant, make_user, stage):
    world = build_year(make_tenant("alpha", "甲市考核办"), make_user, prefix="A")
    world.ids["api_token"] = _api_token(world, "office_admin")[1]  # the token pages are walked too
    if stage == "published":
        _publish(world)
    ids = _object_ids(world)
    prefix = f"/t/{world.tenant.slug}/"
    start = [
        _url(rule, world.tenant.slug, ids)
        for rule in tenant_rules(app)
        if rule.endpoint not in PUBLIC_ENDPOINTS and _method(rule) == "GET"
    ]
    failures, walked = [], 0
    for role in ROLES:
        client = app.test_client()
        assert login(client, world.tenant, world.users[role]).status_code == 302
        count, failed = _walk(client, start, prefix)
        walked += count
        failures += [f"{role} {f}" for f in failed]
    assert walked > len(start) * len(ROLES), "the walk found no filters to try"
    assert not failures, "server errors:\n" + "\n".join(failures)


#: Query arguments no form offers but anyone can type: url_for's own options and the
#: URL's arguments. A page that copies its query into a link must not pass them on.
ODD_ARGS = "_scheme=javascript&_external=&_anchor=x&_method=POST&tenant_slug=beta&cycle_id=1&population_id=1&page=2"


def test_list_pages_ignore_odd_query_arguments(app, make_tenant, make_user):
    world = build_year(make_tenant("alpha", "甲市考核办"), make_user, prefix="A")
    client = app.test_client()
    assert login(client, world.tenant, world.users["office_admin"]).status_code == 302
    failures = []
    for rule in tenant_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or _method(rule) != "GET" or rule.arguments - {"tenant_slug"}:
            continue
        url = f"{_url(rule, world.tenant.slug, {})}?{ODD_ARGS}"
        try:
            response = client.get(url)
        except Exception as exc:
            failures.append(f"{url}: {type(exc).__name__}: {exc}")
            continue
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        elif response.mimetype == "text/html" and "javascript:" in response.get_data(as_text=True):
            failures.append(f"{url}: a javascript: link")
    assert not failures, "\n".join(failures)
