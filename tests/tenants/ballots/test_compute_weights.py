"""The computation uses the rater groups and weights the office chose for an
evaluation when the scheme (template C) names none."""

from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Evaluation
from appraisal.tenants.cycles.models import Phase, Population
from appraisal.tenants.results import services as results
from appraisal.tenants.results.models import ResultRow
from tests.tenants.ballots.conftest import appraisee_of, make_evaluation, move_to, vote


def test_office_weights_replace_the_plain_mean(city):
    evaluation_id = make_evaluation(city)
    # the leaders of 市财政局 give 90 to everyone, its six staff give 70
    for person in ("principal", "deputy1", "deputy2"):
        vote(city, evaluation_id, person, score=90)
    for i in range(1, 7):
        vote(city, evaluation_id, f"staff{i}", score=70)
    with tenant_scope(city.tenant):
        services.close_evaluation(db.session.get(Evaluation, evaluation_id))
        db.session.commit()
    move_to(city.tenant, city.ids["cycle"], Phase.COMPUTING)
    with tenant_scope(city.tenant):
        run = results.request_compute(db.session.get(Population, city.ids["county"]))
        row = db.session.scalar(
            select(ResultRow).where(
                ResultRow.run_id == run.id, ResultRow.appraisee_id == appraisee_of(city, "county", "other_head")
            )
        )
    # 统计局长 is rated by all nine: the leaders' three ballots (principal 1 + deputies 2)
    # form one group of 3 under "principal" (weight 0.3); staff 6 × 70 (weight 0.4);
    # deputy and outside have no ballots of their own: their weight is spread.
    # (0.3 × 90 + 0.4 × 70) / 0.7 = 55 / 0.7 = 78.571… → 78.57, not the plain mean 76.67
    assert row.data["score_democratic"] == 78.57
