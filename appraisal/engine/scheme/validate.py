"""Whole-scheme validation: every error at once, each naming file, path and reason."""
from __future__ import annotations

from collections import Counter

from ..errors import SchemeError
from .model import Scheme

#: names the engine uses for its own result columns; indicator keys may not take them
RESERVED = {"bonus", "penalty", "composite", "rank", "position", "grade", "award",
            "adjustment", "base_score"}


def _dupes(keys):
    return [k for k, n in Counter(keys).items() if n > 1]


def check_scheme(scheme: Scheme, file: str = "<scheme>") -> list[SchemeError]:
    """Semantic checks beyond the field types; returns all errors found."""
    errs: list[SchemeError] = []

    def err(path: str, msg: str) -> None:
        errs.append(SchemeError(file, path, msg))

    tol = scheme.settings.points_tolerance
    nodes = list(scheme.nodes())
    paths = {n.key: p for p, n in nodes}

    # indicator tree -----------------------------------------------------------------
    for key in _dupes([n.key for _, n in nodes]):
        err(paths[key] + ".key", f"indicator key '{key}' is used more than once")
    for path, node in nodes:
        if node.key in RESERVED:
            err(path + ".key", f"'{node.key}' is reserved for a result column")
        if node.children and node.method is not None:
            err(path + ".method", "an indicator with children cannot have a scoring method")
        if not node.children and node.method is None:
            err(path + ".method", "a leaf indicator needs a scoring method")
        if node.children:
            total = sum(c.points for c in node.children)
            if abs(total - node.points) > tol:
                err(path + ".points", f"children's points add up to {total:g}, not {node.points:g}")
        m = node.method
        if m is None:
            continue
        if m.kind == "deductions":
            for key in _dupes([d.key for d in m.items]):
                err(path + ".method.items", f"deduction item '{key}' is used more than once")
            for key in set(m.personal_items) - {d.key for d in m.items}:
                err(path + ".method.personal_items", f"no deduction item '{key}'")
        if m.kind == "ballot" and m.rater_groups:
            wsum = sum(g.weight for g in m.rater_groups)
            if abs(wsum - 1) > 1e-9:
                err(path + ".method.rater_groups", f"rater-group weights add up to {wsum:g}, not 1")
            for key in _dupes([g.key for g in m.rater_groups]):
                err(path + ".method.rater_groups", f"rater group '{key}' is used more than once")
        if m.kind == "count" and m.points_each == 0:
            err(path + ".method.points_each", "points_each must not be 0")

    node_keys = {n.key for _, n in nodes}
    parent_of = {c.key: n.key for _, n in nodes for c in n.children}

    def ancestors(key):
        while key in parent_of:
            key = parent_of[key]
            yield key

    # composition ----------------------------------------------------------------------
    comp = scheme.composition
    parts = scheme.parts()
    part_keys = [p.indicator for p in parts]
    for i, part in enumerate(comp.parts):
        if part.indicator not in node_keys:
            err(f"composition.parts[{i}].indicator", f"no indicator '{part.indicator}'")
        elif any(a in part_keys for a in ancestors(part.indicator)):
            err(f"composition.parts[{i}].indicator",
                f"'{part.indicator}' is inside another part; it would be counted twice")
    for key in _dupes(part_keys):
        err("composition.parts", f"part '{key}' is listed more than once")
    nmap = scheme.node_map()
    if comp.method == "weighted":
        missing = [i for i, p in enumerate(parts) if p.weight is None]
        for i in missing:
            err(f"composition.parts[{i}].weight", "a weighted composition needs a weight per part")
        if not missing:
            wsum = sum(p.weight for p in parts)
            if abs(wsum - 1) > 1e-9:
                err("composition.parts", f"part weights add up to {wsum:g}, not 1")
        for i, p in enumerate(parts):
            if p.indicator in nmap and nmap[p.indicator].points <= 0:
                err(f"composition.parts[{i}].indicator", "a weighted part needs points > 0 to scale")
    else:
        for i, p in enumerate(comp.parts):
            if p.weight is not None:
                err(f"composition.parts[{i}].weight", "weights are only used by method 'weighted'")
        if all(k in nmap for k in part_keys):
            total = sum(nmap[k].points for k in part_keys)
            if abs(total - scheme.settings.total_points) > tol:
                err("indicators", f"parts add up to {total:g} points, not "
                    f"settings.total_points {scheme.settings.total_points:g}")

    # adjustments ------------------------------------------------------------------------
    rules = scheme.adjustments.rules
    for key in _dupes([r.key for r in rules]):
        err("adjustments.rules", f"rule '{key}' is defined more than once")
    for i, r in enumerate(rules):
        p = f"adjustments.rules[{i}]"
        if (r.points is None) == (not r.levels):
            err(p, "give either points (per occurrence) or levels, not both or neither")
        for key in _dupes([lv.key for lv in r.levels]):
            err(p + ".levels", f"level '{key}' is defined more than once")

    # grades -----------------------------------------------------------------------------
    bands = scheme.grades.bands
    band_keys = {b.key for b in bands}
    quota_keys = [q.key for q in scheme.quotas]
    for key in _dupes([b.key for b in bands]):
        err("grades.bands", f"grade '{key}' is defined more than once")
    for i, b in enumerate(bands):
        if b.quota is not None and b.quota not in quota_keys:
            err(f"grades.bands[{i}].quota", f"no quota '{b.quota}'")
    if bands and (bands[-1].min_score is not None or bands[-1].quota is not None):
        err(f"grades.bands[{len(bands) - 1}]", "the last grade band must have no conditions (catch-all)")

    # vetoes -----------------------------------------------------------------------------
    for key in _dupes([v.key for v in scheme.vetoes]):
        err("vetoes", f"veto '{key}' is defined more than once")
    for i, v in enumerate(scheme.vetoes):
        if v.effects.grade_cap is not None and v.effects.grade_cap not in band_keys:
            err(f"vetoes[{i}].effects.grade_cap", f"no grade band '{v.effects.grade_cap}'")

    # ranking ----------------------------------------------------------------------------
    for i, tb in enumerate(scheme.ranking.tie_breaks):
        if tb.indicator not in node_keys | {"bonus", "penalty"}:
            err(f"ranking.tie_breaks[{i}].indicator", f"no indicator '{tb.indicator}'")

    # quotas -----------------------------------------------------------------------------
    for key in _dupes(quota_keys):
        err("quotas", f"quota '{key}' is defined more than once")
    for i, q in enumerate(scheme.quotas):
        p = f"quotas[{i}]"
        if (q.ratio is None) == (q.count is None):
            err(p, "give either ratio or count")
        if q.within is not None:
            if q.within not in quota_keys[:i]:
                err(p + ".within", f"'{q.within}' must be a quota defined before this one")
            else:
                parent = scheme.quotas[quota_keys.index(q.within)]
                if (q.ratio is not None and parent.ratio is not None and q.pool == parent.pool
                        and q.ratio > parent.ratio):
                    err(p + ".ratio", f"{q.ratio:g} of the pool cannot be chosen from within "
                        f"'{parent.key}' ({parent.ratio:g})")
                if q.count is not None and parent.count is not None and q.count > parent.count:
                    err(p + ".count", f"{q.count} places cannot be chosen from within "
                        f"'{parent.key}' ({parent.count})")

    # awards -----------------------------------------------------------------------------
    tiers = scheme.awards.tiers
    tier_keys = [t.key for t in tiers]
    for key in _dupes(tier_keys):
        err("awards.tiers", f"tier '{key}' is defined more than once")
    for i, t in enumerate(tiers):
        p = f"awards.tiers[{i}]"
        if t.quota is not None and t.quota not in quota_keys:
            err(p + ".quota", f"no quota '{t.quota}'")
        for g in t.grades or []:
            if g not in band_keys:
                err(p + ".grades", f"no grade band '{g}'")
        if t.count is not None and t.ratio is not None:
            err(p, "give count or ratio, not both")
        if t.relative_to is not None:
            if t.relative_to not in tier_keys[:i]:
                err(p + ".relative_to", f"'{t.relative_to}' must be a tier defined before this one")
            if t.relative_factor is None:
                err(p + ".relative_factor", "relative_to needs relative_factor")
            if t.amount is not None:
                err(p + ".amount", "give amount or relative_to, not both")
        elif t.amount is None and not t.discretionary:
            err(p + ".amount", "a tier needs an amount, relative_to, or discretionary: true")
    for g in scheme.awards.pay_percent_by_grade:
        if g not in band_keys:
            err("awards.pay_percent_by_grade", f"no grade band '{g}'")

    # locks ------------------------------------------------------------------------------
    fields = set(type(scheme).model_fields)
    for i, lock in enumerate(scheme.locks):
        if lock.split(".")[0] not in fields:
            err(f"locks[{i}]", f"'{lock}' does not start with a scheme field")

    # flags ------------------------------------------------------------------------------
    for key in _dupes([f.key for f in scheme.flags]):
        err("flags", f"flag '{key}' is defined more than once")
    for i, f in enumerate(scheme.flags):
        if f.below is None and not f.grade_in:
            err(f"flags[{i}]", "a history flag needs below or grade_in")
        for g in f.grade_in or []:
            if g not in band_keys:
                err(f"flags[{i}].grade_in", f"no grade band '{g}'")
    return errs
