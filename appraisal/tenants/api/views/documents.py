"""The OpenAPI 3.1 document (``/api/v1/openapi.json``) and a readable page of it
(``/api/v1/``), rendered here from the document: no script, no CDN."""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, render_template

from appraisal.platform.permissions import public
from appraisal.platform.problems import MEDIA_TYPE
from appraisal.tenants.api.views import docs
from appraisal.tenants.api.views._shared import spec


def document() -> dict[str, Any]:
    """spectree's document, with what it cannot say itself: problems are
    ``application/problem+json``, and what ``tenant_slug`` is."""
    cached = current_app.extensions.get("api_openapi")
    if cached is not None:
        return cached
    doc = copy.deepcopy(spec.spec)
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code.isdigit() and int(code) >= 400 and "application/json" in content:
                    response["content"] = {MEDIA_TYPE: content["application/json"]}
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "tenant_slug":
                    parameter["description"] = "租户代码 / the tenant's code (as in /t/<code>/ of its pages)"
                    parameter["schema"] = {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,62}$"}
                elif parameter.get("in") == "path":
                    parameter.setdefault("schema", {})["minimum"] = 1
    current_app.extensions["api_openapi"] = doc
    return doc


@docs.get("/openapi.json")
@public
def openapi():
    return document()


def _schema_name(schema: dict[str, Any] | None) -> str:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1].split(".")[0] if ref else ""


@docs.get("/")
@public
def page():
    """The document as a page: each operation, its parameters, body and answers."""
    doc = document()
    operations = []
    for path, methods in doc.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "parameters": op.get("parameters", []),
                    "body": _schema_name(body),
                    "responses": [
                        (code, _schema_name(next(iter(r.get("content", {}).values()), {}).get("schema")))
                        for code, r in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    schemas = doc.get("components", {}).get("schemas", {})
    return render_template("api/docs.html", doc=doc, operations=operations, schemas=schemas)
