"""The offline tool: check, compute from a workbook, bad input reported in full."""

import pandas as pd
import yaml

from appraisal.engine import load_template
from appraisal.engine.cli import main
from appraisal.engine.examples import write_example


def test_check_templates_ok(capsys):
    from appraisal.engine import templates_dir

    files = sorted(str(p) for p in templates_dir().glob("*.yaml"))
    assert main(["check", *files]) == 0
    assert capsys.readouterr().out.count("OK ") == 8


def test_check_reports_every_error_and_exits_1(tmp_path, capsys):
    d = load_template("A_municipal_departments").model_dump(mode="json")
    d["indicators"][1]["children"][0]["points"] = 12
    d["quotas"][0]["within"] = "nothing"
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    assert main(["check", str(p)]) == 1
    err = capsys.readouterr().err
    assert f"{p}: indicators[1].points: children's points add up to 32, not 30" in err
    assert f"{p}: quotas[0].within" in err


def test_compute_from_a_workbook_writes_one_sheet_per_group(tmp_path, capsys):
    scheme = load_template("A_municipal_departments")
    inputs_path, _ = write_example(scheme, tmp_path)
    scheme_path = tmp_path / "a.yaml"
    scheme_path.write_text(yaml.safe_dump(scheme.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    assert main(["compute", "--scheme", str(scheme_path), "--inputs", str(inputs_path), "--out", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"组 G001", "组 G002", "explanations", "adjustments", "groups", "scheme"} <= set(sheets)
    assert len(sheets["组 G001"]) == 10


def test_bad_input_fails_with_sheet_row_column_and_reason(tmp_path, capsys):
    path = tmp_path / "in.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"编号": ["d1", "d2", "d2"], "排名组": ["g", "g", "g"]}).to_excel(
            xw, sheet_name="被考核对象", index=False
        )
        pd.DataFrame({"编号": ["d1", "x9"], "指标": ["party_building", "party_buildin"], "数值": [9, "nine"]}).to_excel(
            xw, sheet_name="指标得分", index=False
        )
        pd.DataFrame({"appraisee_id": ["d1"], "colour": ["red"]}).to_excel(xw, sheet_name="vetoes", index=False)
        pd.DataFrame({"a": [1]}).to_excel(xw, sheet_name="Sheet9", index=False)
    scheme = tmp_path / "a.yaml"
    scheme.write_text("base: A_municipal_departments\noverrides: {}\n", encoding="utf-8")
    rc = main(["compute", "--scheme", str(scheme), "--inputs", str(path), "--out", str(tmp_path / "o.xlsx")])
    assert rc == 1
    err = capsys.readouterr().err
    # the structural problems and the row-level ones, together, with spreadsheet rows
    assert "Sheet9: unknown sheet" in err
    assert "vetoes, row 1, column colour: unknown column" in err
    assert "被考核对象, row 3, column appraisee_id: appraisee id is not unique" in err
    assert "被考核对象, row 4, column appraisee_id: appraisee id is not unique" in err
    assert "指标得分, row 3, column value: not a number" in err
    assert "指标得分, row 3, column appraisee_id: unknown appraisee" in err
    assert "指标得分, row 3, column indicator: unknown indicator" in err


def test_compute_with_chinese_result_headers(tmp_path):
    scheme = load_template("F_bureau_quantitative")
    inputs_path, _ = write_example(scheme, tmp_path)
    out = tmp_path / "out.xlsx"
    from appraisal.engine import templates_dir

    assert (
        main(
            [
                "compute",
                "--scheme",
                str(templates_dir() / "F_bureau_quantitative.yaml"),
                "--inputs",
                str(inputs_path),
                "--out",
                str(out),
                "--lang",
                "zh",
            ]
        )
        == 0
    )
    sheet = pd.read_excel(out, sheet_name="排名 ranking")
    assert {"编号", "综合得分", "名次", "等次", "业务工作得分", "荣获表彰和荣誉(加分)", "排名前20%"} <= set(
        sheet.columns
    )


def test_the_workbook_accepts_the_chinese_labels_the_office_uses():
    # E: a staff member with ballots from 干部职工 (staff, 50 %) 90 and 主要负责同志 (principal,
    # 30 %) 80, deputy absent (its 20 % spread): (0.5 × 90 + 0.3 × 80) / 0.8 = 86.25;
    # 个人受表彰 at 省级部门或州委州政府 (+1) → 87.25.  The same with the keys.
    from appraisal.engine import Inputs, compute
    from appraisal.engine.workbook import with_keys

    scheme = load_template("E_agency_staff_differentiated")
    people = pd.DataFrame({"appraisee_id": ["s1", "s2"], "category": ["general", "general"]})

    def inputs(group_staff, group_principal, rule, level, grade):
        return Inputs(
            people.assign(grade_override=["", grade]),
            ballots=pd.DataFrame(
                {"appraisee_id": ["s1", "s1"], "rater_group": [group_staff, group_principal], "score": [90, 80]}
            ),
            claims=pd.DataFrame({"appraisee_id": ["s1"], "rule": [rule], "level": [level]}),
        )

    chinese = with_keys(scheme, inputs("干部职工", "主要负责同志", "个人受表彰", "省级部门或州委州政府", "优秀"))
    keys = inputs("staff", "principal", "commendation", "provincial", "excellent")
    by_label = compute(scheme, chinese).appraisees.set_index("appraisee_id")
    by_key = compute(scheme, keys).appraisees.set_index("appraisee_id")
    assert by_label.loc["s1", "composite"] == by_key.loc["s1", "composite"] == 87.25
    assert by_label.loc["s2", "grade"] == "excellent"


def test_a_renamed_required_header_is_one_error_naming_it(tmp_path, capsys):
    path = tmp_path / "in.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"编号": [f"d{i}" for i in range(50)], "排名组": ["g"] * 50}).to_excel(
            xw, sheet_name="被考核对象", index=False
        )
        frame = pd.DataFrame(
            {"单位编号": [f"d{i}" for i in range(50)], "指标": ["party_building"] * 50, "数值": [9] * 50}
        )
        frame.to_excel(xw, sheet_name="指标得分", index=False)
    scheme = tmp_path / "a.yaml"
    scheme.write_text("base: A_municipal_departments\noverrides: {}\n", encoding="utf-8")
    rc = main(["compute", "--scheme", str(scheme), "--inputs", str(path), "--out", str(tmp_path / "o.xlsx")])
    assert rc == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines == [
        f"{path}: 指标得分, row 1, column 单位编号: unknown column; the required column appraisee_id (编号) "
        "is missing — renamed?"
    ]
