"""A refused form on the voters and codes pages: the page comes back with 422,
the reason beside the field it concerns (not as a banner), and nothing changed."""

from __future__ import annotations

from sqlalchemy import func, select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots.models import Voter
from appraisal.tenants.org.models import Person
from tests.tenants.ballots.conftest import group_id, make_evaluation


def _voters(city, eid) -> int:
    with tenant_scope(city.tenant):
        return db.session.scalar(select(func.count()).select_from(Voter).where(Voter.evaluation_id == eid))


def _beside_the_field(response, message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert message in html
    assert f'<div class="flash flash-error" role="status">{message}</div>' not in html


def test_a_refused_voter_or_code_request_says_why_beside_its_field(city, as_role):
    eid = make_evaluation(city, open_=False)
    office = as_role("office_admin")
    before = _voters(city, eid)
    with tenant_scope(city.tenant):
        already = db.session.scalars(
            select(Person.staff_no)
            .join(Voter, Voter.person_id == Person.id)
            .where(Voter.evaluation_id == eid)
            .order_by(Person.staff_no)
        ).first()
    staff, outside = group_id(city, eid, "staff"), group_id(city, eid, "outside")

    _beside_the_field(
        office.post(f"/t/city/ballots/{eid}/voters/person", data={"one-staff_no": already, "one-group_id": staff}),
        "已是本测评的投票人",
    )
    _beside_the_field(
        office.post(
            f"/t/city/ballots/{eid}/voters/units",
            data={
                "unit-unit_id": city.ids["d1"],
                "unit-subtree": "y",
                "unit-group_principal": "0",
                "unit-group_deputy": "0",
                "unit-group_none": "0",
            },
        ),
        "请至少为一类人员选择评价人组别",
    )
    _beside_the_field(
        office.post(f"/t/city/ballots/{eid}/codes", data={"anon-group_id": "999999", "anon-count": "5"}),
        "请选择本测评的评价人组别",
    )
    _beside_the_field(
        office.post(f"/t/city/ballots/{eid}/codes/named", data={"named-group_id": outside}),
        "没有需要发放投票码的投票人",
    )
    assert _voters(city, eid) == before


def test_a_voter_list_refused_after_it_was_written_shows_what_is_stored(city, as_role):
    """Adding 市统计局 to an empty group of an open evaluation leaves that group
    below the minimum: refused after the rows were written, so the page that
    comes back must list the voters as stored, without the refused one."""
    eid = make_evaluation(city)
    office = as_role("office_admin")
    before = _voters(city, eid)
    outside = group_id(city, eid, "outside")
    response = office.post(
        f"/t/city/ballots/{eid}/voters/units",
        data={
            "unit-unit_id": city.ids["d2"],
            "unit-subtree": "y",
            "unit-group_principal": outside,
            "unit-group_deputy": "0",
            "unit-group_none": "0",
        },
    )
    _beside_the_field(response, "少于最少人数")
    assert "统计局长" not in response.get_data(as_text=True)
    assert _voters(city, eid) == before
