"""Access to every route, walked from ``app.url_map``.

* Every endpoint declares a permission (or is explicitly public).
* Every tenant route, filled with ids that belong to *another* tenant and
  requested by each role of the first tenant, answers 404 and never shows
  the other tenant's data; routes without ids never show it either.
* Anonymous requests to tenant pages are sent to that tenant's login.
* Each role gets exactly what the permissions module says: 403 otherwise.

A new route whose URL has an argument this file does not know fails
``test_every_route_argument_has_an_owner``: add the argument to
``ARG_OWNERS`` so the route is probed too.
"""

from __future__ import annotations

import importlib
import re

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.models import User
from appraisal.platform.permissions import PUBLIC, can
from appraisal.platform.tenancy import tenant_scope
from tests.helpers import build_year, login

ROLES = ("office_admin", "sector_lead", "assessor", "unit_admin", "staff")

#: URL argument → (kind of object, model). Tenant B's ids are put there.
ARG_OWNERS = {
    "unit_id": ("unit", "appraisal.tenants.org.models:OrgUnit"),
    "person_id": ("person", "appraisal.tenants.org.models:Person"),
    "user_id": ("user", "appraisal.platform.models:User"),
    "cycle_id": ("cycle", "appraisal.tenants.cycles.models:Cycle"),
    "population_id": ("population", "appraisal.tenants.cycles.models:Population"),
    "appraisee_id": ("appraisee", "appraisal.tenants.cycles.models:Appraisee"),
    "item_id": ("letter_item", "appraisal.tenants.letters.models:LetterItem"),
    "scheme_id": ("scheme", "appraisal.tenants.schemes.models:Scheme"),
    "score_id": ("score", "appraisal.tenants.scoring.models:Score"),
    "claim_id": ("claim", "appraisal.tenants.scoring.models:AdjustmentClaim"),
    "veto_id": ("veto", "appraisal.tenants.scoring.models:Veto"),
    "notice_id": ("notice", "appraisal.tenants.scoring.models:DeductionNotice"),
    "score_file_id": ("score_file", "appraisal.tenants.evidence.models:Evidence"),
    "claim_file_id": ("claim_file", "appraisal.tenants.evidence.models:Evidence"),
    "veto_file_id": ("veto_file", "appraisal.tenants.evidence.models:Evidence"),
    "report_file_id": ("report_file", "appraisal.tenants.evidence.models:Evidence"),
    "evaluation_id": ("evaluation", "appraisal.tenants.ballots.models:Evaluation"),
    "session_id": ("session", "appraisal.tenants.ballots.models:BallotSession"),
    "fmt": ("qr_format", None),
    "appeal_id": ("appeal", "appraisal.tenants.results.models:Appeal"),
    "appeal_file_id": ("appeal_file", "appraisal.tenants.evidence.models:Evidence"),
    "token_id": ("api_token", "appraisal.tenants.api.models:ApiToken"),
    "template_key": ("template", None),
    "notification_id": ("notification", "appraisal.platform.notifications.models:Notification"),
}

#: Arguments that name things every tenant shares (the built-in templates): the
#: same value is valid everywhere, so they are probed for leaks, not for 404s.
SHARED_ARGS = {"template_key", "fmt"}

#: Endpoints that do not need a login (and so are not probed for 403s).
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.logout",
    "root.index",
    "root.healthz",
    "static",
    "operator.login",
    "operator.logout",
    "voting.code",  # a one-time code from a printed slip is the credential
    "api_docs.openapi",  # the API's OpenAPI document and its page: no tenant data
    "api_docs.page",
}


#: POST-only routes that read an object's id from the form rather than the URL:
#: form field → kind of object. The walker sends the first tenant's own object,
#: so the route reaches its permission check (403) rather than a missing id (404).
POST_FIELDS = {
    "schemes.adopt_for_unit": {"unit_id": "unit"},
}


def tenant_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/t/<tenant_slug>")]


def api_rules(app):
    """The REST API's routes: token-authenticated, walked by the tests at the end of this file."""
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/t/<tenant_slug>")]


_ARG_ORDER = list(ARG_OWNERS)


def _subject(endpoint: str, obj):
    """What the view judges: results are judged as "published or not, and whose"."""
    from appraisal.tenants.cycles.models import Population
    from appraisal.tenants.results.services import leaderboard

    if endpoint == "results.appraisee":
        return leaderboard.appraisee_subject(obj)
    if endpoint.startswith("results.") and isinstance(obj, Population):
        return leaderboard.population_subject(obj)
    if endpoint in ("results.notice", "results.export_cycle"):
        return leaderboard.PopulationResults(None, leaderboard.is_published(obj.id), "")
    return obj


def _allowed(user, endpoint: str, permission: str, obj, own_ids) -> bool:
    """Whether the permissions module lets ``user`` use ``endpoint`` on ``obj`` — as
    the view judges it: most on their (outermost) object, two on something else."""
    from appraisal.tenants.org.models import OrgUnit
    from appraisal.tenants.scoring import services as scoring

    if endpoint == "schemes.adopt_for_unit":  # on the unit the form names
        obj = db.session.get(OrgUnit, own_ids["unit"])
    if endpoint == "scoring.appraisee_save":  # cell by cell: may the user enter any of its cells?
        population = obj.population
        columns = scoring.scheme_columns(population) + scoring.item_columns(population, [obj.id]).get(obj.id, [])
        return any(can(user, permission, column.cell(obj)) for column in columns)
    return can(user, permission, _subject(endpoint, obj))


def _model(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


@pytest.fixture
def worlds(make_tenant, make_user):
    a = build_year(make_tenant("alpha", "甲市考核办"), make_user, prefix="A")
    b = build_year(make_tenant("beta", "乙市考核办"), make_user, prefix="B")
    for world, prefix in ((a, "A"), (b, "B")):
        world.markers = [f"{prefix}市财政局", f"{prefix}财政0号", f"{prefix}综合经济组", world.tenant.name]
        world.tokens = {}
        world.tokens["all"] = _api_token(world, "office_admin", name=f"{prefix}令牌")
        world.ids["api_token"] = world.tokens["all"][1]
    return a, b


def _object_ids(world) -> dict[str, int]:
    return {
        "unit": world.ids["depts"][0],
        "person": world.ids["people"][1],
        "user": world.users["staff"].id,
        "cycle": world.ids["cycle"],
        "population": world.ids["dept_pop"],
        "appraisee": world.ids["appraisee"],
        "letter_item": world.ids["letter_item"],
        "scheme": world.ids["scheme"],
        **{
            kind: world.ids[kind]
            for kind in (
                "score",
                "claim",
                "veto",
                "notice",
                "score_file",
                "claim_file",
                "veto_file",
                "report_file",
                "evaluation",
                "session",
                "appeal",
                "appeal_file",
                "api_token",
                "notification",
            )
        },
        "template": "A_municipal_departments",
        "qr_format": "svg",
    }


def _url(rule, slug: str, ids: dict[str, int]) -> str:
    values = {"tenant_slug": slug}
    for arg in rule.arguments - {"tenant_slug"}:
        values[arg] = ids[ARG_OWNERS[arg][0]]
    url = rule.rule
    for name, value in values.items():
        url = re.sub(r"<(?:[^:<>]+:)?" + name + r">", str(value), url)
    return url


def _body(response) -> str:
    """The text a person would see: HTML, or every cell of an Excel download."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from io import BytesIO

        from openpyxl import load_workbook

        wb = load_workbook(BytesIO(response.get_data()), read_only=True)
        return "\n".join(
            str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
        )
    return response.get_data(as_text=True)


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def _methods(rule) -> list[str]:
    """Every method a route answers that changes or shows something (not HEAD/OPTIONS)."""
    return sorted(rule.methods & {"GET", "POST"})


def _with_csrf(app, client, tenant) -> dict[str, str]:
    """Turn CSRF protection on (as in production) and return a valid, minimal POST
    body for this signed-in client: the token from a page, and nothing else. So a
    POST is refused by the route's own checks (404, 403), not by a missing token."""
    from tests.helpers import csrf_token_from

    app.config["WTF_CSRF_ENABLED"] = True
    return {"csrf_token": csrf_token_from(client.get(f"/t/{tenant.slug}/").get_data(as_text=True))}


def tenant_endpoints(app) -> set[str]:
    """Every tenant endpoint the walker must probe (the public ones are probed by their own tests)."""
    return {r.endpoint for r in tenant_rules(app)} - PUBLIC_ENDPOINTS


def test_every_endpoint_declares_a_permission(app):
    missing = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static":
            continue
        if not hasattr(view, "permission"):
            missing.append(rule.endpoint)
    assert not missing, f"endpoints without @requires/@public: {missing}"


def test_public_endpoints_are_the_expected_ones(app):
    public = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if getattr(app.view_functions[r.endpoint], "permission", None) == PUBLIC
    }
    assert public <= PUBLIC_ENDPOINTS, f"unexpected public endpoints: {public - PUBLIC_ENDPOINTS}"
    assert {"auth.login", "operator.login"} <= public


def test_every_route_argument_has_an_owner(app):
    unknown = {
        (r.endpoint, arg)
        for r in tenant_rules(app) + api_rules(app)
        for arg in r.arguments - {"tenant_slug"}
        if arg not in ARG_OWNERS
    }
    assert not unknown, f"add these URL arguments to ARG_OWNERS so they are probed: {unknown}"


def test_routes_with_ids_check_the_object(app):
    """A route that names an object must look it up (404) before deciding (403)."""
    coarse = [
        r.endpoint
        for r in tenant_rules(app) + api_rules(app)
        if r.arguments - {"tenant_slug"} - SHARED_ARGS
        and r.endpoint not in PUBLIC_ENDPOINTS
        and not getattr(app.view_functions[r.endpoint], "per_object", False)
    ]
    assert not coarse, f"routes with ids must use @requires(..., load=Model) or per_object=True: {coarse}"


def test_other_tenants_ids_are_404_for_every_role(app, worlds):
    """Every tenant route, by every method it answers (a POST with a valid CSRF token
    and an otherwise empty body), for every role, with tenant B's ids."""
    a, b = worlds
    b_ids = _object_ids(b)
    probed: set[str] = set()
    posts = 0
    for role in ROLES:
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        assert login(client, a.tenant, a.users[role]).status_code == 302
        body = _with_csrf(app, client, a.tenant)
        for rule in tenant_rules(app):
            if rule.endpoint in PUBLIC_ENDPOINTS:
                continue
            url = _url(rule, a.tenant.slug, b_ids)
            for method in _methods(rule):
                response = client.open(url, method=method, data=body if method == "POST" else None)
                text = _body(response)
                if rule.arguments - {"tenant_slug"} - SHARED_ARGS:
                    assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"
                else:
                    assert response.status_code in (200, 302, 303, 400, 403, 404, 422), (
                        f"{role} {method} {url}: {response.status_code}"
                    )
                for marker in b.markers:
                    assert marker not in text, f"{role} {method} {url} shows tenant B's {marker}"
                posts += method == "POST"
            probed.add(rule.endpoint)
    assert probed == tenant_endpoints(app), f"not probed: {tenant_endpoints(app) - probed}"
    assert posts >= len(ROLES) * 10


def test_anonymous_is_sent_to_login(app, worlds):
    a, _ = worlds
    client = app.test_client()
    for rule in tenant_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _url(rule, a.tenant.slug, _object_ids(a))
        response = client.open(url, method=_method(rule))
        assert response.status_code == 302, url
        assert f"/t/{a.tenant.slug}/login" in response.headers["Location"], url


def test_each_role_gets_what_its_permissions_say(app, worlds):
    """Own-tenant objects: allowed roles get a page (or a redirect), every other role
    403 — on a POST-only route too (a valid CSRF token, an otherwise empty body).
    An allowed POST is not sent: it would change the objects the walk goes on to judge."""
    a, _ = worlds
    own_ids = _object_ids(a)
    judged: dict[str, set[str]] = {}
    refused_posts = 0
    for role in ROLES:
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        login(client, a.tenant, a.users[role])
        body = _with_csrf(app, client, a.tenant)
        with tenant_scope(a.tenant):
            user = db.session.scalar(select(User).where(User.email == a.users[role].email))
            for rule in tenant_rules(app):
                view = app.view_functions[rule.endpoint]
                if rule.endpoint in PUBLIC_ENDPOINTS:
                    continue
                args = sorted(rule.arguments - {"tenant_slug"}, key=_ARG_ORDER.index)
                obj = None
                owned = [arg for arg in args if arg not in SHARED_ARGS]
                if owned:  # the permission is judged on the outermost object
                    kind, model = ARG_OWNERS[owned[0]]
                    obj = db.session.get(_model(model), own_ids[kind])
                allowed = _allowed(user, rule.endpoint, view.permission, obj, own_ids)
                judged.setdefault(role, set()).add(rule.endpoint)
                url = _url(rule, a.tenant.slug, own_ids)
                if _method(rule) == "GET":
                    status = client.get(url).status_code
                    if allowed:
                        assert status in (200, 302), f"{role} {rule.rule}: {status}"
                    else:
                        assert status == 403, f"{role} {rule.rule}: {status}"
                elif not allowed:
                    fields = {name: own_ids[kind] for name, kind in POST_FIELDS.get(rule.endpoint, {}).items()}
                    status = client.post(url, data={**body, **fields}).status_code
                    assert status == 403, f"{role} POST {rule.rule}: {status}"
                    refused_posts += 1
    for role in ROLES:
        assert judged[role] == tenant_endpoints(app), f"{role}: not judged {tenant_endpoints(app) - judged[role]}"
    assert refused_posts >= 20


def test_staff_is_refused_admin_pages(app, worlds):
    a, _ = worlds
    client = app.test_client()
    login(client, a.tenant, a.users["staff"])
    for url in ("/audit/", "/users/"):
        assert client.get(f"/t/alpha{url}").status_code == 403, url


# ---------------------------------------------------------------------------
# The REST API: a bearer token is the only credential; it acts for its creator,
# limited by its scopes. Another tenant's token or ids → 404, no token, a revoked
# or an expired one → 401 (a signed-in browser's cookie does not count), a token
# without the route's scope → 403, and each role's token gets what its rules say.
# ---------------------------------------------------------------------------

ALL_SCOPES = ["read:org", "read:results", "write:roster", "write:scores", "write:statistics"]


def _api_token(world, role: str, *, scopes=None, name: str = "令牌", expires_in_days: float = 30, revoked=False):
    """A token for ``world``'s user of ``role`` (written directly: only an office admin
    may create one through the service, but a creator may lose the role later)."""
    import secrets
    from datetime import timedelta

    from appraisal.platform.db import utcnow
    from appraisal.tenants.api.models import ApiToken
    from appraisal.tenants.api.services import hash_secret

    secret = "apr_" + secrets.token_urlsafe(30)
    with tenant_scope(world.tenant):
        token = ApiToken(
            name=name,
            prefix=secret[:10],
            token_hash=hash_secret(secret),
            scopes=list(scopes if scopes is not None else ALL_SCOPES),
            assessor_unit_id=world.ids["depts"][2],
            created_by_id=world.users[role].id,
            expires_at=utcnow() + timedelta(days=expires_in_days),
            revoked_at=utcnow() if revoked else None,
        )
        db.session.add(token)
        db.session.commit()
        return secret, token.id


def _api_url(rule, slug: str, ids: dict) -> str:
    return "/api/v1" + _url(_Shifted(rule), slug, ids)


class _Shifted:
    """An API rule seen as a tenant rule (its path without /api/v1), for ``_url``."""

    def __init__(self, rule) -> None:
        self.rule = rule.rule.removeprefix("/api/v1")
        self.arguments = rule.arguments


def _api_method(rule) -> str:
    return "GET" if "GET" in rule.methods else "PUT" if "PUT" in rule.methods else "POST"


def _call(client, rule, url: str, secret: str | None = None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.open(url, method=_api_method(rule), headers=headers, json={})


def _publish(world) -> None:
    from datetime import date

    from appraisal.tenants.results.models import Publication

    with tenant_scope(world.tenant):
        db.session.add(
            Publication(
                cycle_id=world.ids["cycle"], publicity_ends_on=date(2027, 1, 7), appeals_end_on=date(2027, 1, 17)
            )
        )
        db.session.commit()


def test_api_routes_are_walked(app):
    names = {r.endpoint for r in api_rules(app)}
    assert {"api.units", "api.people", "api.cycles", "api.roster", "api.statistics", "api.scores"} <= names
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "scope", None) in ALL_SCOPES, f"{rule.endpoint} declares no token scope"


def test_api_refuses_without_a_valid_token_of_this_tenant(app, worlds):
    a, b = worlds
    own = _object_ids(a)
    revoked, _ = _api_token(a, "office_admin", revoked=True, name="撤销")
    expired, _ = _api_token(a, "office_admin", expires_in_days=-1, name="过期")
    b_secret = b.tokens["all"][0]
    browser = app.test_client()
    assert login(browser, a.tenant, a.users["office_admin"]).status_code == 302
    client = app.test_client()
    for rule in api_rules(app):
        url = _api_url(rule, a.tenant.slug, own)
        for secret, why in (
            (None, "no token"),
            (revoked, "revoked"),
            (expired, "expired"),
            ("apr_nonsense", "unknown"),
        ):
            response = _call(client, rule, url, secret)
            assert response.status_code == 401, f"{why} {url}: {response.status_code}"
            assert response.mimetype == "application/problem+json"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        response = _call(browser, rule, url)  # signed in on the pages: the cookie is not a credential
        assert response.status_code == 401, f"cookie {url}: {response.status_code}"
        response = _call(client, rule, url, b_secret)
        assert response.status_code == 404, f"tenant B's token {url}: {response.status_code}"
        for marker in b.markers + a.markers:
            assert marker not in response.get_data(as_text=True)


def test_api_other_tenants_ids_are_404(app, worlds):
    a, b = worlds
    b_ids = _object_ids(b)
    secret = a.tokens["all"][0]
    client = app.test_client()
    probed = 0
    for rule in api_rules(app):
        url = _api_url(rule, a.tenant.slug, b_ids)
        response = _call(client, rule, url, secret)
        if rule.arguments - {"tenant_slug"}:
            assert response.status_code == 404, f"{url}: {response.status_code}"
            probed += 1
        for marker in b.markers:
            assert marker not in response.get_data(as_text=True), f"{url} shows tenant B's {marker}"
    assert probed >= 4


def test_api_token_without_the_scope_is_403(app, worlds):
    a, _ = worlds
    own = _object_ids(a)
    client = app.test_client()
    for rule in api_rules(app):
        scope = app.view_functions[rule.endpoint].scope
        secret, _id = _api_token(a, "office_admin", scopes=[s for s in ALL_SCOPES if s != scope], name=f"无{scope}")
        response = _call(client, rule, _api_url(rule, a.tenant.slug, own), secret)
        assert response.status_code == 403, f"{rule.rule} without {scope}: {response.status_code}"
        assert response.mimetype == "application/problem+json"


def test_api_each_roles_token_gets_what_its_permissions_say(app, worlds):
    """A token acts for its creator: the page rules judge the creator, object by object."""
    a, _ = worlds
    _publish(a)
    own = _object_ids(a)
    client = app.test_client()
    for role in ROLES:
        secret, _id = _api_token(a, role, name=f"{role}令牌")
        with tenant_scope(a.tenant):
            user = db.session.scalar(select(User).where(User.email == a.users[role].email))
            for rule in api_rules(app):
                view = app.view_functions[rule.endpoint]
                args = sorted(rule.arguments - {"tenant_slug"}, key=_ARG_ORDER.index)
                obj = None
                if args:
                    kind, model = ARG_OWNERS[args[0]]
                    obj = db.session.get(_model(model), own[kind])
                allowed = can(user, view.permission, _api_subject(rule.endpoint, obj))
                response = _call(client, rule, _api_url(rule, a.tenant.slug, own), secret)
                if allowed:  # a write with an empty body: refused by validation, or an empty roster
                    expected = (200,) if _api_method(rule) == "GET" else (200, 422)
                    assert response.status_code in expected, f"{role} {rule.rule}: {response.status_code}"
                else:
                    assert response.status_code == 403, f"{role} {rule.rule}: {response.status_code}"


def _api_subject(endpoint: str, obj):
    from appraisal.tenants.results.services import leaderboard

    if endpoint == "api.breakdown":
        return leaderboard.appraisee_subject(obj)
    if endpoint == "api.population_results":
        return leaderboard.population_subject(obj)
    return obj
