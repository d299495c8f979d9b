"""The scheme language: model, validation, loading, customisation."""

from .loading import (
    TemplateInfo,
    build_scheme,
    canonical_json,
    list_templates,
    load_scheme,
    load_template,
    scheme_hash,
    templates_dir,
    validate,
)
from .merge import merge
from .model import Scheme, Settings

__all__ = [
    "Scheme",
    "Settings",
    "TemplateInfo",
    "build_scheme",
    "canonical_json",
    "list_templates",
    "load_scheme",
    "load_template",
    "merge",
    "scheme_hash",
    "templates_dir",
    "validate",
]
