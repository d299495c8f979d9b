"""Who may use which org screen: every route, every role, and another tenant's ids."""

from __future__ import annotations

import re

import pytest

from tests.tenants.org.conftest import ROLES, org_state, unit_row

#: the org routes and a sample of form data for their POSTs
POST_DATA = {
    "org.unit_new": {"code": "NEW1", "name": "新单位", "kind": "department"},
    "org.unit_edit": {"code": "ZZ", "name": "改名", "kind": "department", "parent_id": "0"},
    "org.unit_active": {"active": "0"},
    "org.person_new": {"staff_no": "NEW1", "name": "新人", "category": "general_staff", "leader_role": "none"},
    "org.person_edit": {"staff_no": "ZZ", "name": "改名", "category": "general_staff", "leader_role": "none"},
    "org.person_active": {"active": "0"},
    "org.person_account": {"email": "office@city.cn"},
}


def org_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("org.")), key=lambda r: r.rule)


def fill(rule, unit_id: int, person_id: int) -> str:
    url = rule.rule.replace("<tenant_slug>", "city")
    url = re.sub(r"<(?:int:)?unit_id>", str(unit_id), url)
    return re.sub(r"<(?:int:)?person_id>", str(person_id), url)


def test_every_org_route_is_probed(app):
    endpoints = {r.endpoint for r in org_rules(app)}
    known = {
        "org.tree",
        "org.unit",
        "org.unit_export",
        "org.people",
        "org.person",
        "org.roster_import",
        "org.roster_template",
        "org.roster_export",
    } | set(POST_DATA)
    assert endpoints == known, "a new org route needs its access cases here"
    for rule in org_rules(app):
        assert rule.arguments <= {"tenant_slug", "unit_id", "person_id"}, rule


@pytest.mark.parametrize("role", ROLES)
def test_another_tenants_ids_are_404_for_every_role(app, city, other, as_role, role):
    client = as_role(role)
    state = org_state(other.tenant)
    probed = 0
    for rule in org_rules(app):
        if not rule.arguments - {"tenant_slug"}:
            continue
        url = fill(rule, other.ids["unit"], other.ids["person"])
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data=POST_DATA.get(rule.endpoint, {}))
            assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"
            body = response.get_data(as_text=True)
            assert "外单位" not in body and "外人" not in body
            probed += 1
    assert probed >= 10
    # a parent or target unit of the other tenant in a query string or a form is a 404 too
    assert client.get(f"/t/city/org/units/new?parent={other.ids['unit']}").status_code in (403, 404)
    assert org_state(other.tenant) == state


def test_a_form_pointing_at_another_tenants_unit_changes_nothing(city, other, as_role):
    client = as_role("office_admin")
    state = org_state(city.tenant), org_state(other.tenant)
    response = client.post(
        f"/t/city/org/people/{city.ids['P1']}/edit",
        data={
            "staff_no": "P1",
            "name": "张局长",
            "unit_id": other.ids["unit"],
            "category": "city_cadre",
            "leader_role": "principal",
        },
    )
    assert response.status_code == 422  # not among the choices
    response = client.post(
        f"/t/city/org/units/{city.ids['D1']}/edit",
        data={"code": "D1", "name": "市财政局", "kind": "department", "parent_id": other.ids["unit"]},
    )
    assert response.status_code == 422
    assert (org_state(city.tenant), org_state(other.tenant)) == state


def test_anonymous_is_sent_to_login(app, city):
    client = app.test_client()
    for rule in org_rules(app):
        url = fill(rule, city.ids["D1"], city.ids["P1"])
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/t/city/login" in response.headers["Location"], url


# what each role may open (GET), on 市财政局 (D1) and 张局长 (P1) of its subtree
ALLOWED_GETS = {
    "office_admin": {
        "org.tree",
        "org.unit",
        "org.unit_export",
        "org.people",
        "org.person",
        "org.unit_new",
        "org.unit_edit",
        "org.person_new",
        "org.person_edit",
        "org.roster_import",
        "org.roster_template",
        "org.roster_export",
    },
    "unit_admin": {
        "org.tree",
        "org.unit",
        "org.unit_export",
        "org.people",
        "org.person",
        "org.unit_new",
        "org.unit_edit",
        "org.person_new",
        "org.person_edit",
        "org.roster_import",
        "org.roster_template",
        "org.roster_export",
    },
    "sector_lead": {"org.tree", "org.unit", "org.unit_export", "org.people", "org.person"},
    "assessor": {"org.tree", "org.unit", "org.unit_export", "org.people", "org.person"},
    "staff": {"org.people"},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_what_it_may_and_gets_403_elsewhere(app, city, as_role, role):
    client = as_role(role)
    for rule in org_rules(app):
        if "GET" not in rule.methods:
            continue
        status = client.get(fill(rule, city.ids["D1"], city.ids["P1"])).status_code
        expected = 200 if rule.endpoint in ALLOWED_GETS[role] else 403
        assert status == expected, f"{role} {rule.endpoint}: {status}"


@pytest.mark.parametrize("role", ["sector_lead", "assessor", "staff"])
def test_read_only_roles_cannot_change_anything(app, city, as_role, role):
    client = as_role(role)
    state = org_state(city.tenant)
    for endpoint, data in POST_DATA.items():
        rule = next(r for r in org_rules(app) if r.endpoint == endpoint)
        url = fill(rule, city.ids["D1"], city.ids["P1"])
        assert client.post(url, data=data).status_code == 403, f"{role} {endpoint}"
    assert client.post("/t/city/org/import", data={}).status_code == 403
    assert org_state(city.tenant) == state


def test_staff_sees_their_own_record_only(city, as_role):
    client = as_role("staff")
    assert client.get(f"/t/city/org/people/{city.ids['P2']}").status_code == 200
    assert client.get(f"/t/city/org/people/{city.ids['P1']}").status_code == 403
    html = client.get("/t/city/org/people/").get_data(as_text=True)
    assert "李科员" in html and "张局长" not in html
    assert client.get(f"/t/city/org/people/{city.ids['P2']}/edit").status_code == 403


def test_sector_lead_sees_their_group_only(city, as_role):
    client = as_role("sector_lead")
    html = client.get("/t/city/org/").get_data(as_text=True)
    assert "综合经济组" in html and "市财政局" in html and "市委组织部" not in html
    assert client.get(f"/t/city/org/units/{city.ids['D3']}").status_code == 403
    assert client.get(f"/t/city/org/people/{city.ids['P4']}").status_code == 403
    html = client.get("/t/city/org/people/").get_data(as_text=True)
    assert "王统计" in html and "赵组织" not in html and "钱区长" not in html


def test_assessor_sees_every_unit_but_edits_none(city, as_role):
    client = as_role("assessor")
    html = client.get("/t/city/org/").get_data(as_text=True)
    assert "市中区" in html and "市财政局" in html
    assert client.get(f"/t/city/org/units/{city.ids['Q1']}").status_code == 200
    assert client.get(f"/t/city/org/units/{city.ids['Q1']}/edit").status_code == 403


OUTSIDE = [  # (method, url template, data) — all outside 市财政局's subtree
    ("GET", "/t/city/org/units/{D2}", None),
    ("GET", "/t/city/org/units/{D2}/edit", None),
    ("GET", "/t/city/org/units/{D2}/people.xlsx", None),
    ("GET", "/t/city/org/units/new?parent={G1}", None),
    ("GET", "/t/city/org/units/{D2}/people/new", None),
    ("GET", "/t/city/org/people/{P3}", None),
    ("GET", "/t/city/org/people/{P3}/edit", None),
    ("POST", "/t/city/org/units/{D2}/active", {"active": "0"}),
    ("POST", "/t/city/org/people/{P3}/active", {"active": "0"}),
    ("POST", "/t/city/org/people/{P3}/account", {"email": "staff@city.cn"}),
]


@pytest.mark.parametrize("method,url,data", OUTSIDE)
def test_unit_admin_gets_403_outside_their_subtree(city, as_role, method, url, data):
    client = as_role("unit_admin")
    state = org_state(city.tenant)
    response = client.open(url.format(**city.ids), method=method, data=data)
    assert response.status_code == 403
    assert org_state(city.tenant) == state


def test_unit_admin_cannot_move_units_out_of_their_subtree(city, as_role):
    ids = city.ids
    client = as_role("unit_admin")
    state = org_state(city.tenant)
    # a section of theirs to another department: not offered, refused
    response = client.post(
        f"/t/city/org/units/{ids['S1']}/edit",
        data={"code": "S1", "name": "预算科", "kind": "section", "parent_id": ids["D2"]},
    )
    assert response.status_code == 422
    assert "超出您的管理范围" in response.get_data(as_text=True)
    # their own department elsewhere (its parent is the office's call): refused
    response = client.post(
        f"/t/city/org/units/{ids['D1']}/edit",
        data={"code": "D1", "name": "市财政局", "kind": "department", "parent_id": ids["G2"]},
    )
    assert response.status_code == 422
    # nor may they deactivate their own unit, or create a unit at the top
    assert client.post(f"/t/city/org/units/{ids['D1']}/active", data={"active": "0"}).status_code == 403
    response = client.post(
        f"/t/city/org/units/new?parent={ids['D1']}",
        data={"code": "TOP", "name": "顶级", "kind": "department", "parent_id": "0"},
    )
    assert response.status_code == 422
    # a person of theirs into another unit: refused
    response = client.post(
        f"/t/city/org/people/{ids['P2']}/edit",
        data={
            "staff_no": "P2",
            "name": "李科员",
            "unit_id": ids["D2"],
            "category": "section_level",
            "leader_role": "none",
        },
    )
    assert response.status_code == 422
    assert org_state(city.tenant) == state
    assert unit_row(city.tenant, "S1").parent_id == ids["D1"]


def test_unit_admin_edit_page_shows_their_parent_fixed(city, as_role):
    client = as_role("unit_admin")
    html = client.get(f"/t/city/org/units/{city.ids['D1']}/edit").get_data(as_text=True)
    assert "上级单位由上一级管理员调整" in html
    options = re.findall(r"<option[^>]*value=\"(\d+)\"", html.split('name="parent_id"', 1)[1].split("</select>")[0])
    assert options == [str(city.ids["G1"])]
