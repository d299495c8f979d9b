"""The engine's inputs for one population, read for the computation job.

One query per table on the request's (or job's) connection; these are Core
queries, outside the ORM's tenant safety net, so every table is filtered by
``tenant_id`` explicitly. Column shapes follow ``appraisal.engine.COLUMNS``;
ids are strings (the appraisee's database id).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import String, and_, cast, select

from appraisal.engine import COLUMNS
from appraisal.platform.db import db
from appraisal.tenants.cycles.models import Appraisee, Population
from appraisal.tenants.letters.models import Letter, LetterItem, LetterStatus
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.scoring.models import AdjustmentClaim, ClaimStatus, Score, Veto
from appraisal.tenants.scoring.services import common


def _frame(rows, table: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    columns = [c for c, *_ in COLUMNS[table]] + list(extra)
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)


def engine_inputs(population: Population) -> dict[str, pd.DataFrame]:
    """``{"appraisees", "scores", "items", "claims", "vetoes"}`` → DataFrames for
    :class:`appraisal.engine.Inputs`. Claims include those still to be verified,
    flagged ``verified=False`` (the scheme decides whether they count); rejected
    and withdrawn claims and revoked vetoes are left out."""
    tenant_id = population.tenant_id
    a, s, li, lt, c, v, u = (
        Appraisee.__table__,
        Score.__table__,
        LetterItem.__table__,
        Letter.__table__,
        AdjustmentClaim.__table__,
        Veto.__table__,
        OrgUnit.__table__,
    )
    conn = db.session.connection()
    member = and_(a.c.tenant_id == tenant_id, a.c.population_id == population.id, a.c.excluded_reason == "")

    scheme = common.scheme_of(population)
    paths = {path: node for path, node in common.walk(scheme.indicators)}
    score_paths = [
        p for p, n in paths.items() if not n.children and n.method is not None and n.method.kind not in ("items",)
    ]
    item_paths = [p for p, n in paths.items() if not n.children and n.method is not None and n.method.kind == "items"]

    appraisees = conn.execute(
        select(
            cast(a.c.id, String),
            a.c.name,
            u.c.name,
            a.c.ranking_group,
            a.c.category,
            cast(a.c.supervisor_appraisee_id, String),
            a.c.is_unit_head,
        )
        .join(u, and_(u.c.id == a.c.unit_id, u.c.tenant_id == tenant_id))
        .where(member)
        .order_by(a.c.sort_order, a.c.id)
    )
    appraisees_df = pd.DataFrame.from_records(
        [(i, n, un, g, cat, sup or "", bool(head), "") for i, n, un, g, cat, sup, head in appraisees],
        columns=[col for col, *_ in COLUMNS["appraisees"]],
    )

    scores = conn.execute(
        select(cast(s.c.appraisee_id, String), s.c.indicator_key, s.c.item_key, s.c.value)
        .join(a, a.c.id == s.c.appraisee_id)
        .where(member, s.c.tenant_id == tenant_id, s.c.indicator_key.in_(score_paths))
        .order_by(s.c.appraisee_id, s.c.indicator_key, s.c.item_key)
    )
    scores_df = _frame(((i, common.leaf_key(k), item, float(val)) for i, k, item, val in scores), "scores")

    items = conn.execute(
        select(
            cast(li.c.appraisee_id, String),
            li.c.indicator_key,
            cast(li.c.id, String),
            li.c.title,
            li.c.points,
            s.c.value,
        )
        .join(lt, and_(lt.c.id == li.c.letter_id, lt.c.tenant_id == tenant_id))
        .join(a, a.c.id == li.c.appraisee_id)
        .outerjoin(
            s,
            and_(
                s.c.tenant_id == tenant_id,
                s.c.appraisee_id == li.c.appraisee_id,
                s.c.indicator_key == li.c.indicator_key,
                s.c.item_key == cast(li.c.id, String),
            ),
        )
        .where(
            member,
            li.c.tenant_id == tenant_id,
            lt.c.status == LetterStatus.APPROVED,
            li.c.indicator_key.in_(item_paths),
        )
        .order_by(li.c.appraisee_id, li.c.seq)
    )
    items_df = _frame(
        (
            (i, common.leaf_key(k), item, title, float(points), 0.0 if val is None else float(val))
            for i, k, item, title, points, val in items
        ),
        "items",
    )

    claims = conn.execute(
        select(
            cast(c.c.appraisee_id, String),
            c.c.rule_key,
            c.c.level,
            c.c.count,
            c.c.dedup_key,
            c.c.sharers,
            c.c.status,
            c.c.id,
        )
        .join(a, a.c.id == c.c.appraisee_id)
        .where(member, c.c.tenant_id == tenant_id, c.c.status.in_([ClaimStatus.CLAIMED, ClaimStatus.VERIFIED]))
        .order_by(c.c.appraisee_id, c.c.id)
    )
    claims_df = _frame(
        (
            (
                i,
                rule,
                level or "",
                float(count),
                dedup or "",
                float(sharers),
                _status(status) == ClaimStatus.VERIFIED,
                f"claim:{cid}",
                str(cid),
            )
            for i, rule, level, count, dedup, sharers, status, cid in claims
        ),
        "claims",
        ("claim_id",),
    )

    vetoes = conn.execute(
        select(cast(v.c.appraisee_id, String), v.c.rule_key, v.c.description)
        .join(a, a.c.id == v.c.appraisee_id)
        .where(member, v.c.tenant_id == tenant_id, v.c.revoked.is_(False))
        .order_by(v.c.appraisee_id, v.c.id)
    )
    vetoes_df = _frame(((i, key, note or "") for i, key, note in vetoes), "vetoes")

    return {
        "appraisees": appraisees_df,
        "scores": scores_df,
        "items": items_df,
        "claims": claims_df,
        "vetoes": vetoes_df,
    }


def _status(value) -> ClaimStatus:
    """A status as read by Core: the enum, its name or its value."""
    if isinstance(value, ClaimStatus):
        return value
    try:
        return ClaimStatus[value]
    except KeyError:
        return ClaimStatus(value)
