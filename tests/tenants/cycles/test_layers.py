"""Dependencies point down: cycles, letters and schemes do not reach the features above them,
and other code uses them only through their ``services`` and ``models``."""

from __future__ import annotations

import ast
from pathlib import Path

import appraisal

ROOT = Path(appraisal.__file__).parent
TESTS = ROOT.parent / "tests"

#: feature → the features above it, which it must not import.
ABOVE = {
    "schemes": {"cycles", "letters", "scoring", "ballots", "results", "overview", "home"},
    "cycles": {"letters", "scoring", "ballots", "results", "overview", "home"},
    "letters": {"scoring", "ballots", "results", "overview", "home"},
}

#: Known exceptions: none (moving to 公示 and back reaches results through the hook
#: results registers with cycles, ``cycles.services.on_phase_change``).
KNOWN: set[tuple[str, str]] = set()


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:  # from appraisal.tenants.x import services
                yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_lower_features_import_nothing_above_them():
    found = []
    for feature, above in ABOVE.items():
        for path in sorted((ROOT / "tenants" / feature).rglob("*.py")):
            rel = str(path.relative_to(ROOT / "tenants"))
            for module in _imports(path):
                parts = module.split(".")
                if (
                    parts[:2] == ["appraisal", "tenants"]
                    and len(parts) > 2
                    and parts[2] in above
                    and not any(rel == known and module.startswith(m) for known, m in KNOWN)
                ):
                    found.append(f"{rel} imports {module}")
    assert not found, found


def test_other_code_uses_only_their_services_and_models():
    found = []
    for base in (ROOT, TESTS):
        for path in sorted(base.rglob("*.py")):
            for feature in ABOVE:
                inside = ROOT / "tenants" / feature
                if inside in path.parents or (base == TESTS and (TESTS / "tenants" / feature) in path.parents):
                    continue
                prefix = f"appraisal.tenants.{feature}."
                for module in _imports(path):
                    if module.startswith(prefix) and module[len(prefix) :].split(".")[0] not in ("services", "models"):
                        found.append(f"{path.relative_to(base.parent)} imports {module}")
    assert not found, found
