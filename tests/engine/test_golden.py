"""Every output of the engine, pinned: results, claims, groups, explanations and the
error texts (inputs and schemes) of all built-in templates on synthetic inputs, as sha256
digests in golden_digests.json.  A refactor must leave them byte-identical; a deliberate
change of behaviour regenerates the file (UPDATE_GOLDEN=1) and says why in its commit."""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from appraisal.engine import InputErrors, compute, list_templates, load_template, validate
from appraisal.engine.synthetic import synthetic_inputs

GOLDEN = Path(__file__).with_name("golden_digests.json")
SHAPES = {
    "default": {"seed": 0},
    "crowded": {
        "seed": 3,
        "groups": 4,
        "per_group": 12,
        "history_cycles": 3,
        "veto_rate": 0.2,
        "claims_per_person": 2.0,
    },
    "single": {"seed": 7, "groups": 1, "per_group": 1},
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _table(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False) + repr([str(t) for t in frame.dtypes])


def _spoiled(inputs):
    """The inputs with one of each kind of mistake."""
    bad = copy.deepcopy(inputs)
    if len(bad.scores):
        bad.scores.loc[bad.scores.index[0], "appraisee_id"] = "nobody"
        bad.scores.loc[bad.scores.index[-1], "indicator"] = "nothing"
        bad.scores.loc[bad.scores.index[len(bad.scores) // 2], "value"] = -3
    bad.appraisees.loc[bad.appraisees.index[0], "appraisee_id"] = bad.appraisees["appraisee_id"].iloc[-1]
    if len(bad.claims):
        bad.claims.loc[bad.claims.index[0], "rule"] = "norule"
        bad.claims.loc[bad.claims.index[-1], "sharers"] = 0
    if len(bad.ballots):
        bad.ballots.loc[bad.ballots.index[0], "score"] = 1e6
    bad.vetoes = pd.DataFrame({"appraisee_id": ["zz"], "veto": ["noveto"]})
    return bad


def _broken_scheme(data: dict) -> dict:
    """The scheme with a mistake in most sections."""
    data = copy.deepcopy(data)
    data["indicators"][0]["key"] = "bonus"
    data["indicators"].append(copy.deepcopy(data["indicators"][0]))
    data["settings"]["total_points"] = 37
    data["quotas"] = [
        *data["quotas"],
        {"key": "qq", "name_zh": "x", "name_en": "x", "ratio": 0.5, "count": 3, "within": "zz"},
    ]
    data["grades"]["bands"] = [
        *data["grades"]["bands"],
        {"key": "zz", "name_zh": "z", "name_en": "z", "min_score": 3, "quota": "nq"},
    ]
    data["awards"]["tiers"] = [
        *data["awards"]["tiers"],
        {
            "key": "t9",
            "name_zh": "t",
            "name_en": "t",
            "relative_to": "nope",
            "amount": 3,
            "count": 1,
            "ratio": 0.1,
            "grades": ["bad"],
            "quota": "bad",
        },
    ]
    data["awards"]["pay_percent_by_grade"] = {"nograde": 50}
    data["locks"] = ["zzz.yy"]
    data["ranking"]["tie_breaks"] = [{"indicator": "nope", "order": "desc"}]
    return data


def _outputs() -> dict[str, str]:
    out = {}
    for info in list_templates():
        scheme = load_template(info.key)
        for shape, arguments in SHAPES.items():
            inputs = synthetic_inputs(scheme, **arguments)
            results = compute(scheme, inputs)
            for table in ("appraisees", "adjustments", "groups", "explanations"):
                out[f"{info.key}/{shape}/{table}"] = _digest(_table(getattr(results, table)))
            try:
                compute(scheme, _spoiled(inputs))
                out[f"{info.key}/{shape}/input_errors"] = "no error"
            except InputErrors as e:
                out[f"{info.key}/{shape}/input_errors"] = _digest(str(e))
        errors = validate(_broken_scheme(scheme.model_dump()), source="broken.yaml")
        out[f"{info.key}/scheme_errors"] = _digest("\n".join(str(e) for e in errors))
    return out


def test_engine_outputs_are_unchanged():
    outputs = _outputs()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(outputs, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip("golden digests rewritten")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = sorted(key for key in golden.keys() | outputs.keys() if golden.get(key) != outputs.get(key))
    assert not changed, changed
    assert len(golden) == 8 * (3 * 5 + 1)
