"""Scheme validation: each kind of error, all errors together, file + path in the message."""

import copy

import pytest
import yaml

from appraisal.engine import (
    SchemeErrors,
    build_scheme,
    list_templates,
    load_scheme,
    load_template,
    validate,
)

BASE = load_template("A_municipal_departments").model_dump(mode="json")


def errors_of(data, source="scheme.yaml"):
    return [(e.file, e.path, e.message) for e in validate(data, source=source)]


def mutate(fn):
    d = copy.deepcopy(BASE)
    fn(d)
    return d


def test_all_eight_templates_validate():
    keys = [t.key for t in list_templates()]
    assert len(keys) == 8
    assert [k[0] for k in keys] == list("ABCDEFGH")


def test_points_must_add_up():
    errs = errors_of(mutate(lambda d: d["indicators"][1]["children"][3].update(points=6)))
    assert ("scheme.yaml", "indicators[1].points", "children's points add up to 31, not 30") in errs
    # the top-level parts must add up to the total too
    errs = errors_of(mutate(lambda d: d["indicators"][0].update(points=71)))
    assert ("scheme.yaml", "indicators", "parts add up to 101 points, not settings.total_points 100") in errs


def test_typo_is_an_error_with_its_path():
    errs = errors_of(mutate(lambda d: d["indicators"][1]["children"][2].update(pionts=5)))
    assert ("scheme.yaml", "indicators[1].children[2].pionts", "unknown field (typo?)") in errs


def test_unresolved_references():
    def bad(d):
        d["awards"]["tiers"][0]["quota"] = "nope"
        d["ranking"]["tie_breaks"] = [{"indicator": "missing_one"}]
        d["vetoes"][0]["effects"]["grade_cap"] = "excellent"

    errs = errors_of(mutate(bad))
    paths = {p for _, p, _ in errs}
    assert {"awards.tiers[0].quota", "ranking.tie_breaks[0].indicator", "vetoes[0].effects.grade_cap"} <= paths


def test_weights_must_sum_to_one():
    c = load_template("C_county_level_cadres").model_dump(mode="json")
    c["composition"]["parts"][0]["weight"] = 0.4
    errs = errors_of(c)
    assert any(p == "composition.parts" and "1.1" in m for _, p, m in errs)
    e = load_template("E_agency_staff_differentiated").model_dump(mode="json")
    e["indicators"][0]["method"]["rater_groups"][2]["weight"] = 0.4
    assert any(p == "indicators[0].method.rater_groups" for _, p, _ in errors_of(e))


def test_quotas_must_be_possible():
    c = load_template("C_county_level_cadres").model_dump(mode="json")
    c["quotas"][1]["ratio"] = 0.5  # commendation 50 % chosen from within 15 % excellent
    c["quotas"][0]["count"] = 3  # both ratio and count
    errs = errors_of(c)
    paths = {p for _, p, _ in errs}
    assert "quotas[1].ratio" in paths and "quotas[0]" in paths
    c2 = load_template("C_county_level_cadres").model_dump(mode="json")
    c2["quotas"][0]["ratio"] = 1.5
    assert any(p == "quotas[0].ratio" for _, p, _ in errors_of(c2))


def test_all_errors_are_reported_together_in_one_exception():
    def many(d):
        d["indicators"][0]["points"] = 60  # parts add up to 90
        d["indicators"][1]["children"][0]["method"] = {"kind": "entered", "bogus": 1}
        d["quotas"][0]["ratio"] = -1

    with pytest.raises(SchemeErrors) as exc:
        build_scheme(mutate(many), source="x.yaml")
    # every structural problem is reported in one exception
    assert len(exc.value.errors) >= 2
    text = str(exc.value)
    assert "x.yaml: indicators[1].children[0].method.bogus" in text
    assert "x.yaml: quotas[0].ratio" in text
    d = mutate(
        lambda d: (d["indicators"][1]["children"][0].update(points=11), d["awards"]["tiers"][0].update(quota="nope"))
    )
    errs = validate(d, source="y.yaml")
    assert {e.path for e in errs} >= {"indicators[1].points", "awards.tiers[0].quota"}


def test_leaf_needs_a_method_and_keys_are_unique():
    def bad(d):
        d["indicators"][1]["children"][0].pop("method")
        d["indicators"][1]["children"][1]["key"] = "civilisation"

    errs = errors_of(mutate(bad))
    msgs = " | ".join(f"{p}: {m}" for _, p, m in errs)
    assert "indicators[1].children[0].method: a leaf indicator needs a scoring method" in msgs
    assert "used more than once" in msgs


def test_yaml_file_errors_name_the_file(tmp_path):
    p = tmp_path / "bad.yaml"
    d = mutate(lambda d: d["quotas"][0].update(within="later"))
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SchemeErrors) as exc:
        load_scheme(p)
    assert str(exc.value).startswith(f"{p}: quotas[0].within")
    broken = tmp_path / "broken.yaml"
    broken.write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(SchemeErrors) as exc:
        load_scheme(broken)
    assert "not valid YAML" in str(exc.value) and "line" in str(exc.value)


def test_locks_must_name_scheme_fields_and_procedure_defaults():
    d = mutate(lambda d: d.update(locks=["composition", "compositon.parts"]))
    assert ("scheme.yaml", "locks[1]", "'compositon.parts' does not start with a scheme field") in errors_of(d)
    f = load_template("F_bureau_quantitative")
    assert (f.procedure.publicity_days, f.procedure.appeal_days) == (5, 10)
    assert load_template("E_agency_staff_differentiated").procedure.publicity_days == 3
    assert load_template("A_municipal_departments").procedure.letter_due == "03-15"


def test_structural_and_semantic_errors_are_reported_together():
    def bad(d):
        d["indicators"][1]["children"][2]["pionts"] = 5  # typo (structural)
        d["quotas"][0]["rounding"] = "bankers"  # bad value (structural)
        d["indicators"][1]["children"][0]["points"] = 12  # sum 32 ≠ 30 (semantic)
        d["awards"]["tiers"][0]["quota"] = "nope"  # dangling reference

    errs = errors_of(mutate(bad))
    paths = [p for _, p, _ in errs]
    assert "indicators[1].children[2].pionts" in paths
    assert "quotas[0].rounding" in paths
    assert "indicators[1].points" in paths
    assert "awards.tiers[0].quota" in paths
