"""A readable explanation per appraisee, in Chinese and English.

Built from the results, vectorised: one block of rows per scheme element (indicator,
rule, quota...), never a loop over appraisees.  Columns: appraisee_id, seq, kind,
ref (the scheme element), zh, en."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..scheme import Scheme


def fmt(x, prec: int = 2) -> np.ndarray:
    """Numbers as short strings: 9.50 → '9.5', 10.00 → '10' (formats each distinct
    value once)."""
    arr = np.nan_to_num(np.asarray(x, dtype="float64"))
    codes, uniq = pd.factorize(arr)
    s = np.char.mod(f"%.{prec}f", uniq)
    if prec:
        s = np.char.rstrip(np.char.rstrip(s, "0"), ".")
    s = np.where(s == "-0", "0", s).astype(object)
    return s[codes] if len(codes) else s


def _map_str(values, mapping: dict) -> np.ndarray:
    """Map values through a dict; missing → '' (without pandas dtype upcasts)."""
    out = pd.Series(np.asarray(values, dtype=object), dtype=object).map(mapping).to_numpy(dtype=object)
    out[pd.isna(out)] = ""
    return out


class _Rows:
    """Explanation rows, collected block by block (one block per scheme element)."""

    def __init__(self, n: int, ids: np.ndarray):
        self.n = n
        self.ids = ids
        self.blocks: list[tuple] = []
        self.next = 0.0

    def add(self, kind: str, ref: str, zh, en, mask=None, codes=None, order=None) -> float:
        """Add a block of rows; returns its order key.  ``order`` (per row) places rows
        elsewhere, e.g. each claim right after its rule."""
        codes = np.arange(self.n) if codes is None else codes
        k = len(codes)
        zh = np.broadcast_to(np.asarray(zh, dtype=object), (k,))
        en = np.broadcast_to(np.asarray(en, dtype=object), (k,))
        m = np.ones(k, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        self.next += 1.0
        key = np.full(k, self.next) if order is None else np.asarray(order, dtype="float64")
        if m.any():
            self.blocks.append((codes[m], len(self.blocks), kind, ref, zh[m], en[m], key[m]))
        return self.next

    def frame(self) -> pd.DataFrame:
        cols = ["appraisee_id", "seq", "kind", "ref", "zh", "en"]
        if not self.blocks:
            return pd.DataFrame({c: pd.Series(dtype="str" if c != "seq" else "int64") for c in cols})
        codes = np.concatenate([b[0] for b in self.blocks])
        block = np.concatenate([np.full(len(b[0]), b[1]) for b in self.blocks])
        kinds = np.array([b[2] for b in self.blocks], dtype=object)
        refs = np.array([b[3] for b in self.blocks], dtype=object)
        zh = np.concatenate([b[4] for b in self.blocks])
        en = np.concatenate([b[5] for b in self.blocks])
        okey = np.concatenate([b[6] for b in self.blocks])
        order = np.lexsort((block, okey, codes))
        codes, block = codes[order], block[order]
        starts = np.r_[True, codes[1:] != codes[:-1]]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))
        seq = np.arange(len(codes)) - first + 1
        return pd.DataFrame({"appraisee_id": pd.array(self.ids[codes], dtype="str"), "seq": seq,
                             "kind": pd.array(kinds[block], dtype="str"),
                             "ref": pd.array(refs[block], dtype="str"),
                             "zh": pd.array(zh[order], dtype="str"),
                             "en": pd.array(en[order], dtype="str")})


def explain(scheme: Scheme, frame: pd.DataFrame, claims: pd.DataFrame, ts, rk, p,
            vetoes) -> pd.DataFrame:
    prec = scheme.settings.precision
    f = frame.sort_values("appraisee_id").reset_index(drop=True)  # = prepared order
    ids = f["appraisee_id"].to_numpy(dtype=object)
    ranked = f["position"].to_numpy() > 0
    R = _Rows(len(ids), ids)
    id_index = pd.Index(ids, dtype=object)

    def code_of(values) -> np.ndarray:
        return id_index.get_indexer(np.asarray(values, dtype=object))

    # indicators ----------------------------------------------------------------------------
    for path, node in scheme.nodes():
        who_zh = f"({node.assessor_zh})" if node.assessor_zh else ""
        who_en = f" ({node.assessor_en})" if node.assessor_en else ""
        sc = fmt(f[f"score_{node.key}"], prec)
        R.add("indicator", path, f"{node.name_zh}{who_zh}: " + sc + f" / {node.points:g}",
              f"{node.name_en}{who_en}: " + sc + f" / {node.points:g}", ranked)
        m = node.method
        if m is None:
            continue
        if node.key in ts.missing:
            R.add("missing", path, f"{node.name_zh}: 无输入, 按 0 计",
                  f"{node.name_en}: no input, counted as 0", ts.missing[node.key] & ranked)
        if m.kind == "deductions":
            for d in m.items:
                cnt = ts.detail[f"count_{node.key}_{d.key}"]
                R.add("deduction", f"{path}.method.items.{d.key}",
                      f"  {d.name_zh} " + fmt(cnt, 2)
                      + f" 次 × {d.points_each:g} = −" + fmt(cnt * d.points_each, prec),
                      f"  {d.name_en} " + fmt(cnt, 2) + f" × {d.points_each:g} = −"
                      + fmt(cnt * d.points_each, prec), (cnt > 0) & ranked)
            shared = ts.detail.get(f"supervised_{node.key}")
            if shared is not None:
                R.add("deduction", f"{path}.method.charge_supervisor",
                      "  其中分管人员的扣分共同承担 −" + fmt(shared, prec),
                      "  of which shared from supervised staff −" + fmt(shared, prec),
                      (shared > 0) & ranked)
        elif m.kind == "ratio":
            r = ts.detail[f"ratio_{node.key}"]
            R.add("ratio", path, "  完成率 " + fmt(r * 100, 2) + "%",
                  "  completion " + fmt(r * 100, 2) + "%", ~np.isnan(r) & ranked)
        elif m.kind == "ballot":
            for g in m.rater_groups:
                mean = ts.detail[f"ballot_{node.key}_{g.key}"]
                k = ts.detail[f"ballots_{node.key}_{g.key}_n"]
                R.add("ballot", f"{path}.method.rater_groups.{g.key}",
                      f"  {g.name_zh}(权重 {g.weight * 100:g}%): 平均 " + fmt(mean, prec)
                      + ", " + fmt(k, 0) + " 票",
                      f"  {g.name_en} (weight {g.weight * 100:g}%): mean " + fmt(mean, prec)
                      + ", " + fmt(k, 0) + " ballots", (k > 0) & ranked)
                R.add("ballot", f"{path}.method.rater_groups.{g.key}",
                      f"  {g.name_zh} 无票, 权重按比例分配给其他群体" if m.redistribute_missing
                      else f"  {g.name_zh} 无票, 按 0 计",
                      f"  {g.name_en}: no ballots, weight redistributed over the others"
                      if m.redistribute_missing else f"  {g.name_en}: no ballots, counted as 0",
                      (k == 0) & ~ts.missing[node.key] & ranked)
            if not m.rater_groups:
                mean = ts.detail[f"ballot_{node.key}"]
                k = ts.detail[f"ballots_{node.key}_n"]
                R.add("ballot", path, "  测评平均 " + fmt(mean, prec) + ", " + fmt(k, 0) + " 票",
                      "  ballots: mean " + fmt(mean, prec) + ", " + fmt(k, 0) + " ballots",
                      (k > 0) & ranked)
            ent = ts.detail.get(f"entered_{node.key}")
            if ent is not None:
                R.add("ballot", path, "  采用录入的测评分 " + fmt(ent, prec),
                      "  entered evaluation score used: " + fmt(ent, prec), ~np.isnan(ent))
        elif m.kind == "items":
            k = ts.detail[f"items_{node.key}_n"]
            ps = ts.detail[f"items_{node.key}_points"]
            R.add("items", path, "  责任书 " + fmt(k, 0) + " 项, 分值合计 " + fmt(ps, prec),
                  "  responsibility letter: " + fmt(k, 0) + " items worth " + fmt(ps, prec),
                  (k > 0) & ranked)

    # composition and adjustments -----------------------------------------------------------
    if scheme.composition.method == "weighted":
        for part in scheme.parts():
            node = scheme.node_map()[part.indicator]
            R.add("part", f"composition.parts.{part.indicator}",
                  f"{node.name_zh} " + fmt(f[f"score_{node.key}"], prec)
                  + f" / {node.points:g} × {part.weight * 100:g}% × {scheme.settings.total_points:g} = "
                  + fmt(f[f"part_{node.key}"], prec),
                  f"{node.name_en} " + fmt(f[f"score_{node.key}"], prec)
                  + f" / {node.points:g} × {part.weight * 100:g}% × {scheme.settings.total_points:g} = "
                  + fmt(f[f"part_{node.key}"], prec), ranked)
    rule_order = {}
    for r in scheme.adjustments.rules:
        p_rule = f[f"adj_{r.key}"].to_numpy()
        sign = "+" if r.kind == "bonus" else "−"
        rule_order[r.key] = R.add("adjustment", f"adjustments.rules.{r.key}",
                                  f"{r.name_zh}: {sign}" + fmt(p_rule, prec),
                                  f"{r.name_en}: {sign}" + fmt(p_rule, prec),
                                  (p_rule > 0) & ranked)
    # one row per adjustment claim ----------------------------------------------------------
    if len(claims):
        c = claims
        rules = {r.key: r for r in scheme.adjustments.rules}
        zh_name = _map_str(c["rule"], {k: r.name_zh for k, r in rules.items()})
        en_name = _map_str(c["rule"], {k: r.name_en for k, r in rules.items()})
        sign = np.where(c["kind"].to_numpy() == "bonus", "+", "−")
        lv_zh = {f"{r.key}|{lv.key}": lv.name_zh for r in rules.values() for lv in r.levels}
        lv_en = {f"{r.key}|{lv.key}": lv.name_en for r in rules.values() for lv in r.levels}
        rl = (c["rule"] + "|" + c["level"]).astype("str")
        has_lv = c["level"].to_numpy() != ""
        lvl_zh = np.where(has_lv, " [" + _map_str(rl, lv_zh) + "]", "")
        lvl = np.where(has_lv, " [" + _map_str(rl, lv_en) + "]", "")
        key = np.where(c["dedup_key"].to_numpy() != "", " (" + c["dedup_key"].to_numpy(dtype=object) + ")", "")
        reason = c["reason"].to_numpy(dtype=object)
        zh_reason = np.select([reason == "unverified", np.char.startswith(reason.astype(str), "duplicate"),
                               reason == "shared"], ["未核实, 不计", "同一项目按最高级别计一次, 本条不计",
                                                     "多个单位共享, 折算"], "")
        ev = c["evidence"].to_numpy(dtype=object)
        ev_zh = np.where(ev != "", "; 依据: " + ev, "")
        ev_en = np.where(ev != "", "; evidence: " + ev, "")
        zh_reason = np.where(zh_reason != "", " (" + zh_reason.astype(object) + ")", "")
        en_reason = np.where(reason != "", " (" + reason + ")", "")
        R.add("claim", "adjustments.claims",
              "  " + zh_name + lvl_zh + key + ": " + sign + fmt(c["points_raw"], prec) + " → " + sign
              + fmt(c["points_after_sharing"], prec) + zh_reason + ev_zh,
              "  " + en_name + lvl + key + ": " + sign + fmt(c["points_raw"], prec) + " → " + sign
              + fmt(c["points_after_sharing"], prec) + en_reason + ev_en,
              codes=code_of(c["appraisee_id"]),
              order=c["rule"].map(rule_order).to_numpy(dtype="float64") + 0.5)
    adj = scheme.adjustments
    for label, cap, kzh, ken in (("bonus", adj.bonus_cap, "加分", "bonus"),
                                 ("penalty", adj.penalty_cap, "扣分", "penalty")):
        raw, kept = f[f"{label}_raw"].to_numpy(), f[label].to_numpy()
        if cap is not None:
            R.add("cap", f"adjustments.{label}_cap",
                  f"{kzh}合计 " + fmt(raw, prec) + f" 超过上限 {cap:g}, 按 {cap:g} 计",
                  f"{ken} total " + fmt(raw, prec) + f" exceeds the cap {cap:g}; counted as {cap:g}",
                  (raw > kept + 1e-9) & ranked)
    R.add("composite", "composition",
          "综合得分 " + fmt(f["composite"], prec) + " = 基础分 " + fmt(f["base_score"], prec)
          + " + 加分 " + fmt(f["bonus"], prec) + " − 扣分 " + fmt(f["penalty"], prec),
          "composite " + fmt(f["composite"], prec) + " = base " + fmt(f["base_score"], prec)
          + " + bonus " + fmt(f["bonus"], prec) + " − penalty " + fmt(f["penalty"], prec), ranked)

    # vetoes, rank, quotas, grade, award, flags --------------------------------------------
    band_zh = {b.key: b.name_zh for b in scheme.grades.bands}
    band_en = {b.key: b.name_en for b in scheme.grades.bands}
    for v in scheme.vetoes:
        eff = v.effects
        zh_e = "、".join(x for x, on in (("不得获得限额名额", eff.exclude_quotas),
                                          ("取消奖励资格", eff.exclude_awards),
                                          (f"等次最高为{band_zh.get(eff.grade_cap, '')}", eff.grade_cap),
                                          (f"奖金按 {eff.pay_percent:g}% 发放" if eff.pay_percent is not None else "", eff.pay_percent is not None),
                                          ("主要负责人不能定为优秀", eff.head_not_excellent)) if on)
        en_e = "; ".join(x for x, on in (("no quota place", eff.exclude_quotas),
                                          ("no award", eff.exclude_awards),
                                          (f"grade at most {band_en.get(eff.grade_cap, '')}", eff.grade_cap),
                                          (f"bonus paid at {eff.pay_percent:g}%" if eff.pay_percent is not None else "", eff.pay_percent is not None),
                                          ("unit head cannot be excellent", eff.head_not_excellent)) if on)
        R.add("veto", f"vetoes.{v.key}", f"一票否决: {v.name_zh} → {zh_e}",
              f"veto: {v.name_en} → {en_e}",
              np.isin(np.arange(len(ids)),
                      code_of(p.vetoes.loc[(p.vetoes["veto"] == v.key).to_numpy(), "appraisee_id"])))
    grp = f["group"].to_numpy(dtype=object)
    rank_txt = fmt(f["rank"].astype("float64").fillna(0), 0)
    size_txt_ = fmt(f["group_size"], 0)
    pos_txt = fmt(f["position"], 0)
    in_zh = np.where(grp != "", "组 " + grp + " 内排名 ", "排名 ")
    in_en = np.where(grp != "", " in group " + grp, "")
    R.add("rank", "ranking", in_zh + rank_txt + " / " + size_txt_ + " (顺位 " + pos_txt + ")",
          "rank " + rank_txt + " of " + size_txt_ + in_en + " (position " + pos_txt + ")", ranked)
    for q in scheme.quotas:
        held = f[f"quota_{q.key}"].to_numpy(dtype=bool)
        places = fmt(f[f"quota_{q.key}_places"], 0)
        size_txt = f"{q.ratio * 100:g}%" if q.ratio is not None else f"{q.count}"
        line = f[f"quota_{q.key}_line"].to_numpy(dtype="float64")
        has_line = ~np.isnan(line)
        skipped = vetoes.no_quota & q.exclude_vetoed
        R.add("quota", f"quotas.{q.key}",
              f"{q.name_zh}(限额 {size_txt}, 共 " + places + " 名"
              + np.where(has_line, ", 分数线 " + fmt(line, prec), "") + "): "
              + np.where(held, "入选", np.where(skipped, "未入选(一票否决, 名额顺延给下一名)", "未入选")),
              f"{q.name_en} (quota {size_txt}, " + places + " places"
              + np.where(has_line, ", line " + fmt(line, prec), "") + "): "
              + np.where(held, "within the quota",
                         np.where(skipped, "not within the quota (vetoed; the place passes to the next)",
                                  "not within the quota")), ranked)
    quota_zh = {q.key: q.name_zh for q in scheme.quotas}
    reason_zh = {"": ""}
    for b in scheme.grades.bands:  # a Chinese reason per band
        conds = ([f"综合得分 ≥ {b.min_score:g}"] if b.min_score is not None else []) + (
            [f"在「{quota_zh.get(b.quota, b.quota)}」限额内"] if b.quota is not None else [])
        reason_zh[b.key] = " 且 ".join(conds) if conds else "其他情形"
    rule = f["grade_rule"].to_numpy(dtype=object)
    zh_reason = np.where(np.char.startswith(rule.astype(str), "veto"), "一票否决, 等次受限",
                         np.where(np.char.startswith(rule.astype(str), "grade_override"), "外部评定",
                                  _map_str(f["grade"], reason_zh)))
    R.add("grade", "grades", "等次: " + f["grade_zh"].to_numpy(dtype=object) + " (" + zh_reason + ")",
          "grade: " + f["grade_en"].to_numpy(dtype=object) + " (" + rule + ")",
          (f["grade"] != "").to_numpy())
    amt = f["award_amount"].to_numpy(dtype="float64")
    has_award = (f["award"] != "").to_numpy()
    R.add("award", "awards", "奖励: " + f["award_zh"].to_numpy(dtype=object)
          + np.where(np.isnan(amt), " (金额酌情)", " " + fmt(amt, 2) + f" {scheme.awards.currency}"),
          "award: " + f["award_en"].to_numpy(dtype=object)
          + np.where(np.isnan(amt), " (amount at discretion)", " " + fmt(amt, 2) + f" {scheme.awards.currency}"),
          has_award)
    pay = f["pay_percent"].to_numpy(dtype="float64")
    R.add("pay", "awards.pay_percent", "奖金按 " + fmt(pay, 2) + "% 发放",
          "bonus paid at " + fmt(pay, 2) + "%", pay < 100)
    for fl in scheme.flags:
        R.add("flag", f"flags.{fl.key}", f"警示: {fl.name_zh} → {fl.action_zh}",
              f"flag: {fl.name_en} → {fl.action_en}", f[f"flag_{fl.key}"].to_numpy(dtype=bool))

    return R.frame()
