"""The org screens, used by the office admin (everywhere) and a unit admin (own subtree)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.org.models import OrgUnit, Person
from tests.tenants.org.conftest import audit_count, unit_row


def _person(tenant, staff_no):
    with tenant_scope(tenant):
        person = db.session.scalar(select(Person).where(Person.staff_no == staff_no))
        if person is not None:
            db.session.refresh(person)
        return person


def test_office_admin_browses_the_tree_with_counts_and_kinds(city, as_role):
    client = as_role("office_admin")
    html = client.get("/t/city/org/").get_data(as_text=True)
    for name in ("考核办", "综合经济组", "市财政局", "预算科", "市委组织部", "市中区"):
        assert name in html
    assert "分口考核组" in html and "区县" in html  # kind badges
    # 市财政局 holds P1 and, below it, P2 in 预算科: 2 people in its subtree
    assert "2 人" in html
    assert 'class="tree"' in html and "<details" in html


def test_unit_page_lists_people_filters_and_paginates(city, as_role):
    client = as_role("office_admin")
    d1 = city.ids["D1"]
    # 市财政局 has sections: by default its page lists the whole subtree
    html = client.get(f"/t/city/org/units/{d1}").get_data(as_text=True)
    assert "张局长" in html and "李科员" in html
    html = client.get(f"/t/city/org/units/{d1}?sub=0&sub=1&sub=0").get_data(as_text=True)
    assert "张局长" in html and "李科员" not in html  # direct members only
    html = client.get(f"/t/city/org/units/{d1}?sub=1").get_data(as_text=True)
    assert "张局长" in html and "李科员" in html
    html = client.get(f"/t/city/org/units/{d1}?sub=1&q=P2").get_data(as_text=True)
    assert "李科员" in html and "张局长" not in html
    html = client.get(f"/t/city/org/units/{d1}?sub=1&category=city_cadre").get_data(as_text=True)
    assert "张局长" in html and "李科员" not in html


def test_people_list_paginates(city, as_role, app):
    app.config["PAGE_SIZE"] = 2
    client = as_role("office_admin")
    html = client.get("/t/city/org/people/").get_data(as_text=True)
    assert "第 1 / 3 页，共 5 条" in html
    html = client.get("/t/city/org/people/?page=3").get_data(as_text=True)
    assert "第 3 / 3 页" in html


def test_export_unit_people_to_excel(city, as_role):
    client = as_role("office_admin")
    response = client.get(f"/t/city/org/units/{city.ids['D1']}/people.xlsx?sub=1")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("工号", "姓名", "单位编码", "类别")
    assert {r[0] for r in rows[1:]} == {"P1", "P2"}
    assert rows[[r[0] for r in rows].index("P2")][:4] == ("P2", "李科员", "S1", "科级及以下")


def test_office_admin_creates_and_edits_a_unit(city, as_role):
    client = as_role("office_admin")
    assert client.get(f"/t/city/org/units/new?parent={city.ids['D2']}").status_code == 200
    response = client.post(
        f"/t/city/org/units/new?parent={city.ids['D2']}",
        data={"code": "D2-K1", "name": "综合科", "kind": "section", "parent_id": city.ids["D2"], "sort_order": "3"},
    )
    assert response.status_code == 302
    unit = unit_row(city.tenant, "D2-K1")
    assert unit.path == f"/{city.ids['KHB']}/{city.ids['G1']}/{city.ids['D2']}/{unit.id}/"
    response = client.post(
        f"/t/city/org/units/{unit.id}/edit",
        data={"code": "D2-K1", "name": "综合统计科", "kind": "section", "parent_id": city.ids["D2"], "sort_order": "3"},
    )
    assert response.status_code == 302
    assert unit_row(city.tenant, "D2-K1").name == "综合统计科"
    with tenant_scope(city.tenant):
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "org.unit.update")).one()
        assert entry.before == {"name": "综合科"} and entry.after == {"name": "综合统计科"}


def test_bad_unit_input_is_explained_and_changes_nothing(city, as_role):
    client = as_role("office_admin")
    before = audit_count(city.tenant)
    response = client.post(
        "/t/city/org/units/new",
        data={"code": "D1", "name": "", "kind": "nonsense", "parent_id": "999999", "sort_order": "x"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请填写此项" in html and "请从列表中选择" in html and "不能移到该单位之下" in html
    assert "单位编码 D1 已存在" in html  # in the same round as the other problems
    # a duplicate code is refused by the service, beside the form
    response = client.post(
        "/t/city/org/units/new", data={"code": "D1", "name": "重复", "kind": "department", "parent_id": city.ids["G1"]}
    )
    assert response.status_code == 422 and "单位编码 D1 已存在" in response.get_data(as_text=True)
    assert audit_count(city.tenant) == before


def test_move_a_unit_rewrites_its_subtree(city, as_role):
    ids = city.ids
    client = as_role("office_admin")
    response = client.post(
        f"/t/city/org/units/{ids['D1']}/edit",
        data={"code": "D1", "name": "市财政局", "kind": "department", "parent_id": ids["G2"], "sort_order": "0"},
    )
    assert response.status_code == 302
    assert unit_row(city.tenant, "D1").path == f"/{ids['KHB']}/{ids['G2']}/{ids['D1']}/"
    assert unit_row(city.tenant, "S1").path == f"/{ids['KHB']}/{ids['G2']}/{ids['D1']}/{ids['S1']}/"
    assert unit_row(city.tenant, "S2").path == f"/{ids['KHB']}/{ids['G2']}/{ids['D1']}/{ids['S2']}/"
    # moving 市财政局 under its own section would make a cycle: not offered, refused
    response = client.post(
        f"/t/city/org/units/{ids['D1']}/edit",
        data={"code": "D1", "name": "市财政局", "kind": "department", "parent_id": ids["S1"], "sort_order": "0"},
    )
    assert response.status_code == 422
    assert unit_row(city.tenant, "D1").parent_id == ids["G2"]


def test_deactivate_a_unit_only_when_empty(city, as_role):
    client = as_role("office_admin")
    response = client.post(f"/t/city/org/units/{city.ids['D2']}/active", data={"active": "0"}, follow_redirects=True)
    assert "还有" in response.get_data(as_text=True)
    assert unit_row(city.tenant, "D2").active
    client.post(f"/t/city/org/people/{city.ids['P3']}/active", data={"active": "0"})
    client.post(f"/t/city/org/units/{city.ids['D2']}/active", data={"active": "0"}, follow_redirects=True)
    assert not unit_row(city.tenant, "D2").active
    assert "市统计局" not in client.get("/t/city/org/").get_data(as_text=True)
    assert "市统计局" in client.get("/t/city/org/?inactive=1").get_data(as_text=True)


def test_office_admin_creates_edits_and_deactivates_a_person(city, as_role):
    client = as_role("office_admin")
    s2 = city.ids["S2"]
    assert client.get(f"/t/city/org/units/{s2}/people/new").status_code == 200
    response = client.post(
        f"/t/city/org/units/{s2}/people/new",
        data={
            "staff_no": "P9",
            "name": "孙新人",
            "unit_id": s2,
            "category": "trainee",
            "position": "科员",
            "leader_role": "none",
            "sort_order": "1",
        },
    )
    assert response.status_code == 302
    person = _person(city.tenant, "P9")
    assert person.unit_id == s2 and person.category.value == "trainee"
    response = client.post(
        f"/t/city/org/people/{person.id}/edit",
        data={
            "staff_no": "P9",
            "name": "孙新人",
            "unit_id": city.ids["S1"],
            "category": "general_staff",
            "position": "科员",
            "leader_role": "none",
            "sort_order": "1",
        },
    )
    assert response.status_code == 302
    person = _person(city.tenant, "P9")
    assert person.unit_id == city.ids["S1"] and person.category.value == "general_staff"
    client.post(f"/t/city/org/people/{person.id}/active", data={"active": "0"})
    assert not _person(city.tenant, "P9").active
    html = client.get(f"/t/city/org/people/{person.id}").get_data(as_text=True)
    assert "已停用" in html


def test_bad_person_input_changes_nothing(city, as_role):
    client = as_role("office_admin")
    before = audit_count(city.tenant)
    response = client.post(
        f"/t/city/org/people/{city.ids['P1']}/edit",
        data={
            "staff_no": "P2",
            "name": "张局长",
            "unit_id": city.ids["D1"],
            "category": "city_cadre",
            "leader_role": "principal",
        },
    )
    assert response.status_code == 422
    assert "工号 P2 已被其他人员使用" in response.get_data(as_text=True)
    assert _person(city.tenant, "P1").staff_no == "P1"
    assert audit_count(city.tenant) == before


def test_link_a_person_to_a_user_account(city, as_role):
    client = as_role("office_admin")
    p1 = city.ids["P1"]
    response = client.post(f"/t/city/org/people/{p1}/account", data={"email": "nobody@city.cn"})
    assert response.status_code == 422 and "没有这个登录账号" in response.get_data(as_text=True)
    response = client.post(f"/t/city/org/people/{p1}/account", data={"email": "staff@city.cn"})
    assert response.status_code == 422 and "已关联人员 李科员" in response.get_data(as_text=True)
    response = client.post(f"/t/city/org/people/{p1}/account", data={"email": "unitadmin@city.cn"})
    assert response.status_code == 303
    assert _person(city.tenant, "P1").user_id == city.users["unit_admin"].id
    client.post(f"/t/city/org/people/{p1}/account", data={"email": ""})
    assert _person(city.tenant, "P1").user_id is None


def test_unit_admin_works_inside_their_subtree(city, as_role):
    ids = city.ids
    client = as_role("unit_admin")
    html = client.get("/t/city/org/").get_data(as_text=True)
    assert "市财政局" in html and "预算科" in html and "市统计局" not in html
    # a new section under their department
    response = client.post(
        f"/t/city/org/units/new?parent={ids['D1']}",
        data={"code": "S3", "name": "会计科", "kind": "section", "parent_id": ids["D1"]},
    )
    assert response.status_code == 302
    # move S2 under S1: both inside the subtree
    response = client.post(
        f"/t/city/org/units/{ids['S2']}/edit",
        data={"code": "S2", "name": "国库科", "kind": "section", "parent_id": ids["S1"]},
    )
    assert response.status_code == 302
    assert unit_row(city.tenant, "S2").path.endswith(f"/{ids['D1']}/{ids['S1']}/{ids['S2']}/")
    # edit the department's own name: allowed; its parent stays
    response = client.post(
        f"/t/city/org/units/{ids['D1']}/edit",
        data={"code": "D1", "name": "市财政局（新）", "kind": "department", "parent_id": ids["G1"]},
    )
    assert response.status_code == 302
    assert unit_row(city.tenant, "D1").name == "市财政局（新）"


def test_people_are_listed_in_the_trees_order(city, as_role):
    """Unit ids compare as text in a path (/10/ before /4/): lists follow the tree instead."""
    with tenant_scope(city.tenant):
        from appraisal.tenants.org import services

        d1 = db.session.get(OrgUnit, city.ids["D1"])
        late = services.create_unit(code="S9", name="会计科", kind="section", parent=d1, sort_order=9)
        assert late.id >= 10  # its path sorts before 预算科's as text
        services.create_person(staff_no="P0", name="会计科员", unit=late, category="general_staff")
        db.session.commit()
    html = as_role("office_admin").get(f"/t/city/org/units/{city.ids['D1']}?sub=1").get_data(as_text=True)
    assert html.index("张局长") < html.index("李科员") < html.index("会计科员")
    assert "市财政局 预算科" in html  # sections are named with their department


def test_exports_keep_formula_like_text_as_text(city, as_role):
    client = as_role("office_admin")
    client.post(
        f"/t/city/org/people/{city.ids['P1']}/edit",
        data={
            "staff_no": "P1",
            "name": '=HYPERLINK("http://x")',
            "unit_id": city.ids["D1"],
            "category": "city_cadre",
            "position": "+1",
            "leader_role": "principal",
        },
    )
    for url in (f"/t/city/org/units/{city.ids['D1']}/people.xlsx", "/t/city/org/export.xlsx"):
        sheet = load_workbook(io.BytesIO(client.get(url).data))["人员"]
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == '=HYPERLINK("http://x")']
        assert cells and all(c.data_type == "s" for c in cells), url
