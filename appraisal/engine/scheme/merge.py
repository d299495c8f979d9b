"""Customisation: a tenant scheme = a template (or parent scheme) + overrides.

Overrides mirror the scheme.  Mappings merge key by key; a list of keyed objects
(indicators, children, rules, quotas, bands, tiers...) is addressed as a mapping from
the element's key (``key``, or ``indicator``/``category`` where that is the key):
an existing key is patched, a new key is added, ``null`` removes it.  Any other value
replaces.  A lock is a dotted path such as ``composition.parts.democratic.weight`` or
``composition``; an override touching it (or anything under or above it) is an error.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from ..errors import SchemeError, SchemeErrors
from .model import Scheme
from .pydantic_errors import pydantic_errors
from .validate import check_scheme

_ID_FIELDS = ("key", "indicator", "category")


def _id_field(items: list) -> str | None:
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    for f in _ID_FIELDS:
        if all(f in x for x in items):
            return f
    return None


def _merge(base: Any, patch: Any, path: str, touched: list[str], errs: list[str]) -> Any:
    if isinstance(patch, dict) and isinstance(base, dict):
        out = dict(base)
        for k, v in patch.items():
            sub = f"{path}.{k}" if path else str(k)
            if v is None:
                touched.append(sub)
                out.pop(k, None)
            elif k in out:
                out[k] = _merge(out[k], v, sub, touched, errs)
            else:
                touched.append(sub)
                out[k] = v
        return out
    if isinstance(patch, dict) and isinstance(base, list):
        field = _id_field(base) or "key"
        elements = [copy.deepcopy(x) for x in base]
        index = {x.get(field): i for i, x in enumerate(elements) if isinstance(x, dict)}
        removed = set()
        for k, v in patch.items():
            sub = f"{path}.{k}"
            if v is None:
                touched.append(sub)
                if k in index:
                    removed.add(index[k])
                else:
                    errs.append(f"{sub}: nothing called '{k}' to remove")
            elif k in index:
                elements[index[k]] = _merge(elements[index[k]], v, sub, touched, errs)
            elif isinstance(v, dict):
                touched.append(sub)
                elements.append({field: k, **v})
            else:
                errs.append(f"{sub}: a new element must be a mapping")
        return [x for i, x in enumerate(elements) if i not in removed]
    touched.append(path)
    return copy.deepcopy(patch)


def _conflicts(path: str, lock: str) -> bool:
    return path == lock or path.startswith(lock + ".") or lock.startswith(path + ".")


def merge(
    base: Scheme,
    overrides: dict,
    *,
    locks: list[str] | tuple = (),
    add_locks: list[str] | tuple = (),
    source: str = "<overrides>",
    meta: dict | None = None,
) -> Scheme:
    """Apply overrides to a base scheme; raises SchemeErrors (locked paths, bad merge,
    and every validation error of the merged scheme).

    locks: paths this override may not touch, besides the base's own ``locks``.
    add_locks: paths recorded in the result, so schemes derived from it may not touch
    them (a parent scheme locking fields for its children)."""

    data = base.model_dump(mode="json")
    all_locks = list(dict.fromkeys([*base.locks, *locks]))
    touched: list[str] = []
    problems: list[str] = []
    merged = _merge(data, overrides or {}, "", touched, problems)
    errs = [SchemeError(source, "overrides." + p.split(": ", 1)[0], p.split(": ", 1)[1]) for p in problems]
    for t in touched:
        for lock in all_locks:
            if _conflicts(t, lock):
                errs.append(SchemeError(source, "overrides." + t, f"locked by '{lock}'"))
    merged.update(meta or {})
    merged["base"] = base.key if base.base is None else base.base
    merged["locks"] = list(dict.fromkeys([*all_locks, *merged.get("locks", []), *add_locks]))
    try:
        scheme = Scheme.model_validate(merged)
    except ValidationError as exc:
        raise SchemeErrors(errs + pydantic_errors(exc, source)) from None
    errs += check_scheme(scheme, source)
    if errs:
        raise SchemeErrors(errs)
    return scheme
