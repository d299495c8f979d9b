"""The public API the web app calls."""

import shutil

import pandas as pd
import pytest

from appraisal import engine
from appraisal.engine import (
    Inputs,
    compute,
    list_templates,
    load_template,
    scheme_hash,
    templates_dir,
)


def test_public_names():
    for name in [
        "load_scheme",
        "load_template",
        "list_templates",
        "validate",
        "merge",
        "scheme_hash",
        "compute",
        "Inputs",
        "Results",
        "SchemeErrors",
        "SchemeError",
        "InputErrors",
        "TemplateInfo",
        "COLUMNS",
    ]:
        assert hasattr(engine, name), name


def test_template_picker_information():
    infos = list_templates()
    kinds = {t.key: t.appraisee_kind for t in infos}
    assert kinds["A_municipal_departments"] == "unit" and kinds["F_bureau_quantitative"] == "individual"
    for t in infos:
        assert t.name_zh and t.name_en and t.description_zh and t.description_en


def test_templates_folder_can_be_overridden(tmp_path):
    shutil.copy(templates_dir() / "B_districts.yaml", tmp_path / "B_districts.yaml")
    assert [t.key for t in list_templates(tmp_path)] == ["B_districts"]
    assert load_template("B_districts", tmp_path).key == "B_districts"
    with pytest.raises(KeyError):
        load_template("A_municipal_departments", tmp_path)


def test_results_carry_the_scheme_identity_and_handle_empty_inputs():
    s = load_template("C_county_level_cadres")
    r = compute(s, Inputs(pd.DataFrame({"appraisee_id": pd.Series([], dtype="str")})))
    assert len(r.appraisees) == 0 and len(r.explanations) == 0
    assert (r.scheme_key, r.scheme_version, r.scheme_hash) == (s.key, s.version, scheme_hash(s))
    assert list(r.explanations.columns) == ["appraisee_id", "seq", "kind", "ref", "zh", "en"]


def test_results_can_be_pickled_for_a_job_queue():
    import pickle

    from appraisal.engine.synthetic import synthetic_inputs

    s = load_template("G_trade_union_departments")
    r = compute(s, synthetic_inputs(s, seed=5))
    back = pickle.loads(pickle.dumps(r))
    pd.testing.assert_frame_equal(back.appraisees, r.appraisees)
    pd.testing.assert_frame_equal(back.explanations, r.explanations)


def test_records_are_json_ready():
    import json

    s = load_template("G_trade_union_departments")
    from appraisal.engine.synthetic import synthetic_inputs

    r = compute(s, synthetic_inputs(s, seed=2))
    rows = r.records()
    assert len(rows) == len(r.appraisees)
    chair = next(x for x in rows if x["category"] == "chair")
    assert chair["rank"] is None and chair["composite"] is None
    json.dumps(rows, allow_nan=False)  # strict JSON: no NaN
    assert r.records("explanations")[0].keys() == {"appraisee_id", "seq", "kind", "ref", "zh", "en"}
