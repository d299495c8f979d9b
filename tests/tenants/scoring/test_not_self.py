"""Nobody decides their own score or adjustment: not the unit admin who is also one
of the staff they score, not an assessor, not the office."""

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.permissions import can
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles.models import Appraisee, Population
from appraisal.tenants.org.models import Person
from appraisal.tenants.scoring.services import common, scores


def test_an_office_admin_may_not_score_themself_but_may_score_others(app, year):
    with app.test_request_context(), tenant_scope(year.tenant):
        office = year.users["office_admin"]
        population = db.session.get(Population, year.ids["staff_pop"])
        appraisees = list(
            db.session.scalars(select(Appraisee).where(Appraisee.population_id == population.id).order_by(Appraisee.id))
        )
        me, other = appraisees[0], appraisees[1]
        db.session.get(Person, me.person_id).user_id = office.id
        db.session.flush()
        column = scores.scheme_columns(population)[0]
        assert can(office, "scores.enter", column.cell(other))
        assert not can(office, "scores.enter", column.cell(me))
        assert not can(office, "claims.verify", common.subject_of(me, population))
        assert not can(office, "penalties.record", common.subject_of(me, population))
        assert can(office, "claims.verify", common.subject_of(other, population))
        # a save that includes their own cell is refused, naming the cell
        problems = scores.check_entries([scores.Entry(me, column, "80")], office)[1]
        assert [why for entry, why in problems if entry is not None] == ["您无权录入此项"]
