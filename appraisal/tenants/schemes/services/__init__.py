"""Schemes: what other features may use (with ``models``).

:mod:`.versions`: adopting a template and saving versions; :mod:`.customise`:
the customisation form's fields and the differences between versions.
"""

from __future__ import annotations

from appraisal.tenants.schemes.services.versions import (
    SchemeChangeError,
    adopt_for_unit,
    adopt_template,
    engine_scheme,
    latest_version,
    latest_versions,
    parent_locks,
    save_version,
    scheme_by_key,
    set_allowed_for_units,
    template_content,
)

__all__ = [
    "SchemeChangeError",
    "adopt_for_unit",
    "adopt_template",
    "engine_scheme",
    "latest_version",
    "latest_versions",
    "parent_locks",
    "save_version",
    "scheme_by_key",
    "set_allowed_for_units",
    "template_content",
]
