"""Schemes in use: browse templates, adopt, customise in versions, locks, diffs."""

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.schemes.models import Scheme, SchemeVersion
from tests.helpers import login


def _versions(year, key):
    db.session.expire_all()
    with tenant_scope(year.tenant):
        scheme = db.session.scalar(select(Scheme).where(Scheme.key == key))
        return scheme, list(
            db.session.scalars(
                select(SchemeVersion).where(SchemeVersion.scheme_id == scheme.id).order_by(SchemeVersion.version)
            )
        )


def test_everyone_reads_the_templates_and_schemes(app, year):
    staff = app.test_client()
    login(staff, year.tenant, year.users["staff"])
    index = staff.get("/t/city/schemes/").get_data(as_text=True)
    assert "市直部门考核" in index and "审计局科室目标管理考评(400分制)" in index
    page = staff.get("/t/city/schemes/templates/A_municipal_departments").get_data(as_text=True)
    assert "党的建设" in page and "市委组织部" in page and "采用此模板" not in page
    assert staff.get("/t/city/schemes/templates/no_such").status_code == 404


def test_office_adopts_a_template(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    response = office.post("/t/city/schemes/templates/B_districts/adopt", data={"name": "区县考核", "key": "districts"})
    assert response.status_code == 302
    scheme, versions = _versions(year, "districts")
    assert scheme.template_key == "B_districts" and [v.version for v in versions] == [1]
    dup = office.post(
        "/t/city/schemes/templates/B_districts/adopt",
        data={"name": "又一个", "key": "districts"},
        follow_redirects=True,
    )
    assert "已存在" in dup.get_data(as_text=True)


def _scheme_count(year) -> int:
    db.session.expire_all()
    with tenant_scope(year.tenant):
        return len(list(db.session.scalars(select(Scheme))))


def test_adopting_with_an_overlong_or_hostile_key_or_name_is_refused_by_field(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    before = _scheme_count(year)
    cases = [
        ({"name": "区县考核", "key": "k" * 65}, "方案标识：不能超过 64 个字符（现有 65 个）"),
        ({"name": "名" * 201, "key": "long-name"}, "方案名称：不能超过 200 个字符（现有 201 个）"),
        ({"name": "区县\x00考核", "key": "nul-name"}, "方案名称：不能包含不可见的控制字符"),
        ({"name": "区县考核", "key": "two\nlines"}, "方案标识：不能包含换行"),
    ]
    for data, message in cases:
        response = office.post("/t/city/schemes/templates/B_districts/adopt", data=data, follow_redirects=True)
        assert response.status_code == 200, data
        assert message in response.get_data(as_text=True), data
    assert _scheme_count(year) == before


def test_customise_saves_a_version_with_a_diff(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    scheme, _ = _versions(year, "departments")
    form = office.get(f"/t/city/schemes/{scheme.id}/customise").get_data(as_text=True)
    assert 'name="f.quotas.advanced_collective.ratio"' in form or "f.quotas." in form
    # change the 10 % quota to 12 % and the two public indicators' points (still adding up to 30)
    data = _current_form_values(app, year, scheme)
    quota_field = next(k for k in data if k.startswith("f.quotas.") and k.endswith(".ratio"))
    data[quota_field] = "0.12"
    data["f.indicators.public.children.party_building.points"] = "12"
    data["f.indicators.public.children.investment.points"] = "3"
    data["note"] = "提高先进比例"
    response = office.post(f"/t/city/schemes/{scheme.id}/customise", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    _, versions = _versions(year, "departments")
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].overrides["indicators"]["public"]["children"]["party_building"]["points"] == 12
    assert versions[0].content_hash != versions[1].content_hash
    diff = office.get(f"/t/city/schemes/{scheme.id}/diff?a=1&b=2").get_data(as_text=True)
    assert "party_building.points" in diff and "提高先进比例" in diff


def test_invalid_customisation_shows_errors_and_saves_nothing(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    scheme, _ = _versions(year, "departments")
    data = _current_form_values(app, year, scheme)
    data["f.indicators.public.children.party_building.points"] = "15"  # public no longer adds up to 30
    data["f.indicators.business.points"] = "abc"
    response = office.post(f"/t/city/schemes/{scheme.id}/customise", data=data)
    assert response.status_code == 422
    assert "请填写数字" in response.get_data(as_text=True)
    data["f.indicators.business.points"] = "70"
    response = office.post(f"/t/city/schemes/{scheme.id}/customise", data=data)
    assert response.status_code == 422
    assert "add up" in response.get_data(as_text=True)
    bad_yaml = office.post(
        f"/t/city/schemes/{scheme.id}/customise",
        data={**_current_form_values(app, year, scheme), "overrides": "a: [unclosed"},
    )
    assert bad_yaml.status_code == 422 and "YAML" in bad_yaml.get_data(as_text=True)
    assert [v.version for v in _versions(year, "departments")[1]] == [1]


def test_unit_admin_adopts_an_allowed_staff_scheme_within_its_locks(app, year):
    office, unit = app.test_client(), app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    login(unit, year.tenant, year.users["unit_admin"])
    county, _ = _versions(year, "county")
    assert county.allowed_for_units
    response = unit.post(f"/t/city/schemes/{county.id}/adopt-for-unit", data={"unit_id": year.ids["depts"][0]})
    assert response.status_code == 302
    with tenant_scope(year.tenant):
        own = db.session.scalar(select(Scheme).where(Scheme.owner_unit_id == year.ids["depts"][0]))
        assert own.parent_scheme_id == county.id
    # the office locked composition (template C): the unit cannot change the 30/70 split
    data = _current_form_values(app, year, own, client=unit)
    weight = next(k for k in data if k.startswith("f.composition.parts."))
    data[weight] = "0.5"
    response = unit.post(f"/t/city/schemes/{own.id}/customise", data=data)
    assert response.status_code == 422 and "locked" in response.get_data(as_text=True)
    # a unit admin cannot adopt for another unit, nor edit the office's scheme
    assert (
        unit.post(f"/t/city/schemes/{county.id}/adopt-for-unit", data={"unit_id": year.ids["depts"][3]}).status_code
        == 403
    )
    assert unit.get(f"/t/city/schemes/{county.id}/customise").status_code == 403


def test_adopting_for_another_tenants_or_no_unit_is_a_404(app, year, other_year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    county, _ = _versions(year, "county")
    page = f"/t/city/schemes/{county.id}/adopt-for-unit"
    assert office.post(page, data={"unit_id": other_year.ids["depts"][0]}).status_code == 404
    assert office.post(page, data={"unit_id": "x"}).status_code == 404
    assert office.post(page, data={"unit_id": str(2**40)}).status_code == 404


def _current_form_values(app, year, scheme, client=None):
    import re

    if client is None:
        client = app.test_client()
        login(client, year.tenant, year.users["office_admin"])
    html = client.get(f"/t/city/schemes/{scheme.id}/customise").get_data(as_text=True)
    return {m.group(1): m.group(2) for m in re.finditer(r'name="(f\.[^"]+)"[^>]*value="([^"]*)"', html)}


def test_the_scheme_list_reads_the_latest_versions_in_one_query(app, year):
    from sqlalchemy import event

    from appraisal.tenants.schemes import services

    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])

    def queries_for_index(table: str) -> int:
        statements = []

        def listener(*args):
            statements.append(args[2])

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert office.get("/t/city/schemes/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return sum(f"FROM {table}" in s for s in statements)

    def add_schemes(numbers):
        with tenant_scope(year.tenant):
            for n in numbers:
                version = services.adopt_template(
                    template_key="B_districts",
                    key=f"extra-{n}",
                    name=f"附加方案{n}",
                    owner_unit_id=year.ids["depts"][n % len(year.ids["depts"])],
                )
                services.save_version(db.session.get(Scheme, version.scheme_id), overrides={}, locks=[], note="第二版")
            db.session.commit()

    add_schemes([0])
    few = queries_for_index("scheme_versions"), queries_for_index("org_units")
    add_schemes(range(1, 8))
    page = office.get("/t/city/schemes/").get_data(as_text=True)
    row = page[page.index("附加方案7") :]
    assert "v2 " in row[: row.index("</tr>")]  # the latest version, not the first
    assert (queries_for_index("scheme_versions"), queries_for_index("org_units")) == few
    assert few[0] == 1
