"""A small appraisal year for feature tests: ``year`` gives a tenant with an
office, two sector groups, five departments (one of them the organisation
department, assessor of party building), people in them, the municipal
departments scheme (template A) and a county-level staff scheme (template C)
adopted, and a cycle with two populations (built by ``tests.helpers.build_year``).
"""

from __future__ import annotations

import pytest

from tests.helpers import Year, build_year  # noqa: F401  (Year: for older imports)


@pytest.fixture
def year(make_tenant, make_user):
    return build_year(make_tenant("city", "枣庄市考核办"), make_user)


@pytest.fixture
def other_year(make_tenant, make_user):
    """The same shape in another tenant, for cross-tenant access tests."""
    return build_year(make_tenant("other", "滕州市考核办"), make_user, prefix="B")
