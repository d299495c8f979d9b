"""The documentation's examples work."""

import re
from pathlib import Path

from appraisal.engine import load_scheme

DOCS = Path(__file__).resolve().parents[2] / "docs" / "engine"


def test_customisation_example_in_the_scheme_language_doc_loads():
    text = (DOCS / "scheme-language.md").read_text(encoding="utf-8")
    block = next(
        b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if b.startswith("base: C_county_level_cadres")
    )
    s = load_scheme(block, source="scheme-language.md")
    assert s.key == "zaozhuang_county_2026" and s.quotas[0].ratio == 0.2
    assert "quotas.excellent.ratio" in s.locks and "composition" in s.locks


def test_every_template_has_generated_examples():
    names = {p.name for p in (DOCS / "examples").glob("*.xlsx")}
    for key in [
        "A_municipal_departments",
        "B_districts",
        "C_county_level_cadres",
        "D_section_level_staff",
        "E_agency_staff_differentiated",
        "F_bureau_quantitative",
        "G_trade_union_departments",
        "H_audit_sections_400",
    ]:
        assert {f"{key}.inputs.xlsx", f"{key}.results.xlsx"} <= names
