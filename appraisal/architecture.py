"""The floors of the code, declared once (read by tests/test_architecture.py and docs/dev/architecture.md).

A module may import from its own floor or from a lower one, never from a higher one.
Lowest first. A *unit* is the engine, the platform, one tenant feature
(``appraisal/tenants/<name>``) or a top-level entry module (``appraisal/<name>``).
"""

from __future__ import annotations

FLOORS: tuple[tuple[str, ...], ...] = (
    ("engine",),  # the calculation: pure Python, no Flask, no database
    ("platform",),  # app factory, database, auth, tenancy, jobs, audit — knows no feature
    ("org", "users", "evidence"),  # organisation, people and accounts; evidence files (owners register)
    ("schemes",),  # appraisal schemes (templates and a tenant's customisation)
    ("cycles",),  # appraisal years and their phases
    ("letters",),  # responsibility letters
    ("scoring",),  # scores, evidence, adjustments
    ("ballots",),  # democratic appraisal (votes)
    ("results",),  # computation, publication, appeals
    ("home", "overview", "api"),  # the home page, the cycle dashboard and the REST API: they gather the others
    ("demo", "worker"),  # entry points: the demo loader, the job worker
)

# Tenant features: the sub-packages of appraisal/tenants.
FEATURES: tuple[str, ...] = tuple(name for floor in FLOORS[2:-1] for name in floor)

# What one feature may import from another (``appraisal.tenants.<other>.<part>``).
PUBLIC_PARTS: tuple[str, ...] = ("services", "models")


def floor_of(unit: str) -> int:
    """The floor number of a unit (0 = lowest)."""
    for number, names in enumerate(FLOORS):
        if unit in names:
            return number
    raise KeyError(unit)
