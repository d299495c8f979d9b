"""The evidence behind each entry of an appraisee's breakdown.

The engine explains a result line by line, each line naming the part of the
scheme it comes from (``ref``: ``indicators[1].children[0]``, a deduction item
``indicators[0].method.items.absent_study``, ``vetoes.false_report``) and each
adjustment naming its claim. This module finds the files behind those lines —
the scores' files under each indicator, the claims' under each adjustment, the
vetoes' under the veto — keeping only those the viewer may open (the file's
owner decides, as on the download routes). A fixed number of queries, whatever
the number of entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from appraisal.platform.db import db
from appraisal.platform.permissions import can
from appraisal.tenants.cycles.models import Appraisee
from appraisal.tenants.evidence import services as files
from appraisal.tenants.evidence.models import Evidence
from appraisal.tenants.scoring.models import AdjustmentClaim, Score, Veto

#: how the engine ends a claim's line: "; 依据: claim:3" (zh) / "; evidence: claim:3" (en)
EVIDENCE_SUFFIX = re.compile(r";\s*(?:依据|evidence): (?P<kind>[a-z_]+):(?P<id>\d+)\s*$")


def without_evidence_ref(text: str) -> str:
    """An explanation line as people read it: the files are linked, not named by id."""
    return EVIDENCE_SUFFIX.sub("", text or "")


@dataclass
class BreakdownEvidence:
    by_ref: dict[str, list[Evidence]] = field(default_factory=dict)  # explanation ref → files
    by_claim: dict[str, list[Evidence]] = field(default_factory=dict)  # claim id (as the engine writes it) → files
    hidden: int = 0  # files the viewer may not open

    def __bool__(self) -> bool:
        return bool(self.by_ref or self.by_claim)

    def at_lines(self, explanations) -> dict[int, list[Evidence]]:
        """Explanation seq → files, each ref's files under the first line naming it."""
        out: dict[int, list[Evidence]] = {}
        placed: set[str] = set()
        for e in explanations:
            named = EVIDENCE_SUFFIX.search(e.zh or "")
            if named and named["kind"] == "claim" and named["id"] in self.by_claim:
                out[e.seq] = self.by_claim[named["id"]]
            elif e.ref in self.by_ref and e.ref not in placed:
                out[e.seq] = self.by_ref[e.ref]
                placed.add(e.ref)
        return out


def indicator_refs(content: dict) -> dict[str, str]:
    """Indicator key path (``public.party_building``, as scores store it) → the
    engine's path to it (``indicators[1].children[0]``)."""
    out: dict[str, str] = {}

    def walk(nodes, prefix, keys):
        for i, node in enumerate(nodes or []):
            path = f"{prefix}[{i}]"
            out[".".join((*keys, node["key"]))] = path
            walk(node.get("children"), f"{path}.children", (*keys, node["key"]))

    walk(content.get("indicators"), "indicators", ())
    return out


def for_breakdown(
    appraisee: Appraisee, content: dict, explanation_refs: set[str], row_adjustments: list, user
) -> BreakdownEvidence:
    paths = indicator_refs(content)
    scores = list(db.session.scalars(select(Score).where(Score.appraisee_id == appraisee.id)))
    claim_ids = sorted({int(a["claim_id"]) for a in row_adjustments or [] if str(a.get("claim_id") or "").isdigit()})
    claims = (
        {
            c.id: c
            for c in db.session.scalars(
                select(AdjustmentClaim).where(
                    AdjustmentClaim.id.in_(claim_ids), AdjustmentClaim.appraisee_id == appraisee.id
                )
            )
        }
        if claim_ids
        else {}
    )
    vetoes = {
        v.id: v
        for v in db.session.scalars(select(Veto).where(Veto.appraisee_id == appraisee.id, Veto.revoked.is_(False)))
    }
    owners = {("score", s.id): s for s in scores}
    owners.update({("claim", c.id): c for c in claims.values()})
    owners.update({("veto", v.id): v for v in vetoes.values()})
    out = BreakdownEvidence()
    if not owners:
        return out
    clauses = [
        (Evidence.owner_type == kind) & Evidence.owner_id.in_([i for k, i in owners if k == kind])
        for kind in {k for k, _ in owners}
    ]
    for item in db.session.scalars(select(Evidence).where(or_(*clauses)).order_by(Evidence.id)):
        owner = owners[(item.owner_type, item.owner_id)]
        if not can(user, files.OWNERS[item.owner_type].permission, owner):
            out.hidden += 1
            continue
        if item.owner_type == "claim":
            out.by_claim.setdefault(str(owner.id), []).append(item)
        elif item.owner_type == "veto":
            out.by_ref.setdefault(f"vetoes.{owner.rule_key}", []).append(item)
        else:
            path = paths.get(owner.indicator_key)
            if path is None:  # a score outside the scheme version computed: nothing to hang it on
                continue
            item_ref = f"{path}.method.items.{owner.item_key}"
            out.by_ref.setdefault(item_ref if item_ref in explanation_refs else path, []).append(item)
    return out
