"""Scoring progress counts the cells that must be filled: an empty deduction is no deduction."""

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Cycle
from appraisal.tenants.schemes import services as schemes
from appraisal.tenants.scoring.services import scores


def test_deduction_columns_are_not_expected(year):
    with tenant_scope(year.tenant):
        cycle = db.session.get(Cycle, year.ids["cycle"])
        version = schemes.adopt_template(template_key="F_bureau_quantitative", key="bureau", name="财政局量化考核")
        population = cycles.add_population(
            cycle,
            key="bureau",
            name="财政局干部",
            version=version,
            selector={"categories": ["section_level"], "ranking": "all"},
        )
        columns = scores.scheme_columns(population)
        deductions = [c for c in columns if c.kind == "deduction"]
        assert deductions and len(deductions) < len(columns)
        scored, expected = scores.progress(population, columns, len(population.appraisees))
        assert scored == 0
        assert expected == (len(columns) - len(deductions)) * len(population.appraisees)
        assert scores.progress(population, deductions, len(population.appraisees)) == (0, 0)
