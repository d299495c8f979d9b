"""pydantic's validation errors as the scheme language reports them: a path like
``indicators[1].children[3].points`` and a plain message (used by loading and merging)."""

from __future__ import annotations

from pydantic import ValidationError

from ..errors import SchemeError

#: The discriminator tags pydantic adds to an indicator method's location.
METHOD_KINDS = {"entered", "deductions", "ratio", "count", "average", "ballot", "items"}


def loc_to_path(loc) -> str:
    """('indicators', 1, 'children', 3, 'points') → 'indicators[1].children[3].points'."""
    out = ""
    prev = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif prev == "method" and part in METHOD_KINDS:
            pass  # the discriminator tag pydantic adds to the location
        else:
            out += ("." if out else "") + str(part)
        prev = part
    return out


def pydantic_errors(exc: ValidationError, file: str) -> list[SchemeError]:
    out = []
    for e in exc.errors(include_url=False):
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field (typo?)"
        out.append(SchemeError(file, loc_to_path(e["loc"]), msg))
    return out
