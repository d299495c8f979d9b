"""Schemathesis against the served OpenAPI document: for every operation, cases
generated from the document are sent to the app (on the test database: SQLite,
or PostgreSQL with TEST_DATABASE_URL) with a token holding every scope. No case
may get a server error, a status the document does not list, another content
type, or a body that breaks its schema. Bounded by MAX_EXAMPLES per operation.
The figures (operations, cases, failures) are printed (run with -s to see them)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from tests.helpers import build_year

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def world(app_factory, make_tenant, make_user):
    from appraisal.platform.db import utcnow
    from appraisal.platform.models import User
    from appraisal.tenants.api.services import create_token
    from appraisal.tenants.results.models import Publication

    app = app_factory(API_RATE_LIMIT="100000 per minute")
    with app.app_context():
        year = build_year(make_tenant("fuzz", "模糊测试市"), make_user)
        with tenant_scope(year.tenant):
            db.session.add(
                Publication(
                    cycle_id=year.ids["cycle"], publicity_ends_on=date(2027, 1, 7), appeals_end_on=date(2027, 1, 17)
                )
            )
            from appraisal.tenants.org.models import OrgUnit

            _token, secret = create_token(
                name="模糊测试",
                scopes=["read:org", "read:results", "write:roster", "write:scores", "write:statistics"],
                expires_at=utcnow() + timedelta(days=1),
                creator=db.session.get(User, year.users["office_admin"].id),
                assessor_unit=db.session.get(OrgUnit, year.ids["depts"][2]),
            )
            db.session.commit()
    return app, year, secret


def _schema(app, slug: str):
    """The served document, with the tenant's code put in the paths (a random code is only a 404)."""
    raw = app.test_client().get("/api/v1/openapi.json").json
    assert raw["openapi"].startswith("3.1")
    paths = {}
    for path, operations in raw["paths"].items():
        for operation in operations.values():
            operation["parameters"] = [p for p in operation.get("parameters", []) if p["name"] != "tenant_slug"]
        paths[path.replace("{tenant_slug}", slug)] = operations
    raw["paths"] = paths
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    return schema


def test_the_api_keeps_to_its_document(world):
    app, year, secret = world
    schema = _schema(app, year.tenant.slug)
    headers = {"Authorization": f"Bearer {secret}"}
    figures = {"operations": 0, "cases": 0, "failures": 0}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    with app.app_context():
        for result in schema.get_all_operations():
            operation = result.ok()
            figures["operations"] += 1

            @hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(hypothesis.HealthCheck),
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            )
            @hypothesis.given(case=operation.as_strategy())
            def run(case):
                figures["cases"] += 1
                try:
                    response = case.call_and_validate(headers=headers, checks=CHECKS)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                except Exception as exc:  # a failed check: counted and reported, the run goes on
                    figures["failures"] += 1
                    failures.append(f"{case.method.upper()} {case.path}: {str(exc)[:500]}")

            run()
    print("schemathesis:", json.dumps(figures), "statuses:", json.dumps(statuses, sort_keys=True))
    assert figures["operations"] >= 9
    assert figures["cases"] >= figures["operations"] * 5
    assert not failures, "\n".join(failures[:10])
    assert statuses.get(200), "no case got through to an answer: the run tests nothing"
