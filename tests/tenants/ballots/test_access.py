"""Who may use which democratic-evaluation screen: every route, every role,
another tenant's ids, anonymous visitors, and the public code page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Ballot, Evaluation, RaterGroup, SealedBallot
from tests.helpers import login
from tests.tenants.ballots.conftest import ROLES, group_id, make_evaluation

#: sample form data for the POSTs (CSRF is off in tests; the code page is tested with it on)
POST_DATA = {
    "ballots.new": {
        "title": "新测评",
        "population_id": "1",
        "owner_unit_id": "0",
        "scale": "score",
        "min_group_size": "3",
        "small_group_policy": "merge",
    },
    "ballots.edit": {"title": "改名", "scale": "score", "min_group_size": "3", "small_group_policy": "merge"},
    "ballots.voters_add_unit": {"unit-unit_id": "1", "unit-group_none": "1"},
    "ballots.voters_add_person": {"one-staff_no": "K1", "one-group_id": "1"},
    "ballots.voters_remove": {"voter_id": "1"},
    "ballots.codes": {"anon-group_id": "1", "anon-count": "2"},
    "ballots.codes_named": {"named-group_id": "1"},
    "ballots.known_group": {"group_id": "1", "known": "1", "confirm": "y"},
    "ballots.open": {},
    "ballots.close": {},
    "ballots.sessions_departments": {"sessions-group_none": "1"},
    "ballots.session_open": {},
    "ballots.session_close": {},
    "ballots.session_time": {"closes_at": "2026-12-04T15:30"},
    "voting.ballot": {},
}
GET_ONLY = {
    "ballots.index",
    "ballots.evaluation",
    "ballots.turnout_json",
    "ballots.voters",
    "ballots.results",
    "ballots.projector",
    "ballots.session_turnout",
    "ballots.session_qr",
    "voting.mine",
}
PUBLIC = {"voting.code"}


def feature_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("ballots", "voting")), key=lambda r: r.rule
    )


def fill(rule, slug: str, evaluation_id: int) -> str:
    """The rule's URL for ``evaluation_id`` (and its first session, a QR as SVG)."""
    url = rule.rule.replace("<tenant_slug>", slug).replace("<fmt>", "svg")
    if "<int:session_id>" in url:
        session_id = db.session.execute(
            text("SELECT min(id) FROM ballot_sessions WHERE evaluation_id = :e"), {"e": evaluation_id}
        ).scalar()
        url = url.replace("<int:session_id>", str(session_id or 0))
    return re.sub(r"<(?:int:)?evaluation_id>", str(evaluation_id), url)


@pytest.fixture
def evaluations(city, other):
    """An office evaluation (county) and a unit evaluation (agency, run by 市财政局) in
    each tenant, open, with one ballot."""
    made = {}
    for world in (city, other):
        office = make_evaluation(world)
        unit = make_evaluation(world, population="agency", owner="d1")
        made[world.slug] = {"office": office, "unit": unit}
    return made


def test_every_route_is_probed_and_declared(app):
    endpoints = {r.endpoint for r in feature_rules(app)}
    assert endpoints == set(POST_DATA) | GET_ONLY | PUBLIC, "a new ballots route needs its access cases here"
    for rule in feature_rules(app):
        view = app.view_functions[rule.endpoint]
        assert rule.arguments <= {"tenant_slug", "evaluation_id", "session_id", "fmt"}, rule
        if rule.endpoint in PUBLIC:
            assert view.permission == "public"
            assert rule.arguments == {"tenant_slug"}  # a public page names nothing
        elif "evaluation_id" in rule.arguments:
            assert view.per_object, rule.endpoint


@pytest.mark.parametrize("role", ROLES)
def test_another_tenants_evaluations_are_404_for_every_role(app, city, other, evaluations, role):
    client = app.test_client()
    login(client, city.tenant, city.users[role])
    with tenant_scope(other.tenant):
        state = sorted(db.session.scalars(select(Ballot.id)))
        titles = set(db.session.scalars(select(Evaluation.title)))
    probed = 0
    for rule in feature_rules(app):
        if "evaluation_id" not in rule.arguments:
            continue
        for which in ("office", "unit"):
            url = fill(rule, "city", evaluations["other"][which])
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(url, method=method, data=POST_DATA.get(rule.endpoint, {}))
                assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"
                body = response.get_data(as_text=True)
                assert not any(t in body for t in titles) and "B局长甲" not in body
                probed += 1
    assert probed >= 2 * 18
    with tenant_scope(other.tenant):
        assert sorted(db.session.scalars(select(Ballot.id))) == state
    # another tenant's cycle in the query string is a 404 too
    if role in ("office_admin", "unit_admin"):
        assert client.get(f"/t/city/ballots/?cycle={other.ids['cycle']}").status_code == 404


EXPECTED_MANAGE = {  # role → may manage the office evaluation, the unit (市财政局) evaluation
    "office_admin": (True, True),
    "unit_admin": (False, True),
    "sector_lead": (False, False),
    "assessor": (False, False),
    "staff": (False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_permissions_say(app, city, other, evaluations, role):
    client = app.test_client()
    login(client, city.tenant, city.users[role])
    office_ok, unit_ok = EXPECTED_MANAGE[role]
    for rule in feature_rules(app):
        if "GET" not in rule.methods or rule.endpoint in PUBLIC:
            continue
        if "evaluation_id" not in rule.arguments:
            status = client.get(fill(rule, "city", 0)).status_code
            allowed = rule.endpoint == "voting.mine" or office_ok or unit_ok
            assert status == (200 if allowed else 403) or (allowed and status == 302), f"{role} {rule.rule}: {status}"
            continue
        for which, ok in (("office", office_ok), ("unit", unit_ok)):
            status = client.get(fill(rule, "city", evaluations["city"][which])).status_code
            if rule.endpoint == "voting.ballot":  # every user may ask; a non-voter is sent back to the list
                assert status in (200, 302), f"{role} {rule.rule}: {status}"
            elif ok:
                assert status in (200, 302), f"{role} {which} {rule.rule}: {status}"
            else:
                assert status == 403, f"{role} {which} {rule.rule}: {status}"


def test_posts_by_a_wrong_role_change_nothing(app, city, evaluations):
    client = app.test_client()
    login(client, city.tenant, city.users["unit_admin"])
    office = evaluations["city"]["office"]
    for endpoint in ("close", "codes", "voters_remove", "edit"):
        response = client.post(
            f"/t/city/ballots/{office}/{endpoint.replace('voters_remove', 'voters/remove')}",
            data=POST_DATA[f"ballots.{endpoint}"],
        )
        assert response.status_code == 403, endpoint
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, office)
        assert evaluation.is_open and evaluation.title != "改名"


def test_anonymous_visitors_are_sent_to_login(app, city, evaluations):
    client = app.test_client()
    for rule in feature_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        url = fill(rule, "city", evaluations["city"]["office"])
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, f"{method} {url}"
            assert "/t/city/login" in response.headers["Location"]


# ---------------------------------------------------------------------------
# The public code page
# ---------------------------------------------------------------------------


def _slips(world, evaluation_id: int, count: int = 3) -> list[str]:
    with tenant_scope(world.tenant):
        evaluation = db.session.get(Evaluation, evaluation_id)
        group = db.session.get(RaterGroup, group_id(world, evaluation_id, "outside"))
        # at least the minimum: a smaller group (its voters identifiable) is refused while open
        slips = services.generate_codes(evaluation, group, max(count, evaluation.min_group_size))
        db.session.commit()
        return [s.code for s in slips][:count]


def _names_and_titles(world) -> list[str]:
    with tenant_scope(world.tenant):
        from appraisal.tenants.org.models import Person

        return list(db.session.scalars(select(Evaluation.title))) + list(db.session.scalars(select(Person.name)))


def test_the_code_page_is_public_but_shows_nothing_without_a_valid_code(app, city, other, evaluations):
    client = app.test_client()
    secrets_ = _names_and_titles(city) + _names_and_titles(other)
    page = client.get("/t/city/vote")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    for data in ({"code": "ABCDE-FGHJK"}, {"code": ""}, {"code": "x" * 30}, {"code": "ABCDEFGHJK", "cast": "1"}):
        response = client.post("/t/city/vote", data=data)
        assert response.status_code == 422, data
        body = response.get_data(as_text=True)
        assert not any(s in body for s in secrets_), data
    # a valid code of another tenant is not a code here
    foreign = _slips(other, evaluations["other"]["office"], 1)[0]
    response = client.post("/t/city/vote", data={"code": foreign})
    assert response.status_code == 422
    assert not any(s in response.get_data(as_text=True) for s in secrets_)


def test_a_code_opens_its_own_ballot_once(app, city, evaluations):
    office = evaluations["city"]["office"]
    code = _slips(city, office, 1)[0]
    client = app.test_client()
    response = client.post("/t/city/vote", data={"code": code.lower()})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "县级干部民主测评" in body and "财政局干部民主测评" not in body  # only this evaluation
    assert all(name in body for name in ("局长甲", "副局长乙", "副局长丙", "统计局长"))
    assert "科员1" not in body
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, office)
        voter = services.voter_for_code(code)
        appraisees = [r.appraisee.id for r in services.ballot_sheet(evaluation, voter)]
    data = {"code": code, "cast": "1", **{f"score-{a}": "88" for a in appraisees}}
    incomplete = dict(data)
    incomplete.pop(f"score-{appraisees[0]}")
    assert client.post("/t/city/vote", data=incomplete).status_code == 422
    done = client.post("/t/city/vote", data=data)
    assert done.status_code == 200 and "投票成功" in done.get_data(as_text=True)
    again = client.post("/t/city/vote", data=data)
    assert again.status_code == 422 and "投票码无效或已使用" in again.get_data(as_text=True)
    with tenant_scope(city.tenant):
        # cast: sealed until the close
        assert db.session.scalar(select(SealedBallot.id).where(SealedBallot.evaluation_id == office).limit(1))


def test_wrong_codes_are_rate_limited_per_address(app_factory, city, evaluations):
    limited = app_factory(VOTE_CODE_LIMIT_ADDRESS="3 per 15 minutes")
    good = _slips(city, evaluations["city"]["office"], 1)[0]
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/t/city/vote", data={"code": "ABCDE-FGHJK"}).status_code == 422
    blocked = client.post("/t/city/vote", data={"code": good})
    assert blocked.status_code == 429  # even a good code waits: the address is blocked
    assert "县级干部民主测评" not in blocked.get_data(as_text=True)
    # another address is not affected, and the sign-in throttle is a separate count
    other_client = limited.test_client()
    assert (
        other_client.post("/t/city/vote", data={"code": good}, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        == 200
    )
    assert login(client, city.tenant, city.users["staff"]).status_code == 302


def test_a_meeting_room_still_votes_after_30_wrong_codes(app_factory, city, evaluations):
    """One address (the room's NAT), default limits: 30 mistyped codes, then
    every valid code still opens its ballot and votes."""
    room = app_factory()
    codes = _slips(city, evaluations["city"]["office"], 3)
    client = room.test_client()
    for i in range(30):
        assert client.post("/t/city/vote", data={"code": f"ABCDE-FGH{i:02d}"}).status_code == 422
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, evaluations["city"]["office"])
        appraisees = [r.appraisee.id for r in services.ballot_sheet(evaluation, services.voter_for_code(codes[0]))]
    for code in codes:
        opened = client.post("/t/city/vote", data={"code": code})
        assert opened.status_code == 200 and "县级干部民主测评" in opened.get_data(as_text=True)
        done = client.post("/t/city/vote", data={"code": code, "cast": "1", **{f"score-{a}": "90" for a in appraisees}})
        assert done.status_code == 200 and "投票成功" in done.get_data(as_text=True)


def test_wrong_codes_on_one_tenant_do_not_block_another(app_factory, make_tenant, city, evaluations):
    limited = app_factory(VOTE_CODE_LIMIT_ADDRESS="3 per 15 minutes")
    client = limited.test_client()
    other = make_tenant("spam")
    for _ in range(3):
        assert client.post(f"/t/{other.slug}/vote", data={"code": "ABCDE-FGHJK"}).status_code == 422
    assert client.post(f"/t/{other.slug}/vote", data={"code": "ABCDE-FGHJK"}).status_code == 429
    good = _slips(city, evaluations["city"]["office"], 1)[0]
    assert client.post("/t/city/vote", data={"code": good}).status_code == 200


def test_the_code_page_needs_the_csrf_token(app_factory, city, evaluations):
    protected = app_factory(WTF_CSRF_ENABLED=True)
    code = _slips(city, evaluations["city"]["office"], 1)[0]
    client = protected.test_client()
    response = client.post("/t/city/vote", data={"code": code})
    assert response.status_code == 400
    page = client.get("/t/city/vote").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/t/city/vote", data={"code": code, "csrf_token": token})
    assert response.status_code == 200 and "县级干部民主测评" in response.get_data(as_text=True)


def test_a_signed_in_non_voter_is_sent_back(app, city, evaluations):
    client = app.test_client()
    login(client, city.tenant, city.users["sector_lead"])  # no person record: votes in nothing
    response = client.get(f"/t/city/my-evaluations/{evaluations['city']['office']}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/city/my-evaluations")
    assert (
        client.post(f"/t/city/my-evaluations/{evaluations['city']['office']}", data={"score-1": "90"}).status_code
        == 303
    )
    with tenant_scope(city.tenant):
        assert not db.session.scalars(select(Ballot)).all()
    mine = client.get("/t/city/my-evaluations")
    assert mine.status_code == 200 and "目前没有需要您参加的民主测评" in mine.get_data(as_text=True)


def test_a_valid_code_outside_the_scoring_phase_says_why(app_factory, city):
    from appraisal.tenants.cycles.models import Phase

    limited = app_factory(LOGIN_LIMIT_ADDRESS="1 per 15 minutes")
    eid = make_evaluation(city, phase=Phase.TRACKING)
    code = _slips(city, eid, 1)[0]
    client = limited.test_client()
    for _ in range(2):  # the reason, not a wrong-code count: a second try is not blocked
        response = client.post("/t/city/vote", data={"code": code})
        assert response.status_code == 422 and "年终评分" in response.get_data(as_text=True)


def test_the_known_group_switch_refuses_wrong_roles_foreign_groups_and_an_unconfirmed_warning(
    app, city, other, evaluations, as_role
):
    office_eid, unit_eid = evaluations["city"]["office"], evaluations["city"]["unit"]
    principal = group_id(city, office_eid, "principal")
    url = f"/t/city/ballots/{office_eid}/known-group"
    confirmed = {"group_id": principal, "known": "1", "confirm": "y"}

    def known() -> bool:
        with tenant_scope(city.tenant):
            return db.session.get(RaterGroup, principal).known_voters

    for role in ("unit_admin", "sector_lead", "assessor", "staff"):  # none manages the office's evaluation
        assert as_role(role).post(url, data=confirmed).status_code == 403, role
    office = as_role("office_admin")
    # a group of another tenant, or of another evaluation of this tenant: not found
    foreign = group_id(other, evaluations["other"]["office"], "principal")
    assert office.post(url, data={**confirmed, "group_id": foreign}).status_code == 404
    assert office.post(url, data={**confirmed, "group_id": group_id(city, unit_eid, "principal")}).status_code == 404
    for garbage in ("", "x", "99999999999999999999"):
        assert office.post(url, data={**confirmed, "group_id": garbage}).status_code == 404, garbage
    # without the confirmation: back to the evaluation page, which says why
    refused = office.post(url, data={"group_id": principal, "known": "1"}, follow_redirects=True)
    assert refused.status_code == 200
    assert "请先确认：记名组“主要领导”的投票人可被识别" in refused.get_data(as_text=True)
    assert not known()
    assert office.post(url, data=confirmed).status_code == 303
    assert known()
