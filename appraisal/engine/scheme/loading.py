"""Reading schemes and templates from YAML, with every error reported at once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import SchemeError, SchemeErrors
from .merge import merge
from .model import Scheme
from .pydantic_errors import pydantic_errors
from .validate import check_scheme


def templates_dir() -> Path:
    import appraisal

    return Path(appraisal.__file__).resolve().parent.parent / "scheme_templates"


def _read(path_or_text, source: str | None) -> tuple[Any, str]:
    if isinstance(path_or_text, Path) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text and path_or_text.endswith((".yaml", ".yml", ".json"))
    ):
        p = Path(path_or_text)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise SchemeErrors([SchemeError(source or str(p), "", f"cannot read: {exc}")]) from None
        return text, source or str(p)
    return path_or_text, source or "<text>"


@dataclass(frozen=True)
class YamlLimits:
    """How much YAML is read at all. A scheme template is ~8 KB, 6 levels deep
    and ~1,500 nodes; these defaults leave a wide margin."""

    max_bytes: int = 512 * 1024
    max_depth: int = 40
    max_nodes: int = 50_000  # counted with aliases expanded (an alias repeats its anchor)


DEFAULT_YAML_LIMITS = YamlLimits()
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlTooLarge(ValueError):
    """The text exceeds a limit; ``what`` is 'bytes', 'depth' or 'nodes'."""

    def __init__(self, what: str, limit: int, line: int | None = None):
        super().__init__(f"YAML exceeds the {what} limit ({limit})")
        self.what, self.limit, self.line = what, limit, line


def _check_shape(text: str | bytes, limits: YamlLimits) -> None:
    """Walk the parser's events (no objects are built) counting depth and nodes,
    an alias counted as the size of what it repeats (no "billion laughs")."""
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, depth of its subtree)
    stack: list[list] = []  # open collections: [nodes, depth of deepest child, anchor]
    total = 0

    def count(nodes: int, depth: int, line: int | None) -> None:
        nonlocal total
        total += nodes
        if total > limits.max_nodes:
            raise YamlTooLarge("nodes", limits.max_nodes, line)
        if len(stack) + depth > limits.max_depth:
            raise YamlTooLarge("depth", limits.max_depth, line)

    def into_parent(nodes: int, depth: int) -> None:
        if stack:
            stack[-1][0] += nodes
            stack[-1][1] = max(stack[-1][1], depth)

    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.ScalarEvent):
            count(1, 0, line)
            into_parent(1, 0)
            if event.anchor:
                sizes[event.anchor] = (1, 0)
        elif isinstance(event, yaml.AliasEvent):
            nodes, depth = sizes.get(event.anchor, (1, 0))
            count(nodes, depth, line)
            into_parent(nodes, depth)
        elif isinstance(event, yaml.CollectionStartEvent):
            count(1, 1, line)
            stack.append([1, 0, event.anchor])
        elif isinstance(event, yaml.CollectionEndEvent):
            nodes, depth, anchor = stack.pop()
            if anchor:
                sizes[anchor] = (nodes, depth + 1)
            into_parent(nodes, depth + 1)


def load_yaml(text: str | bytes, limits: YamlLimits = DEFAULT_YAML_LIMITS) -> Any:
    """``yaml.safe_load`` after checking size, depth and node count before
    anything is built. Raises YamlTooLarge or yaml.YAMLError."""
    # a str is never shorter in UTF-8 than in characters: encode (a copy) only when that is small
    too_long = len(text) > limits.max_bytes or (
        isinstance(text, str) and len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes
    )
    if too_long:
        raise YamlTooLarge("bytes", limits.max_bytes)
    _check_shape(text, limits)
    return yaml.load(text, Loader=_LOADER)


def parse_yaml(text: str, file: str, limits: YamlLimits = DEFAULT_YAML_LIMITS) -> Any:
    try:
        return load_yaml(text, limits)
    except YamlTooLarge as exc:
        where = f"line {exc.line}" if exc.line else ""
        raise SchemeErrors([SchemeError(file, where, str(exc))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SchemeErrors([SchemeError(file, where, f"not valid YAML: {exc}")]) from None


def validate(data, *, source: str = "<scheme>") -> list[SchemeError]:
    """All errors of a scheme given as a dict, a Scheme or YAML text; [] when valid."""
    try:
        build_scheme(data, source=source)
    except SchemeErrors as exc:
        return exc.errors
    return []


def _salvage(data: dict, exc: ValidationError, reported: list[SchemeError], file: str) -> list[SchemeError]:
    """The semantic errors elsewhere in a scheme that has structural ones, so that all
    errors are reported together: drop the offending fields (unknown fields, bad values
    of fields with defaults), re-validate, and keep the semantic errors that do not
    concern the objects already reported."""
    import copy

    trimmed = copy.deepcopy(data)
    for e in exc.errors(include_url=False):
        loc = [p for p in e["loc"]]
        if e["type"] == "missing" or not loc:
            return []  # a required value is missing: nothing sensible to check further
        parent = trimmed
        try:
            for part in loc[:-1]:
                if isinstance(parent, dict) and part not in parent:
                    break  # the discriminator tag pydantic adds
                parent = parent[part]
            if isinstance(parent, dict):
                parent.pop(loc[-1], None)
            else:
                return []
        except (KeyError, IndexError, TypeError):
            return []
    try:
        scheme = Scheme.model_validate(trimmed)
    except ValidationError:
        return []
    bad_objects = {r.path.rsplit(".", 1)[0] for r in reported}
    return [
        e
        for e in check_scheme(scheme, file)
        if not any(
            e.path == b or e.path.startswith(b + ".") or e.path.startswith(b + "[") or b.startswith(e.path)
            for b in bad_objects
        )
    ]


def build_scheme(data, *, source: str = "<scheme>", templates: Path | None = None) -> Scheme:
    """A validated Scheme from a dict (a scheme, or a customisation with ``overrides``)."""
    if isinstance(data, Scheme):
        data = data.model_dump(mode="json")
    if isinstance(data, str):
        data = parse_yaml(data, source)
    if not isinstance(data, dict):
        raise SchemeErrors([SchemeError(source, "", "a scheme must be a mapping")])
    if "overrides" in data:
        return apply_customisation(data, source=source, templates=templates)
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        errs = pydantic_errors(exc, source)
        raise SchemeErrors(errs + _salvage(data, exc, errs, source)) from None
    errs = check_scheme(scheme, source)
    if errs:
        raise SchemeErrors(errs)
    return scheme


def load_scheme(path_or_text, *, source: str | None = None, templates: Path | None = None) -> Scheme:
    """Load and validate a scheme from a file path or YAML text; raises SchemeErrors."""
    text, file = _read(path_or_text, source)
    return build_scheme(parse_yaml(text, file), source=file, templates=templates)


@dataclass(frozen=True)
class TemplateInfo:
    key: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    appraisee_kind: str
    file: str


def template_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or templates_dir()).glob("*.yaml"))


def list_templates(directory: Path | None = None) -> list[TemplateInfo]:
    """The built-in templates for a template picker, in file order."""
    out = []
    for p in template_files(directory):
        s = load_scheme(p, templates=directory)
        out.append(
            TemplateInfo(s.key, s.name_zh, s.name_en, s.description_zh, s.description_en, s.appraisee_kind, p.name)
        )
    return out


def load_template(key: str, directory: Path | None = None) -> Scheme:
    """A built-in template by its key (e.g. 'A_municipal_departments')."""
    for p in template_files(directory):
        data = parse_yaml(p.read_text(encoding="utf-8"), p.name)
        if isinstance(data, dict) and data.get("key") == key:
            return build_scheme(data, source=p.name, templates=directory)
    raise KeyError(f"no scheme template '{key}'")


def canonical_json(scheme: Scheme) -> str:
    return json.dumps(scheme.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def scheme_hash(scheme: Scheme) -> str:
    """sha256 of the canonical JSON of the scheme: identifies exactly what was computed."""
    return hashlib.sha256(canonical_json(scheme).encode("utf-8")).hexdigest()


def apply_customisation(doc: dict, *, source: str, templates: Path | None = None) -> Scheme:
    """A customisation document: ``base`` (template key), ``overrides``, optional
    ``locks`` (added for schemes derived from this one), key, version, names."""
    allowed = {"base", "overrides", "locks", "key", "version", "name_zh", "name_en", "description_zh", "description_en"}
    errs = [SchemeError(source, k, "unknown field (typo?)") for k in doc if k not in allowed]
    if "base" not in doc:
        errs.append(SchemeError(source, "base", "a customisation needs a base template key"))
    if errs:
        raise SchemeErrors(errs)
    try:
        base = load_template(doc["base"], templates)
    except KeyError as exc:
        raise SchemeErrors([SchemeError(source, "base", str(exc.args[0]))]) from None
    meta = {k: doc[k] for k in allowed - {"base", "overrides", "locks"} if k in doc}
    return merge(base, doc.get("overrides") or {}, add_locks=doc.get("locks") or (), source=source, meta=meta)
