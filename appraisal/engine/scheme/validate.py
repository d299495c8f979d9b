"""Whole-scheme validation: every error at once, each naming file, path and reason.

``check_scheme`` runs a list of named checks (``CHECKS``), in the order of the scheme's
sections; each check yields its problems as (path, message)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from ..errors import SchemeError
from .indicators import Ballot, Count, Deductions, Indicator, Method
from .model import Scheme

#: names the engine uses for its own result columns; indicator keys may not take them
RESERVED = {"bonus", "penalty", "composite", "rank", "position", "grade", "award", "adjustment", "base_score"}

Problems = Iterator[tuple[str, str]]  # (path, message)


def _dupes(keys: Iterable[str]) -> list[str]:
    return [k for k, n in Counter(keys).items() if n > 1]


# indicator tree ---------------------------------------------------------------------------


def check_indicator_keys(scheme: Scheme) -> Problems:
    nodes = list(scheme.nodes())
    paths = {node.key: path for path, node in nodes}
    for key in _dupes([node.key for _, node in nodes]):
        yield paths[key] + ".key", f"indicator key '{key}' is used more than once"


def check_indicator_nodes(scheme: Scheme) -> Problems:
    tolerance = scheme.settings.points_tolerance
    for path, node in scheme.nodes():
        yield from _node_problems(path, node, tolerance)
        if node.method is not None:
            yield from _method_problems(path + ".method", node.method)


def _node_problems(path: str, node: Indicator, tolerance: float) -> Problems:
    if node.key in RESERVED:
        yield path + ".key", f"'{node.key}' is reserved for a result column"
    if node.children and node.method is not None:
        yield path + ".method", "an indicator with children cannot have a scoring method"
    if not node.children and node.method is None:
        yield path + ".method", "a leaf indicator needs a scoring method"
    if node.children:
        total = sum(child.points for child in node.children)
        if abs(total - node.points) > tolerance:
            yield path + ".points", f"children's points add up to {total:g}, not {node.points:g}"


def _method_problems(path: str, method: Method) -> Problems:
    if isinstance(method, Deductions):
        for key in _dupes([item.key for item in method.items]):
            yield path + ".items", f"deduction item '{key}' is used more than once"
        for key in set(method.personal_items) - {item.key for item in method.items}:
            yield path + ".personal_items", f"no deduction item '{key}'"
    if isinstance(method, Ballot) and method.rater_groups:
        weights = sum(group.weight for group in method.rater_groups)
        if abs(weights - 1) > 1e-9:
            yield path + ".rater_groups", f"rater-group weights add up to {weights:g}, not 1"
        for key in _dupes([group.key for group in method.rater_groups]):
            yield path + ".rater_groups", f"rater group '{key}' is used more than once"
    if isinstance(method, Count) and method.points_each == 0:
        yield path + ".points_each", "points_each must not be 0"


# composition ------------------------------------------------------------------------------


def check_composition_parts(scheme: Scheme) -> Problems:
    """Each part names an indicator, outside every other part, once."""
    node_keys = {node.key for _, node in scheme.nodes()}
    parent_of = {child.key: node.key for _, node in scheme.nodes() for child in node.children}

    def ancestors(key: str) -> Iterator[str]:
        while key in parent_of:
            key = parent_of[key]
            yield key

    part_keys = [part.indicator for part in scheme.parts()]
    for i, part in enumerate(scheme.composition.parts):
        if part.indicator not in node_keys:
            yield f"composition.parts[{i}].indicator", f"no indicator '{part.indicator}'"
        elif any(a in part_keys for a in ancestors(part.indicator)):
            yield (
                f"composition.parts[{i}].indicator",
                f"'{part.indicator}' is inside another part; it would be counted twice",
            )
    for key in _dupes(part_keys):
        yield "composition.parts", f"part '{key}' is listed more than once"


def check_composition_weights(scheme: Scheme) -> Problems:
    """Weighted: a weight per part, adding up to 1, over parts with points.  Sum: no
    weights, and the parts add up to the total points."""
    if scheme.composition.method == "weighted":
        yield from _weighted_parts(scheme)
    else:
        yield from _summed_parts(scheme)


def _weighted_parts(scheme: Scheme) -> Problems:
    parts = scheme.parts()
    nodes = scheme.node_map()
    missing = [i for i, part in enumerate(parts) if part.weight is None]
    for i in missing:
        yield f"composition.parts[{i}].weight", "a weighted composition needs a weight per part"
    if not missing:
        weights = sum(part.weight or 0.0 for part in parts)
        if abs(weights - 1) > 1e-9:
            yield "composition.parts", f"part weights add up to {weights:g}, not 1"
    for i, part in enumerate(parts):
        if part.indicator in nodes and nodes[part.indicator].points <= 0:
            yield f"composition.parts[{i}].indicator", "a weighted part needs points > 0 to scale"


def _summed_parts(scheme: Scheme) -> Problems:
    nodes = scheme.node_map()
    for i, part in enumerate(scheme.composition.parts):
        if part.weight is not None:
            yield f"composition.parts[{i}].weight", "weights are only used by method 'weighted'"
    part_keys = [part.indicator for part in scheme.parts()]
    if all(key in nodes for key in part_keys):
        total = sum(nodes[key].points for key in part_keys)
        if abs(total - scheme.settings.total_points) > scheme.settings.points_tolerance:
            yield (
                "indicators",
                (f"parts add up to {total:g} points, not settings.total_points {scheme.settings.total_points:g}"),
            )


# adjustments, grades, vetoes, ranking -----------------------------------------------------


def check_adjustment_rules(scheme: Scheme) -> Problems:
    rules = scheme.adjustments.rules
    for key in _dupes([rule.key for rule in rules]):
        yield "adjustments.rules", f"rule '{key}' is defined more than once"
    for i, rule in enumerate(rules):
        path = f"adjustments.rules[{i}]"
        if (rule.points is None) == (not rule.levels):
            yield path, "give either points (per occurrence) or levels, not both or neither"
        for key in _dupes([level.key for level in rule.levels]):
            yield path + ".levels", f"level '{key}' is defined more than once"


def check_grade_bands(scheme: Scheme) -> Problems:
    bands = scheme.grades.bands
    quota_keys = [quota.key for quota in scheme.quotas]
    for key in _dupes([band.key for band in bands]):
        yield "grades.bands", f"grade '{key}' is defined more than once"
    for i, band in enumerate(bands):
        if band.quota is not None and band.quota not in quota_keys:
            yield f"grades.bands[{i}].quota", f"no quota '{band.quota}'"
    if bands and (bands[-1].min_score is not None or bands[-1].quota is not None):
        yield f"grades.bands[{len(bands) - 1}]", "the last grade band must have no conditions (catch-all)"


def _band_keys(scheme: Scheme) -> set[str]:
    return {band.key for band in scheme.grades.bands}


def check_vetoes(scheme: Scheme) -> Problems:
    for key in _dupes([veto.key for veto in scheme.vetoes]):
        yield "vetoes", f"veto '{key}' is defined more than once"
    for i, veto in enumerate(scheme.vetoes):
        cap = veto.effects.grade_cap
        if cap is not None and cap not in _band_keys(scheme):
            yield f"vetoes[{i}].effects.grade_cap", f"no grade band '{cap}'"


def check_tie_breaks(scheme: Scheme) -> Problems:
    names = {node.key for _, node in scheme.nodes()} | {"bonus", "penalty"}
    for i, tie_break in enumerate(scheme.ranking.tie_breaks):
        if tie_break.indicator not in names:
            yield f"ranking.tie_breaks[{i}].indicator", f"no indicator '{tie_break.indicator}'"


# quotas -----------------------------------------------------------------------------------


def check_quotas(scheme: Scheme) -> Problems:
    """Ratio or count; a quota 'within' another is an earlier one and no larger."""
    quota_keys = [quota.key for quota in scheme.quotas]
    for key in _dupes(quota_keys):
        yield "quotas", f"quota '{key}' is defined more than once"
    for i, quota in enumerate(scheme.quotas):
        path = f"quotas[{i}]"
        if (quota.ratio is None) == (quota.count is None):
            yield path, "give either ratio or count"
        if quota.within is None:
            continue
        if quota.within not in quota_keys[:i]:
            yield path + ".within", f"'{quota.within}' must be a quota defined before this one"
            continue
        parent = scheme.quotas[quota_keys.index(quota.within)]
        if (
            quota.ratio is not None
            and parent.ratio is not None
            and quota.pool == parent.pool
            and quota.ratio > parent.ratio
        ):
            yield (
                path + ".ratio",
                (f"{quota.ratio:g} of the pool cannot be chosen from within '{parent.key}' ({parent.ratio:g})"),
            )
        if quota.count is not None and parent.count is not None and quota.count > parent.count:
            yield (
                path + ".count",
                (f"{quota.count} places cannot be chosen from within '{parent.key}' ({parent.count})"),
            )


# awards -----------------------------------------------------------------------------------


def check_award_tiers(scheme: Scheme) -> Problems:
    """Known quota and grades; count or ratio; an amount, relative_to or discretionary."""
    tiers = scheme.awards.tiers
    tier_keys = [tier.key for tier in tiers]
    quota_keys = [quota.key for quota in scheme.quotas]
    band_keys = _band_keys(scheme)
    for key in _dupes(tier_keys):
        yield "awards.tiers", f"tier '{key}' is defined more than once"
    for i, tier in enumerate(tiers):
        path = f"awards.tiers[{i}]"
        if tier.quota is not None and tier.quota not in quota_keys:
            yield path + ".quota", f"no quota '{tier.quota}'"
        for grade in tier.grades or []:
            if grade not in band_keys:
                yield path + ".grades", f"no grade band '{grade}'"
        if tier.count is not None and tier.ratio is not None:
            yield path, "give count or ratio, not both"
        yield from _tier_amount(path, tier, tier_keys[:i])


def _tier_amount(path: str, tier, earlier_tiers: list[str]) -> Problems:
    if tier.relative_to is not None:
        if tier.relative_to not in earlier_tiers:
            yield path + ".relative_to", f"'{tier.relative_to}' must be a tier defined before this one"
        if tier.relative_factor is None:
            yield path + ".relative_factor", "relative_to needs relative_factor"
        if tier.amount is not None:
            yield path + ".amount", "give amount or relative_to, not both"
    elif tier.amount is None and not tier.discretionary:
        yield path + ".amount", "a tier needs an amount, relative_to, or discretionary: true"


def check_pay_percent(scheme: Scheme) -> Problems:
    for grade in scheme.awards.pay_percent_by_grade:
        if grade not in _band_keys(scheme):
            yield "awards.pay_percent_by_grade", f"no grade band '{grade}'"


# locks and flags --------------------------------------------------------------------------


def check_locks(scheme: Scheme) -> Problems:
    fields = set(type(scheme).model_fields)
    for i, lock in enumerate(scheme.locks):
        if lock.split(".")[0] not in fields:
            yield f"locks[{i}]", f"'{lock}' does not start with a scheme field"


def check_flags(scheme: Scheme) -> Problems:
    for key in _dupes([flag.key for flag in scheme.flags]):
        yield "flags", f"flag '{key}' is defined more than once"
    for i, flag in enumerate(scheme.flags):
        if flag.below is None and not flag.grade_in:
            yield f"flags[{i}]", "a history flag needs below or grade_in"
        for grade in flag.grade_in or []:
            if grade not in _band_keys(scheme):
                yield f"flags[{i}].grade_in", f"no grade band '{grade}'"


#: every semantic check, in the order of the scheme's sections (errors are reported so)
CHECKS: tuple[Callable[[Scheme], Problems], ...] = (
    check_indicator_keys,
    check_indicator_nodes,
    check_composition_parts,
    check_composition_weights,
    check_adjustment_rules,
    check_grade_bands,
    check_vetoes,
    check_tie_breaks,
    check_quotas,
    check_award_tiers,
    check_pay_percent,
    check_locks,
    check_flags,
)


def check_scheme(scheme: Scheme, file: str = "<scheme>") -> list[SchemeError]:
    """Semantic checks beyond the field types; returns all errors found."""
    return [SchemeError(file, path, message) for check in CHECKS for path, message in check(scheme)]
