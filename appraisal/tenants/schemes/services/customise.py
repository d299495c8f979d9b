"""Turning a scheme into form fields and form values back into overrides.

Overrides follow the engine's customisation language (docs/engine/scheme-language.md
§11): keyed lists are addressed by key, ``null`` removes, other values replace.
The form shows the values people change most (points, weights, quotas, grade
thresholds, amounts); structural changes go through the overrides text.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appraisal.platform.inputs import finite_decimal

KEYED_LISTS = {
    "indicators": "key",
    "children": "key",
    "rules": "key",
    "levels": "key",
    "quotas": "key",
    "bands": "key",
    "tiers": "key",
    "parts": "indicator",
    "rollups": "category",
    "flags": "key",
    "vetoes": "key",
    "rater_groups": "key",
    "items": "key",
}


QUOTA_ATTRS = {"ratio": _l("比例（0–1）"), "count": _l("名额"), "min_score": _l("最低分")}


@dataclass(frozen=True)
class Field:
    """One editable number: where it lives in overrides and in the merged scheme."""

    override_path: tuple[str, ...]  # ("quotas", "excellent", "ratio")
    index_path: str  # "quotas[0].ratio", as the engine reports errors
    section: str
    label: str
    value: float | int | None
    template_value: float | int | None
    integer: bool = False

    @property
    def shown(self) -> str:
        """The value as a person writes it: 70, not 70.0."""
        return "" if self.value is None else f"{self.value:g}"

    @property
    def name(self) -> str:
        return "f." + ".".join(self.override_path)

    @property
    def dotted(self) -> str:
        return ".".join(self.override_path)


def _indicator_fields(nodes, template_nodes, path=(), index="indicators", names=()) -> Iterator[Field]:
    template = {n["key"]: n for n in template_nodes or []}
    for i, node in enumerate(nodes):
        key = node["key"]
        here = path + (key,)
        label = " › ".join(names + (node.get("name_zh") or key,))
        yield Field(
            ("indicators",) + _children_path(here) + ("points",),
            f"{index}[{i}].points",
            "indicators",
            label,
            node.get("points"),
            (template.get(key) or {}).get("points"),
        )
        if node.get("children"):
            yield from _indicator_fields(
                node["children"],
                (template.get(key) or {}).get("children"),
                here,
                f"{index}[{i}].children",
                names + (node.get("name_zh") or key,),
            )


def _children_path(keys: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for i, key in enumerate(keys):
        if i:
            out.append("children")
        out.append(key)
    return tuple(out)


def editable_fields(content: dict, template: dict) -> list[Field]:
    """The fields of the customisation form for a merged scheme (``content``)."""
    fields = list(_indicator_fields(content.get("indicators", []), template.get("indicators", [])))
    t_parts = {p["indicator"]: p for p in template.get("composition", {}).get("parts", [])}
    for i, part in enumerate(content.get("composition", {}).get("parts", [])):
        if part.get("weight") is not None:
            fields.append(
                Field(
                    ("composition", "parts", part["indicator"], "weight"),
                    f"composition.parts[{i}].weight",
                    "composition",
                    part["indicator"],
                    part["weight"],
                    (t_parts.get(part["indicator"]) or {}).get("weight"),
                )
            )
    t_quotas = {q["key"]: q for q in template.get("quotas", [])}
    for i, quota in enumerate(content.get("quotas", [])):
        for attr in ("ratio", "count", "min_score"):
            if quota.get(attr) is not None:
                fields.append(
                    Field(
                        ("quotas", quota["key"], attr),
                        f"quotas[{i}].{attr}",
                        "quotas",
                        f"{quota.get('name_zh') or quota['key']} · {QUOTA_ATTRS[attr]}",
                        quota[attr],
                        (t_quotas.get(quota["key"]) or {}).get(attr),
                        integer=attr == "count",
                    )
                )
    t_bands = {b["key"]: b for b in template.get("grades", {}).get("bands", [])}
    for i, band in enumerate(content.get("grades", {}).get("bands", [])):
        if band.get("min_score") is not None:
            fields.append(
                Field(
                    ("grades", "bands", band["key"], "min_score"),
                    f"grades.bands[{i}].min_score",
                    "grades",
                    band.get("name_zh") or band["key"],
                    band["min_score"],
                    (t_bands.get(band["key"]) or {}).get("min_score"),
                )
            )
    t_tiers = {t["key"]: t for t in template.get("awards", {}).get("tiers", [])}
    for i, tier in enumerate(content.get("awards", {}).get("tiers", [])):
        if tier.get("amount") is not None:
            fields.append(
                Field(
                    ("awards", "tiers", tier["key"], "amount"),
                    f"awards.tiers[{i}].amount",
                    "awards",
                    tier.get("name_zh") or tier["key"],
                    tier["amount"],
                    (t_tiers.get(tier["key"]) or {}).get("amount"),
                )
            )
    return fields


def _set(tree: dict, path: tuple[str, ...], value) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def _unset(tree: dict, path: tuple[str, ...]) -> None:
    chain = [tree]
    for key in path[:-1]:
        if not isinstance(chain[-1].get(key), dict):
            return
        chain.append(chain[-1][key])
    chain[-1].pop(path[-1], None)
    for parent, key in zip(reversed(chain[:-1]), reversed(path[:-1])):  # drop emptied branches
        if parent.get(key) == {}:
            parent.pop(key)


class FieldErrors(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def apply_form(overrides: dict, fields: list[Field], form: dict[str, str]) -> dict:
    """New overrides: the given ones with every form field set (or reset to the template)."""
    result = copy.deepcopy(overrides)
    errors: dict[str, str] = {}
    for field in fields:
        raw = (form.get(field.name) or "").strip()
        if raw == "":
            errors[field.name] = _("请填写数值")
            continue
        try:
            number = finite_decimal(raw)  # no NaN, Infinity or 1e309 (the JSON column refuses them)
            value = int(raw) if field.integer else float(number)
        except ValueError:
            errors[field.name] = _("请填写整数") if field.integer else _("请填写数字")
            continue
        if value == field.template_value:
            _unset(result, field.override_path)
        else:
            _set(result, field.override_path, value)
    if errors:
        raise FieldErrors(errors)
    return result


def flatten(content: Any, prefix: str = "") -> dict[str, str]:
    """A scheme as ``{path: value}`` with keyed lists addressed by key — for diffs."""
    out: dict[str, str] = {}
    if isinstance(content, dict):
        for key, value in content.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(content, list) and content and all(isinstance(x, dict) for x in content):
        name = prefix.rsplit(".", 1)[-1]
        id_key = KEYED_LISTS.get(name)
        for i, item in enumerate(content):
            label = item.get(id_key) if id_key and id_key in item else str(i)
            out.update(flatten(item, f"{prefix}.{label}"))
    else:
        out[prefix] = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return out


def diff(old: dict, new: dict) -> list[tuple[str, str | None, str | None]]:
    """(path, old value, new value) for every path that differs."""
    a, b = flatten(old), flatten(new)
    return [(path, a.get(path), b.get(path)) for path in sorted(set(a) | set(b)) if a.get(path) != b.get(path)]


def lock_label(path: str, content: dict) -> str:
    """A lockable path in words: "quotas.excellent" → "限额：优秀"."""
    fixed = {"composition": _("合成方式与权重"), "grades": _("等次"), "awards": _("奖励")}
    if path in fixed:
        return fixed[path]
    kind, _dot, key = path.partition(".")
    items = content.get(kind, [])
    name = next((i.get("name_zh") for i in items if i.get("key") == key), key)
    kinds = {"indicators": _("指标"), "quotas": _("限额")}
    return _("%(kind)s：%(name)s", kind=kinds.get(kind, kind), name=name or key)
