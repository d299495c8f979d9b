"""Responsibility letters: what other features may use (with ``models``).

:mod:`.drafting`: draft → submitted → returned (with reasons) → approved;
:mod:`.progress`: where a year's letters stand.
"""

from __future__ import annotations

from appraisal.tenants.letters.services.drafting import (
    EDITABLE,
    ItemsIndicator,
    LetterError,
    PublicItem,
    content_hash,
    context,
    decide,
    letter_for,
    parse_points,
    points_text,
    population_needs_letters,
    remove_item,
    reopen,
    save_item,
    scheme_parts,
    submit,
    total_points,
)
from appraisal.tenants.letters.services.progress import LetterRow, overview

__all__ = [
    "EDITABLE",
    "ItemsIndicator",
    "LetterError",
    "LetterRow",
    "PublicItem",
    "content_hash",
    "context",
    "decide",
    "letter_for",
    "overview",
    "parse_points",
    "points_text",
    "population_needs_letters",
    "remove_item",
    "reopen",
    "save_item",
    "scheme_parts",
    "submit",
    "total_points",
]
