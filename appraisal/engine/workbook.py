"""The Excel workbook layout of the offline tool: one sheet per input table, English or
Chinese sheet names and headers; results written one sheet per ranking group."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .compute.inputs import COLUMNS, Inputs
from .compute.results import Results
from .errors import InputError, InputErrors

SHEET_ZH = {
    "appraisees": "被考核对象",
    "scores": "指标得分",
    "items": "责任书项目",
    "claims": "加减分",
    "vetoes": "一票否决",
    "ballots": "测评票",
    "history": "历史",
}
HEADER_ZH = {
    "appraisee_id": "编号",
    "name": "名称",
    "unit": "单位",
    "ranking_group": "排名组",
    "category": "类别",
    "supervisor_id": "分管领导编号",
    "is_unit_head": "是否主要负责人",
    "indicator": "指标",
    "item": "子项",
    "value": "数值",
    "points": "分值",
    "rule": "加减分项",
    "level": "级别",
    "count": "次数",
    "dedup_key": "同一项目编号",
    "sharers": "共享单位数",
    "verified": "已核实",
    "evidence": "依据",
    "veto": "否决项",
    "note": "说明",
    "rater_group": "测评群体",
    "score": "分数",
    "cycle": "考核年度",
    "composite": "综合得分",
    "grade": "等次",
    "grade_override": "外部评定等次",
}
#: Chinese names of the same column in a given table (where 名称 differs)
HEADER_ZH_BY_TABLE = {("items", "name"): "项目名称", ("items", "item"): "项目编号", ("items", "value"): "得分"}


def zh_header(table: str, col: str) -> str:
    return HEADER_ZH_BY_TABLE.get((table, col), HEADER_ZH[col])


def _sheet_table(name: str) -> str | None:
    low = name.strip().lower()
    for table, zh in SHEET_ZH.items():
        if low == table or name.strip() == zh:
            return table
    return None


def read_inputs(path: str | Path, collect: list[InputError] | None = None) -> tuple[Inputs, dict[str, str]]:
    """Read an input workbook → (Inputs, table → sheet name).  Unknown sheets or
    columns (all of them) raise InputErrors, or are appended to ``collect`` when given
    (so that the row-level problems can be reported in the same run); a workbook that
    cannot be read or has no appraisees sheet always raises."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except (OSError, ValueError, KeyError) as exc:
        raise InputErrors([InputError(str(path), None, None, f"cannot read the workbook: {exc}")]) from None
    errors: list[InputError] = []
    tables: dict[str, pd.DataFrame] = {}
    names: dict[str, str] = {}
    for sheet, frame in sheets.items():
        table = _sheet_table(str(sheet))
        if table is None:
            errors.append(
                InputError(
                    str(sheet),
                    None,
                    None,
                    "unknown sheet (expected one of: " + ", ".join(f"{t}/{z}" for t, z in SHEET_ZH.items()) + ")",
                )
            )
            continue
        rename, unknown = _headers(table, frame)
        missing = [c for c, _kind, required, _d in COLUMNS[table] if required and c not in rename.values()]
        if missing and len(frame.dropna(how="all")):
            # a renamed or missing required header: one error naming it, and the sheet is
            # not read row by row (every row would be wrong for the same reason)
            wanted = ", ".join(f"{c} ({zh_header(table, c)})" for c in missing)
            errors.extend(
                InputError(str(sheet), 1, label, f"unknown column; the required column {wanted} is missing — renamed?")
                for label in unknown
            )
            if not unknown:
                errors.append(InputError(str(sheet), 1, missing[0], f"required column {wanted} is missing"))
            continue
        errors.extend(InputError(str(sheet), 1, label, "unknown column") for label in unknown)
        frame = frame.rename(columns=rename)[list(rename.values())]
        frame = frame.dropna(how="all")
        tables[table] = frame.reset_index(drop=True) if not frame.index.equals(pd.RangeIndex(len(frame))) else frame
        names[table] = str(sheet)
    if "appraisees" not in tables:
        errors.append(InputError("appraisees", None, None, "the workbook has no appraisees sheet (被考核对象)"))
        raise InputErrors(errors)
    if errors:
        if collect is None:
            raise InputErrors(errors)
        collect.extend(errors)
    return Inputs(**tables), names


def _headers(table: str, frame: pd.DataFrame) -> tuple[dict, list[str]]:
    """(sheet column → input column, the headers that are none of the table's)."""
    known = [c for c, *_ in COLUMNS[table]]
    rename, unknown = {}, []
    for col in frame.columns:
        label = str(col).strip()
        match = [c for c in known if label.lower() == c or label == zh_header(table, c)]
        if match:
            rename[col] = match[0]
        elif not label.lower().startswith("unnamed"):
            unknown.append(label)
    return rename, unknown


def with_keys(scheme, inputs: Inputs) -> Inputs:
    """The Chinese labels an office writes, as the scheme's keys: rule names (加减分项),
    levels (省级), veto names, grade names (优秀) and rater groups (干部职工).  A value that
    is already a key, or matches no label, is left for the engine to check."""
    rules = {r.name_zh: r.key for r in scheme.adjustments.rules}
    levels = {level.name_zh: level.key for r in scheme.adjustments.rules for level in r.levels}
    vetoes = {v.name_zh: v.key for v in scheme.vetoes}
    grades = {b.name_zh: b.key for b in scheme.grades.bands}
    groups = {}
    for node in scheme.leaves():
        for group in getattr(node.method, "rater_groups", None) or []:
            groups[group.name_zh] = group.key
    mapping = {
        ("claims", "rule"): rules,
        ("claims", "level"): levels,
        ("vetoes", "veto"): vetoes,
        ("appraisees", "grade_override"): grades,
        ("history", "grade"): grades,
        ("ballots", "rater_group"): groups,
    }
    tables = {name: getattr(inputs, name) for name in Inputs.table_names()}
    for (table, column), labels in mapping.items():
        frame = tables[table]
        if frame is None or column not in frame.columns or not labels:
            continue
        frame = frame.copy()
        text = frame[column].astype(object)
        frame[column] = text.map(lambda v, labels=labels: labels.get(str(v).strip(), v) if isinstance(v, str) else v)
        tables[table] = frame
    return Inputs(**tables)


def rename_errors(exc: InputErrors, names: dict[str, str]) -> InputErrors:
    """Input errors with sheet names as they appear in the workbook."""
    return InputErrors([InputError(names.get(e.table, e.table), e.row, e.column, e.message) for e in exc.errors])


def write_inputs(inputs: Inputs, path: str | Path, lang: str = "zh") -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for table in Inputs.table_names():
            frame = getattr(inputs, table)
            if frame is None:
                continue
            cols = [c for c, *_ in COLUMNS[table] if c in frame.columns]
            out = frame[cols]
            if lang == "zh":
                out = out.rename(columns={c: zh_header(table, c) for c in cols})
            out.to_excel(xw, sheet_name=SHEET_ZH[table] if lang == "zh" else table, index=False)


def _sheet_name(label: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", label)[:31] or "all"
    base, k = name, 2
    while name in used:
        suffix = f"~{k}"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name)
    return name


RESULT_ZH = {
    "appraisee_id": "编号",
    "name": "名称",
    "unit": "单位",
    "ranking_group": "排名组",
    "category": "类别",
    "supervisor_id": "分管领导编号",
    "is_unit_head": "是否主要负责人",
    "grade_override": "外部评定等次",
    "base_score": "基础分",
    "bonus_raw": "加分(封顶前)",
    "bonus": "加分",
    "penalty_raw": "扣分(封顶前)",
    "penalty": "扣分",
    "adjustment": "加减分合计",
    "composite": "综合得分",
    "vetoes": "一票否决项",
    "vetoed": "被否决",
    "group": "组",
    "rank": "名次",
    "position": "顺位",
    "group_size": "组内人数",
    "grade": "等次键",
    "grade_zh": "等次",
    "grade_en": "等次(英文)",
    "grade_by_score": "按分数等次",
    "grade_rule": "等次依据",
    "award": "奖励键",
    "award_zh": "奖励",
    "award_en": "奖励(英文)",
    "award_amount": "奖励金额",
    "pay_percent": "发放比例%",
    "award_paid": "实发金额",
    "flags": "警示",
    "missing_inputs": "缺少输入",
}


def result_headers_zh(scheme) -> dict[str, str]:
    """Chinese headers for the result columns of a scheme (score_*, adj_*, quota_*…)."""
    out = dict(RESULT_ZH)
    for _, node in scheme.nodes():
        out[f"score_{node.key}"] = f"{node.name_zh}得分"
        out[f"part_{node.key}"] = f"{node.name_zh}折算分"
    for r in scheme.adjustments.rules:
        out[f"adj_{r.key}"] = f"{r.name_zh}({'加分' if r.kind == 'bonus' else '扣分'})"
    for q in scheme.quotas:
        out[f"quota_{q.key}"] = f"{q.name_zh}"
        out[f"quota_{q.key}_places"] = f"{q.name_zh}名额"
        out[f"quota_{q.key}_line"] = f"{q.name_zh}分数线"
    for f in scheme.flags:
        out[f"flag_{f.key}"] = f.name_zh
    return out


def write_results(results: Results, path: str | Path, headers: dict[str, str] | None = None) -> None:
    """One sheet per ranking group (plus unranked roll-ups), then groups, adjustments,
    explanations and the scheme identity.  ``headers`` renames the appraisee columns
    (e.g. ``result_headers_zh(scheme)``)."""
    res = results.appraisees
    if headers:
        res = res.rename(columns=headers)
    pos, grp = (headers or {}).get("position", "position"), (headers or {}).get("group", "group")
    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        ranked = res[pos] > 0
        for group, frame in res.loc[ranked].groupby(grp, sort=True):
            frame.to_excel(xw, sheet_name=_sheet_name(f"组 {group}" if group else "排名 ranking", used), index=False)
        if (~ranked).any():
            res.loc[~ranked].to_excel(xw, sheet_name=_sheet_name("未排名 unranked", used), index=False)
        results.groups.to_excel(xw, sheet_name=_sheet_name("groups", used), index=False)
        results.adjustments.to_excel(xw, sheet_name=_sheet_name("adjustments", used), index=False)
        results.explanations.to_excel(xw, sheet_name=_sheet_name("explanations", used), index=False)
        pd.DataFrame(
            {
                "scheme_key": [results.scheme_key],
                "scheme_version": [results.scheme_version],
                "scheme_hash": [results.scheme_hash],
            }
        ).to_excel(xw, sheet_name=_sheet_name("scheme", used), index=False)
