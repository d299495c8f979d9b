"""Cycles: populations snapshot the org tree; phases move in order."""

import pytest
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, PhaseChange, Population


def test_population_of_departments_ranked_by_sector_group(year):
    with tenant_scope(year.tenant):
        rows = db.session.scalars(
            select(Appraisee).where(Appraisee.population_id == year.ids["dept_pop"]).order_by(Appraisee.sort_order)
        ).all()
        assert [(a.name, a.ranking_group) for a in rows] == [
            ("市财政局", "综合经济组"),
            ("市发改委", "综合经济组"),
            ("市委组织部", "综合经济组"),
            ("市教育局", "社会事业组"),
            ("市卫健委", "社会事业组"),
        ]
        staff = db.session.scalars(select(Appraisee).where(Appraisee.population_id == year.ids["staff_pop"])).all()
        assert len(staff) == 5 and all(a.is_unit_head and a.ranking_group == "县级干部" for a in staff)


def test_phases_move_forward_one_at_a_time_and_back_with_a_reason(year):
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        with pytest.raises(cycles.PhaseError, match="只能前进到下一阶段"):
            cycles.move_phase(cycle, Phase.SCORING)
        cycles.move_phase(cycle, Phase.TRACKING)
        cycles.move_phase(cycle, Phase.SCORING)
        with pytest.raises(cycles.PhaseError, match="必须填写原因"):
            cycles.move_phase(cycle, Phase.TRACKING)
        cycles.move_phase(cycle, Phase.TRACKING, reason="补录责任书")
        assert cycle.phase == Phase.TRACKING
        changes = db.session.scalars(select(PhaseChange).order_by(PhaseChange.id)).all()
        assert [(c.from_phase, c.to_phase) for c in changes][-1] == (Phase.SCORING, Phase.TRACKING)


def test_each_phase_allows_only_its_actions_and_final_is_read_only(year):
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        cycles.require_phase(cycle, "letters.edit")
        with pytest.raises(cycles.PhaseError, match="年终评分"):
            cycles.require_phase(cycle, "scores.enter")
        for phase in Phase.ordered()[1:]:
            cycles.move_phase(cycle, phase)
        assert cycle.finalised_at is not None
        with pytest.raises(cycles.PhaseError, match="已归档"):
            cycles.require_phase(cycle, "letters.edit")
        population = db.session.get(Population, year.ids["dept_pop"])
        with pytest.raises(cycles.PhaseError, match="已归档"):
            cycles.set_assessors(population, {})
        with pytest.raises(cycles.PhaseError):
            cycles.move_phase(cycle, Phase.APPEALS, reason="想改")


def test_populations_only_while_setting_targets(year):
    from appraisal.tenants.schemes.models import SchemeVersion

    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        cycles.move_phase(cycle, Phase.TRACKING)
        version = db.session.get(SchemeVersion, year.ids["scheme_a"])
        with pytest.raises(cycles.PhaseError):
            cycles.add_population(cycle, key="late", name="迟到", version=version, selector={})


def test_scheme_versions_record_their_hash(year):
    from appraisal import engine
    from appraisal.tenants.schemes import services as schemes
    from appraisal.tenants.schemes.models import Scheme, SchemeVersion

    with tenant_scope(year.tenant):
        v1 = db.session.get(SchemeVersion, year.ids["scheme_a"])
        assert v1.version == 1 and len(v1.content_hash) == 64
        assert engine.scheme_hash(schemes.engine_scheme(v1)) == v1.content_hash
        scheme = db.session.get(Scheme, v1.scheme_id)
        with pytest.raises(schemes.SchemeChangeError):
            schemes.save_version(scheme, overrides={"no_such_field": 1}, locks=[])
