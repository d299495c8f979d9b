"""Customisation: template + overrides, locks, versions and the content hash."""

import pytest

from appraisal.engine import (
    SchemeErrors,
    load_scheme,
    load_template,
    merge,
    scheme_hash,
)


def test_overrides_change_points_quotas_bands_amounts_and_indicators():
    a = load_template("A_municipal_departments")
    s = merge(
        a,
        {
            "version": 2,
            "indicators": {
                "business": {"points": 65},
                "public": {
                    "points": 35,
                    "children": {
                        "investment": None,  # removed
                        "safety": {
                            "name_zh": "安全生产",
                            "name_en": "Work safety",
                            "points": 10,
                            "method": {"kind": "entered"},
                        },  # added
                    },
                },
            },
            "quotas": {"advanced_collective": {"ratio": 0.15}},
            "awards": {"tiers": {"advanced_collective": {"amount": 20000}}},
        },
    )
    assert s.version == 2 and s.base == "A_municipal_departments"
    keys = [c.key for c in s.indicators[1].children]
    assert keys == ["party_building", "clean_governance", "civilisation", "safety"]
    assert s.quotas[0].ratio == 0.15 and s.awards.tiers[0].amount == 20000
    assert scheme_hash(s) != scheme_hash(a)


def test_merged_scheme_is_validated_like_a_template():
    a = load_template("A_municipal_departments")
    with pytest.raises(SchemeErrors) as exc:
        merge(a, {"indicators": {"business": {"points": 60}}}, source="tenant.yaml")
    assert any(e.path == "indicators" and "90" in e.message for e in exc.value.errors)
    assert all(e.file == "tenant.yaml" for e in exc.value.errors)


def test_locked_fields_cannot_be_overridden():
    c = load_template("C_county_level_cadres")
    assert "composition" in c.locks
    with pytest.raises(SchemeErrors) as exc:
        merge(c, {"composition": {"parts": {"democratic": {"weight": 0.4}, "targets": {"weight": 0.6}}}})
    paths = {e.path for e in exc.value.errors}
    assert "overrides.composition.parts.democratic.weight" in paths
    assert all("locked by 'composition'" in e.message for e in exc.value.errors)


def test_a_parent_scheme_can_add_locks_for_its_children():
    a = load_template("A_municipal_departments")
    parent = merge(
        a, {"quotas": {"advanced_collective": {"ratio": 0.12}}}, add_locks=["quotas.advanced_collective.ratio"]
    )
    child = merge(parent, {"awards": {"tiers": {"advanced_collective": {"amount": 5000}}}})
    assert child.quotas[0].ratio == 0.12
    with pytest.raises(SchemeErrors) as exc:
        merge(parent, {"quotas": {"advanced_collective": {"ratio": 0.2, "min_one": True}}})
    assert [e.path for e in exc.value.errors] == ["overrides.quotas.advanced_collective.ratio"]


def test_customisation_file_with_base_and_overrides(tmp_path):
    p = tmp_path / "tenant.yaml"
    p.write_text(
        "base: F_bureau_quantitative\nkey: my_bureau\nversion: 3\noverrides:\n  adjustments: {bonus_cap: 8}\n",
        encoding="utf-8",
    )
    s = load_scheme(p)
    assert (s.key, s.version, s.base, s.adjustments.bonus_cap) == ("my_bureau", 3, "F_bureau_quantitative", 8)


def test_hash_is_stable_and_content_based():
    a1, a2 = load_template("A_municipal_departments"), load_template("A_municipal_departments")
    assert scheme_hash(a1) == scheme_hash(a2)
    assert len(scheme_hash(a1)) == 64
    b = merge(a1, {"settings": {"precision": 1}})
    assert scheme_hash(b) != scheme_hash(a1)
