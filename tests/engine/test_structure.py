"""The engine's shape: pure (no web framework, database or platform code), short
functions, and an explanation that follows the pipeline's stages."""

from __future__ import annotations

import ast
from pathlib import Path

import appraisal.engine

ENGINE = Path(appraisal.engine.__file__).parent
FORBIDDEN = (
    "flask",
    "flask_sqlalchemy",
    "flask_login",
    "flask_wtf",
    "flask_babel",
    "sqlalchemy",
    "werkzeug",
    "redis",
    "rq",
    "psycopg",
    "appraisal.platform",
    "appraisal.tenants",
)
MAX_LINES = 60


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) for path in sorted(ENGINE.rglob("*.py"))
    ]


def _imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_engine_imports_no_web_database_or_platform_code():
    found = {
        f"{path.relative_to(ENGINE)}: {name}"
        for path, tree in _modules()
        for name in _imported(tree)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert not found, sorted(found)


def test_the_import_check_sees_imports():
    # the check above cannot pass by reading nothing: it finds the engine's own imports
    imported = set().union(*(_imported(tree) for _, tree in _modules()))
    assert {"numpy", "pandas", "pydantic"} <= imported
    assert _imported(ast.parse("from flask import Flask\nimport sqlalchemy.orm")) == {"flask", "sqlalchemy.orm"}


def test_every_engine_function_is_at_most_60_lines():
    long = {
        f"{path.relative_to(ENGINE)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > MAX_LINES
    }
    assert not long, sorted(long)
    assert len(_modules()) > 20  # the whole package was read


def test_explanations_follow_the_pipeline_stages():
    from appraisal.engine import compute, load_template
    from appraisal.engine.synthetic import synthetic_inputs

    scheme = load_template("E_agency_staff_differentiated")
    results = compute(scheme, synthetic_inputs(scheme, veto_rate=0.3, claims_per_person=2.0, seed=4))
    stages = ["indicator", "adjustment", "composite", "rank", "grade"]
    checked = 0
    for _, rows in results.explanations.groupby("appraisee_id"):
        kinds = rows.sort_values("seq")["kind"].tolist()
        if not set(stages) <= set(kinds):
            continue
        positions = [kinds.index(kind) for kind in stages]
        assert positions == sorted(positions), kinds
        checked += 1
    assert checked > 0
