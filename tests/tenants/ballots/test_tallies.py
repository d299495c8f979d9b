"""Democratic evaluation: live turnout, results after closing with the small-group rule,
and the engine's ballots input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from appraisal.engine.compute.inputs import COLUMNS
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Evaluation
from appraisal.tenants.ballots.services import tallies
from appraisal.tenants.cycles.models import Appraisee, Population
from tests.tenants.ballots.conftest import group_id, make_evaluation, vote

# ---------------------------------------------------------------------------
# Turnout and results
# ---------------------------------------------------------------------------


def test_turnout_per_rater_group(city):
    eid = make_evaluation(city, known=("principal", "deputy"))
    for key in ("staff1", "staff2", "deputy1"):
        vote(city, eid, key)
    with tenant_scope(city.tenant):
        rows = {
            t.group.key: (t.voted, t.eligible, t.percent) for t in services.turnout(db.session.get(Evaluation, eid))
        }
    assert rows == {"principal": (0, 1, 0), "deputy": (1, 2, 50), "staff": (2, 6, 33), "outside": (0, 0, 0)}


def _close(world, eid):
    with tenant_scope(world.tenant):
        evaluation = db.session.get(Evaluation, eid)
        services.close_evaluation(evaluation)
        db.session.commit()


def test_results_only_after_closing(city):
    eid = make_evaluation(city)
    for key in ("staff1", "staff2", "staff3"):
        vote(city, eid, key)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        with pytest.raises(services.ResultsHidden):
            services.results(evaluation)
        with pytest.raises(services.ResultsHidden):
            tallies.ballots_frame(evaluation)


def _by_name(results):
    return {row.appraisee.name: row for row in results.rows}


def test_small_groups_are_merged(city):
    """staff: 4 ballots; deputies: 2 + principal: 1 → pooled (3) as a merged group;
    for a deputy (who does not rate himself) the pool is 2 → into staff."""
    eid = make_evaluation(city)
    for key, score in (
        ("staff1", 80),
        ("staff2", 82),
        ("staff3", 84),
        ("staff4", 86),
        ("deputy1", 60),
        ("deputy2", 62),
        ("principal", 70),
    ):
        vote(city, eid, key, score)
    _close(city, eid)
    with tenant_scope(city.tenant):
        results = services.results(db.session.get(Evaluation, eid))
        rows = _by_name(results)
        staff_g, deputy_g, principal_g = (group_id(city, eid, k) for k in ("staff", "deputy", "principal"))
        head = rows["统计局长"]  # rated by everyone: staff 4, deputy 2, principal 1
        assert head.cells[staff_g].n == 4 and head.cells[staff_g].mean == Decimal("83.00")
        assert head.cells[services.MERGED].n == 3 and head.cells[services.MERGED].mean == Decimal("64.00")
        assert head.hidden == {deputy_g: "merged", principal_g: "merged"}
        # weighted as the computation does: the pool counts with its largest member's weight (principal 0.3)
        assert head.total == ((Decimal("0.4") * 83 + Decimal("0.3") * 64) / Decimal("0.7")).quantize(Decimal("0.01"))
        deputy = rows["副局长乙"]  # his own line is missing: deputy 1 + principal 1 = 2 → into staff
        assert deputy.cells[staff_g].n == 6 and sorted(deputy.cells[staff_g].merged_from) == ["主要领导", "副职领导"]
        assert services.MERGED not in deputy.cells
        assert [c.name for c in results.columns][-1] == "合并组"
        frame = tallies.ballots_frame(db.session.get(Evaluation, eid))
        assert list(frame.columns) == [c for c, *_rest in COLUMNS["ballots"]]
        head_rows = frame[frame.appraisee_id == str(head.appraisee.id)]
        assert sorted(head_rows.rater_group) == ["principal"] * 3 + ["staff"] * 4
        deputy_rows = frame[frame.appraisee_id == str(deputy.appraisee.id)]
        assert set(deputy_rows.rater_group) == {"staff"} and len(deputy_rows) == 6


def test_small_groups_are_dropped(city):
    eid = make_evaluation(city, small_group_policy="drop")
    for key, score in (("staff1", 80), ("staff2", 82), ("staff3", 84), ("deputy1", 60), ("deputy2", 62)):
        vote(city, eid, key, score)
    _close(city, eid)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        rows = _by_name(services.results(evaluation))
        staff_g, deputy_g = group_id(city, eid, "staff"), group_id(city, eid, "deputy")
        head = rows["统计局长"]
        assert list(head.cells) == [staff_g] and head.hidden == {deputy_g: "dropped"}
        assert head.total == Decimal("82.00")  # the deputies' weight is spread over the staff
        frame = tallies.ballots_frame(evaluation)
        assert set(frame.rater_group) == {"staff"} and len(frame) == 3 * 4
        assert frame.score.between(0, 100).all()


def test_a_group_below_the_minimum_is_never_shown_alone(city):
    """Only two ballots in all: nothing can be shown."""
    eid = make_evaluation(city)
    vote(city, eid, "staff1", 90)
    vote(city, eid, "staff2", 10)
    _close(city, eid)
    with tenant_scope(city.tenant):
        results = services.results(db.session.get(Evaluation, eid))
        assert all(not row.cells and row.total is None for row in results.rows)
        assert results.any_hidden
        assert len(tallies.ballots_frame(db.session.get(Evaluation, eid))) == 0


def test_the_engine_takes_the_frame(city):
    """The frame goes straight into the engine's input normaliser."""
    from appraisal.engine.compute.inputs import normalise_table

    eid = make_evaluation(city, population="agency", owner="d1")
    for key in ("staff1", "staff2", "staff3", "staff4", "deputy1", "deputy2", "principal"):
        vote(city, eid, key, 75)
    _close(city, eid)
    with tenant_scope(city.tenant):
        frame = services.population_ballots_frame(db.session.get(Population, city.ids["agency"]))
    errors: list = []
    table = normalise_table("ballots", frame, errors)
    assert not errors and len(table) == len(frame) > 0
    assert set(frame.rater_group) <= {"principal", "deputy", "staff"}


def test_the_computation_input_needs_no_tenant_scope_and_keeps_to_its_tenant(city, other):
    for world in (city, other):
        eid = make_evaluation(world)
        for key in ("staff1", "staff2", "staff3"):
            vote(world, eid, key, 77)
        _close(world, eid)
    open_one = make_evaluation(city)  # a second, still open evaluation of the same population: not read
    vote(city, open_one, "staff1", 10)
    with tenant_scope(city.tenant):
        population = db.session.get(Population, city.ids["county"])
        appraisees = {
            str(a) for a in db.session.scalars(select(Appraisee.id).where(Appraisee.population_id == population.id))
        }
        db.session.expunge(population)
    frame = services.population_ballots_frame(population)  # as a job would: no tenant in scope
    assert len(frame) == 3 * 4 and set(frame.appraisee_id) <= appraisees
    assert set(frame.score) == {77.0} and set(frame.rater_group) == {"staff"}
