"""The appraisal engine: the scheme language and the computation (pure: pandas + pydantic).

Public API (stable; the web app calls only these):

- ``load_scheme(path_or_text, *, source=None, templates=None) -> Scheme``
  Load and validate a scheme (or a customisation: ``base`` + ``overrides``) from a
  YAML file or text.  Raises ``SchemeErrors`` listing every error (file, path, reason).
- ``load_template(key, directory=None) -> Scheme``; ``list_templates(directory=None)
  -> list[TemplateInfo]`` (key, name_zh, name_en, description_zh, description_en,
  appraisee_kind, file) — the built-in templates in ``scheme_templates/``.
- ``validate(data, *, source) -> list[SchemeError]`` ([] when valid; data = dict,
  Scheme or YAML text).  ``build_scheme(data, *, source)`` raises instead.
- ``merge(base, overrides, *, locks=(), source=..., meta=None) -> Scheme`` — a
  tenant's customisation; touching a locked path is an error naming it.
- ``scheme_hash(scheme) -> str`` — sha256 of the canonical JSON.
- ``compute(scheme, inputs: Inputs, *, cycle=None, decisions=()) -> Results`` — raises
  ``InputErrors`` (table, row, column, reason; all of them) for bad inputs.  ``cycle``
  is this cycle's year (history runs are consecutive years before it); ``decisions``
  are ``TieDecision`` (line, tied ids, placed ids, reason, document) — the office's
  decisions on ties the tie-break chain cannot break (``Results.ties``).
- ``Inputs`` (dataclass of DataFrames), ``Results`` (appraisees, adjustments, groups,
  explanations — built on first access —, scheme_key, scheme_version, scheme_hash,
  ``records(table)`` → JSON-ready dicts), ``COLUMNS`` (the input column contract:
  table → [(column, kind, required, default)]).
- ``Scheme.model_json_schema()`` gives the JSON schema of the scheme language (for an
  editor); ``templates_dir()`` is the folder of the built-in templates.

See docs/engine/ for the scheme language and every input and output column.
"""

from .compute import COLUMNS, Inputs, Results, TieDecision, compute
from .errors import InputError, InputErrors, SchemeError, SchemeErrors
from .scheme import (
    Scheme,
    TemplateInfo,
    build_scheme,
    list_templates,
    load_scheme,
    load_template,
    merge,
    scheme_hash,
    templates_dir,
    validate,
)

__all__ = [
    "COLUMNS",
    "InputError",
    "InputErrors",
    "Inputs",
    "Results",
    "Scheme",
    "SchemeError",
    "SchemeErrors",
    "TemplateInfo",
    "TieDecision",
    "build_scheme",
    "compute",
    "list_templates",
    "load_scheme",
    "load_template",
    "merge",
    "scheme_hash",
    "templates_dir",
    "validate",
]
