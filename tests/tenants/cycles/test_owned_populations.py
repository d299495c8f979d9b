"""A population a department runs for its own staff: chosen on the population form
(or taken from a scheme the department adopted), and kept inside that department."""

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Appraisee, Population
from appraisal.tenants.schemes.models import SchemeVersion
from tests.helpers import login


def _form(year, **overrides):
    data = {
        "name": "市财政局干部职工",
        "key": "finance_staff",
        "scheme_version": str(year.ids["scheme_c"]),
        "categories": ["section_level"],
        "under": "",
        "ranking": "all",
        "owner": str(year.ids["depts"][0]),
    }
    data.update(overrides)
    return data


def test_the_office_sets_up_a_departments_own_staff_population(app, year):
    office, unit = app.test_client(), app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    login(unit, year.tenant, year.users["unit_admin"])
    form = office.get(f"/t/city/cycles/{year.ids['cycle']}/populations/new").get_data(as_text=True)
    assert 'name="owner"' in form and "组织单位" in form
    response = office.post(f"/t/city/cycles/{year.ids['cycle']}/populations/new", data=_form(year))
    assert response.status_code == 302
    with tenant_scope(year.tenant):
        population = db.session.scalar(select(Population).where(Population.key == "finance_staff"))
        assert population.owner_unit_id == year.ids["depts"][0]
        assert population.selector["under"] == year.ids["depts"][0]  # inside the department by default
        units = set(db.session.scalars(select(Appraisee.unit_id).where(Appraisee.population_id == population.id)))
        assert units == {year.ids["depts"][0]}
    # the department's admin now scores it
    assert "市财政局干部职工" in unit.get("/t/city/scoring/").get_data(as_text=True)


def test_a_department_cannot_run_another_units_staff(app, year):
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    response = office.post(
        f"/t/city/cycles/{year.ids['cycle']}/populations/new", data=_form(year, under=str(year.ids["depts"][3]))
    )
    assert response.status_code == 422  # a refused form answers 422 (Unprocessable Content), like every feature
    assert "只能考核" in response.get_data(as_text=True)
    with tenant_scope(year.tenant):
        assert db.session.scalar(select(Population).where(Population.key == "finance_staff")) is None


def test_a_scheme_the_department_adopted_makes_it_the_organiser(app, year):
    with tenant_scope(year.tenant):
        version = db.session.get(SchemeVersion, year.ids["scheme_c"])
        version.scheme.owner_unit_id = year.ids["depts"][0]
        db.session.commit()
    office = app.test_client()
    login(office, year.tenant, year.users["office_admin"])
    response = office.post(f"/t/city/cycles/{year.ids['cycle']}/populations/new", data=_form(year, owner=""))
    assert response.status_code == 302
    with tenant_scope(year.tenant):
        population = db.session.scalar(select(Population).where(Population.key == "finance_staff"))
        assert population.owner_unit_id == year.ids["depts"][0]
        assert population.selector["under"] == year.ids["depts"][0]
