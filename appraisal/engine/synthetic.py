"""Synthetic, plausible inputs for any scheme (examples, property tests, benchmarks).

Vectorised with a seeded numpy generator: the same arguments give the same inputs."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .compute.inputs import Inputs
from .scheme import Scheme


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def synthetic_inputs(scheme: Scheme, *, groups: int = 3, per_group: int = 8,
                     ballots_per_person: int = 6, claims_per_person: float = 0.6,
                     veto_rate: float = 0.05, history_cycles: int = 1, seed: int = 0) -> Inputs:
    rng = np.random.default_rng(seed)
    n = groups * per_group
    ids = _ids("P", n, max(4, len(str(n))))
    gnum = np.repeat(np.arange(groups), per_group)
    glabel = np.char.add("G", np.char.zfill((gnum + 1).astype(str), 3)).astype(object)
    by = scheme.ranking.group_by
    cat = glabel if by == "category" else np.full(n, "staff", dtype=object)
    app = pd.DataFrame({"appraisee_id": ids, "name": np.char.add("对象", ids.astype(str)).astype(object),
                        "unit": glabel, "ranking_group": glabel, "category": cat,
                        "supervisor_id": "", "is_unit_head": np.r_[True, np.zeros(per_group - 1, bool)][
                            np.arange(n) % per_group] if per_group else False})
    rollups = [r.category for r in scheme.awards.rollups]
    if rollups:  # e.g. vice-chairs supervising the appraisees, a chair over them
        prev_ids, level_ids = ids, None
        for depth, category in enumerate(rollups):
            k = max(1, len(prev_ids) // 3) if depth < len(rollups) - 1 else 1
            level_ids = _ids(f"R{depth}", k, 2)
            app.loc[app["appraisee_id"].isin(prev_ids), "supervisor_id"] = \
                level_ids[np.arange(len(prev_ids)) % k]
            app = pd.concat([app, pd.DataFrame({"appraisee_id": level_ids, "name": level_ids,
                                                "category": category, "supervisor_id": ""})],
                            ignore_index=True)
            prev_ids = level_ids
    skill = rng.uniform(0.6, 1.0, n)  # one latent quality per appraisee

    scores, items, ballots = [], [], []
    for node in scheme.leaves():
        m, pts = node.method, float(node.points)
        if m.kind == "entered":
            v = np.clip(skill + rng.normal(0, 0.05, n), 0, 1) * (100 if m.input == "percent" else pts)
            scores.append(pd.DataFrame({"appraisee_id": ids, "indicator": node.key, "item": "",
                                        "value": np.round(v, 1)}))
        elif m.kind == "deductions":
            for d in m.items:
                cnt = rng.poisson((1.05 - skill) * 0.6)
                sel = cnt > 0
                scores.append(pd.DataFrame({"appraisee_id": ids[sel], "indicator": node.key,
                                            "item": d.key, "value": cnt[sel].astype(float)}))
        elif m.kind == "ratio":
            actual = np.round(100 * (skill + 0.15 + rng.normal(0, 0.05, n)), 1)
            scores.append(pd.DataFrame({"appraisee_id": np.r_[ids, ids], "indicator": node.key,
                                        "item": np.repeat(["actual", "target"], n),
                                        "value": np.r_[actual, np.full(n, 100.0)]}))
        elif m.kind == "count":
            cnt = rng.poisson(np.maximum(m.threshold, 0.3) * skill)
            scores.append(pd.DataFrame({"appraisee_id": ids, "indicator": node.key, "item": "",
                                        "value": cnt.astype(float)}))
        elif m.kind == "average":
            scale = m.scale_max or pts
            v = np.clip(np.repeat(skill, 3) + rng.normal(0, 0.05, 3 * n), 0, 1) * scale
            scores.append(pd.DataFrame({"appraisee_id": np.repeat(ids, 3), "indicator": node.key,
                                        "item": "", "value": np.round(v, 1)}))
        elif m.kind == "items":
            shares = np.array([0.5, 0.3, 0.2])
            ipts = np.tile(shares * pts, n)
            v = np.clip(np.repeat(skill, 3) + rng.normal(0, 0.05, 3 * n), 0, 1) * ipts
            items.append(pd.DataFrame({"appraisee_id": np.repeat(ids, 3), "indicator": node.key,
                                       "item": np.tile(["i1", "i2", "i3"], n),
                                       "name": np.tile(["重点任务", "常规任务", "专项任务"], n),
                                       "points": ipts, "value": np.round(v, 1)}))
        elif m.kind == "ballot":
            k = ballots_per_person * n
            who = rng.integers(0, n, k)
            score = np.clip(np.round(100 * skill[who] + rng.normal(0, 6, k)), 0, m.scale_max)
            groups_ = [g.key for g in m.rater_groups] or [""]
            ballots.append(pd.DataFrame({"appraisee_id": ids[who], "rater_group":
                                         np.array(groups_, dtype=object)[rng.integers(0, len(groups_), k)],
                                         "score": score, "indicator": node.key}))

    ballot_keys = [x.key for x in scheme.leaves() if x.method.kind == "ballot"]
    rules = scheme.adjustments.rules
    claims = pd.DataFrame(columns=["appraisee_id", "rule", "level", "count", "dedup_key", "sharers", "verified"])
    if rules and claims_per_person > 0:
        k = int(n * claims_per_person)
        who = rng.integers(0, n, k)
        r_idx = rng.integers(0, len(rules), k)
        levels = [np.array([lv.key for lv in r.levels] or [""], dtype=object) for r in rules]
        lvl = np.empty(k, dtype=object)
        for i, _rule in enumerate(rules):
            sel = r_idx == i
            lvl[sel] = levels[i][rng.integers(0, len(levels[i]), sel.sum())]
        claims = pd.DataFrame({
            "appraisee_id": ids[who], "rule": np.array([r.key for r in rules], dtype=object)[r_idx],
            "level": lvl, "count": rng.integers(1, 3, k).astype(float),
            "dedup_key": np.where(rng.random(k) < 0.3, np.char.add("K", rng.integers(0, 5, k).astype(str)), ""),
            "sharers": np.where(rng.random(k) < 0.1, 2.0, 1.0),
            "verified": rng.random(k) < 0.95})
    vetoes = pd.DataFrame(columns=["appraisee_id", "veto"])
    if scheme.vetoes and veto_rate > 0:
        sel = rng.random(n) < veto_rate
        vetoes = pd.DataFrame({"appraisee_id": ids[sel], "veto": np.array(
            [v.key for v in scheme.vetoes], dtype=object)[rng.integers(0, len(scheme.vetoes), sel.sum())]})
    hist = []
    bands = [b.key for b in scheme.grades.bands] or [""]
    for c in range(history_cycles):
        comp = np.round(scheme.settings.total_points * np.clip(skill + rng.normal(0, 0.1, n), 0, 1.1), 2)
        hist.append(pd.DataFrame({"appraisee_id": ids, "cycle": str(2025 - 1 - c), "composite": comp,
                                  "grade": np.array(bands, dtype=object)[rng.integers(0, len(bands), n)]}))

    def cat_or_empty(frames, cols):
        if not frames:
            return pd.DataFrame(columns=cols)
        out = pd.concat(frames, ignore_index=True)
        # optional columns that are blank throughout are left out, as a real sheet would
        for c in ("item", "indicator"):
            if c in out.columns and c != cols[1] and (out[c] == "").all():
                out = out.drop(columns=c)
        if "indicator" in out.columns and "rater_group" in out.columns and len(ballot_keys) == 1:
            out = out.drop(columns="indicator")
        return out

    return Inputs(
        appraisees=app,
        scores=cat_or_empty(scores, ["appraisee_id", "indicator", "item", "value"]),
        items=cat_or_empty(items, ["appraisee_id", "indicator", "item", "name", "points", "value"]),
        claims=claims, vetoes=vetoes,
        ballots=cat_or_empty(ballots, ["appraisee_id", "rater_group", "score", "indicator"]),
        history=cat_or_empty(hist, ["appraisee_id", "cycle", "composite", "grade"]))
