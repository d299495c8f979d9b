"""The rules of the code's layout, checked over the source with ``ast`` (nothing is imported).

The floors are declared once, in ``appraisal/architecture.py``; the rules are explained in
docs/dev/architecture.md. Every import counts, including those inside functions.

1. The engine imports neither Flask nor SQLAlchemy nor anything of the platform or the tenants.
2. The platform imports no tenant feature, except in the app factory's registry
   (``appraisal.platform.app._register_blueprints``).
3. A feature imports from another feature only its ``services`` or its ``models`` — never its
   ``views``, forms or helpers.
4. No unit imports a unit on a higher floor.
5. No circle of imports between modules.

Today's code breaks some of these. Each known break is listed below with its reason; the lists
only shrink: a *new* break fails ``test_*``, and an entry that no longer happens fails
``test_*_allow_list_is_current`` (remove it from the list). When a file moves (e.g. ``views.py``
becomes a ``views/`` package) the failure message prints the entries to paste.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from appraisal.architecture import FEATURES, FLOORS, PUBLIC_PARTS, floor_of

ROOT = Path(__file__).resolve().parent.parent / "appraisal"
FORBIDDEN_IN_ENGINE = ("flask", "flask_", "sqlalchemy", "alembic", "werkzeug")
REGISTRY = {("appraisal.platform.app", "_register_blueprints")}

# --- known breaks (shrink only) -------------------------------------------------------------
# "importer -> imported": reason
KNOWN_VIOLATIONS: dict[str, str] = {}

# Each circle: the sorted modules of one strongly connected component, and the reason.
KNOWN_CIRCLES: list[tuple[tuple[str, ...], str]] = []


# --- reading the source ---------------------------------------------------------------------


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # a module of appraisal (the deepest one named), or an outside top-level name
    function: str | None  # the outermost enclosing function, None at module level
    line: int


def _known(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, function: str | None) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inner = function
            if function is None and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "appraisal":
                        target = _known(alias.name)
                        if target:
                            yield Import(module, target, inner, child.lineno)
                    else:
                        yield Import(module, alias.name, inner, child.lineno)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                if base.split(".")[0] != "appraisal":
                    yield Import(module, base, inner, child.lineno)
                    continue
                for alias in child.names:
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else _known(base)
                    if target:
                        yield Import(module, target, inner, child.lineno)
            yield from visit(child, inner)

    yield from visit(tree, None)


IMPORTS = [imp for module, path in sorted(MODULES.items()) for imp in _imports(module, path)]


def unit_of(module: str) -> str | None:
    """engine, platform, a feature, demo, worker — or None (the package roots and this map)."""
    parts = module.split(".")
    if parts[0] != "appraisal" or len(parts) < 2:
        return None
    if parts[1] in ("engine", "platform"):
        return parts[1]
    if parts[1] == "tenants":
        return parts[2] if len(parts) > 2 else None  # appraisal.tenants itself is the registry
    return parts[1] if any(parts[1] in floor for floor in FLOORS) else None


# --- the rules ------------------------------------------------------------------------------


def _why(imp: Import) -> str | None:
    """Which rule the import breaks, or None."""
    source = unit_of(imp.importer)
    if source is None:
        return None
    if not imp.target.startswith("appraisal"):
        top = imp.target.split(".")[0]
        if source == "engine" and (top in FORBIDDEN_IN_ENGINE or top.startswith("flask_")):
            return "the engine imports a web or database library"
        return None
    target = unit_of(imp.target)
    if target is None or target == source:
        return None
    if source == "engine":
        return "the engine imports the platform or the tenants"
    if target == "engine":
        return None  # every floor may use the pure engine beneath it
    if source == "platform" and (imp.importer, imp.function) in REGISTRY:
        return None
    if source == "platform":
        return "the platform imports a feature outside the app factory's registry"
    if source in FEATURES and target in FEATURES:
        part = imp.target.split(".")[3] if imp.target.count(".") >= 3 else ""
        if part not in PUBLIC_PARTS:
            return f"a feature imports {target}'s {part or 'package'} (only services or models)"
    if floor_of(source) < floor_of(target):
        return f"a lower floor ({source}) imports a higher one ({target})"
    return None


def _violations() -> dict[str, str]:
    found: dict[str, str] = {}
    for imp in IMPORTS:
        why = _why(imp)
        if why:
            found.setdefault(f"{imp.importer} -> {imp.target}", f"{why} (line {imp.line})")
    return found


def _graph() -> dict[str, set[str]]:
    """Module → the modules it imports. A package importing its own submodules
    (a ``views/`` package's ``__init__`` imports its route modules at the bottom
    so that they register on its blueprint) is the layout itself, not a
    dependency: those edges are left out, so the route modules' use of the
    blueprint is not counted as a circle."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in IMPORTS:
        if imp.target in MODULES and imp.target != imp.importer and not imp.target.startswith(imp.importer + "."):
            graph[imp.importer].add(imp.target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(tuple(sorted(component)))
    return sorted(found)


def _paste(entries: dict[str, str]) -> str:
    return "\n".join(f"    {key!r}: {value!r}," for key, value in sorted(entries.items()))


# --- the tests ------------------------------------------------------------------------------


def test_floors_name_every_unit_once():
    names = [name for floor in FLOORS for name in floor]
    assert len(names) == len(set(names))
    on_disk = {path.parent.name for path in (ROOT / "tenants").glob("*/__init__.py")}
    assert on_disk == set(FEATURES), "a feature on disk is missing from FLOORS (or the reverse)"
    units = {unit_of(module) for module in MODULES} - {None}
    assert units <= set(names), f"units without a floor: {units - set(names)}"


def test_the_checker_sees_the_imports_it_must():
    """The reader finds function-level and relative imports (a checker that sees nothing passes everything)."""
    pairs = {(imp.importer, imp.target, imp.function) for imp in IMPORTS}
    assert ("appraisal.platform.app", "appraisal.tenants", "_register_blueprints") in pairs
    assert any(imp.importer == "appraisal.engine" and imp.target.startswith("appraisal.engine.") for imp in IMPORTS)
    assert _why(Import("appraisal.engine.compute", "flask", None, 1))
    assert _why(Import("appraisal.engine.compute", "sqlalchemy.orm", None, 1))
    assert _why(Import("appraisal.platform.web", "appraisal.tenants.org.services", None, 1))
    assert not _why(Import("appraisal.platform.app", "appraisal.tenants", "_register_blueprints", 1))
    assert _why(Import("appraisal.tenants.results.services", "appraisal.tenants.cycles.views", None, 1))
    assert not _why(Import("appraisal.tenants.results.services", "appraisal.tenants.cycles.services", None, 1))
    assert not _why(Import("appraisal.tenants.results.services", "appraisal.tenants.cycles.models", None, 1))
    assert _why(Import("appraisal.tenants.cycles.services", "appraisal.tenants.results.services", None, 1))
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]


def test_no_new_import_breaks_the_rules():
    new = {key: why for key, why in _violations().items() if key not in KNOWN_VIOLATIONS}
    assert not new, "imports that break docs/dev/architecture.md's rules:\n" + _paste(new)


def test_known_violations_allow_list_is_current():
    gone = sorted(set(KNOWN_VIOLATIONS) - set(_violations()))
    assert not gone, f"fixed (or moved): remove from KNOWN_VIOLATIONS: {gone}"


def test_no_new_import_circle():
    allowed = [set(members) for members, _ in KNOWN_CIRCLES]
    new = [circle for circle in _circles(_graph()) if not any(set(circle) <= known for known in allowed)]
    assert not new, "new import circles (break them; see docs/dev/architecture.md):\n" + "\n".join(map(repr, new))


def test_known_circles_allow_list_is_current():
    circles = set(_circles(_graph()))
    stale = [members for members, _ in KNOWN_CIRCLES if tuple(sorted(members)) not in circles]
    assert not stale, (
        "circles that changed or are gone (update KNOWN_CIRCLES to today's):\n"
        + "\n".join(map(repr, stale))
        + "\ntoday's:\n"
        + "\n".join(map(repr, sorted(circles)))
    )


def _private_imports() -> list[str]:
    """``from appraisal.x import _name`` where ``x`` is another module: a private name used
    across modules. A package's own ``_shared`` module (the layout's shared view helpers) is
    public to that package, so importing it from the package is not counted."""
    found = []
    for module, path in sorted(MODULES.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:  # from .x import _y: resolved against this module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                node.module = f"{base}.{node.module}" if node.module else base
            if not (node.module and node.module.startswith("appraisal")):
                continue
            for alias in node.names:
                name = alias.name
                if not name.startswith("_") or name.startswith("__") or node.module == module:
                    continue
                if name == "_shared" and module.startswith(node.module + "."):
                    continue
                if name == "_shared" and node.module == module.rsplit(".", 1)[0]:
                    continue
                found.append(f"{module} imports {node.module}.{name} (line {node.lineno})")
    return found


def test_no_private_name_is_imported_across_modules():
    private = _private_imports()
    assert not private, "make the name public, or keep its use inside its module:\n" + "\n".join(private)


def test_the_private_import_check_sees_private_imports(tmp_path):
    """The check is not blind: a module importing another's private name is reported."""
    global MODULES
    saved = MODULES
    fake = tmp_path / "mod.py"
    fake.write_text("from appraisal.platform.models import _hidden\n", encoding="utf-8")
    MODULES = {"appraisal.fake": fake}
    try:
        assert _private_imports() == ["appraisal.fake imports appraisal.platform.models._hidden (line 1)"]
    finally:
        MODULES = saved


#: A module longer than this is split by what its parts do (issue: "no file in appraisal/ over 400 lines").
MAX_MODULE_LINES = 400


def test_no_module_is_longer_than_the_limit():
    long = {
        str(path.relative_to(ROOT)): n
        for path in ROOT.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (lines): {long}"
