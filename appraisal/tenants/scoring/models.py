"""Scores, adjustments, vetoes and self-reports — the engine's inputs (their
evidence files are the evidence feature's).

Columns and relationships only: what permissions judge for each of these
(the cell a score fills, a claim's appraisee and verifying department, a
file's owner) is registered by :mod:`.services.subjects`."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import enum_type

if TYPE_CHECKING:
    from appraisal.tenants.cycles.models import Appraisee


class Score(TenantScoped, db.Model):
    """The current value of one cell: appraisee × indicator (× item, for letter
    items or per-occurrence deduction rules). Edits are optimistic-locked
    (``version``) and every value is kept in ``score_revisions``."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("tenant_id", "appraisee_id", "indicator_key", "item_key"),
        Index(None, "tenant_id", "cycle_id", "indicator_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    indicator_key: Mapped[str] = mapped_column(String(200))
    item_key: Mapped[str] = mapped_column(String(100), default="")  # letter item id or deduction rule
    value: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    comment: Mapped[str] = mapped_column(Text, default="")
    # who verified the value, for figures pushed by another system (the statistics
    # bureau's district actuals and targets through the API); empty when entered here
    verified_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    appraisee: Mapped["Appraisee"] = relationship(viewonly=True)


class ScoreRevision(TenantScoped, db.Model):
    """Every value a score has had (never overwritten)."""

    __tablename__ = "score_revisions"
    __table_args__ = (Index(None, "tenant_id", "score_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id"))
    value_before: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    value_after: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdjustmentKind(str, enum.Enum):
    BONUS = "bonus"
    PENALTY = "penalty"


class ClaimStatus(str, enum.Enum):
    CLAIMED = "claimed"  # 待核实
    VERIFIED = "verified"  # 已核实
    REJECTED = "rejected"  # 未通过
    WITHDRAWN = "withdrawn"  # 已撤回


class AdjustmentClaim(TenantScoped, db.Model):
    """A bonus claimed by an appraisee (verified or rejected by its assessor), or a
    penalty recorded by the office or an assessor (verified when recorded)."""

    __tablename__ = "adjustment_claims"
    __table_args__ = (
        Index(None, "tenant_id", "cycle_id", "status"),
        Index(None, "tenant_id", "appraisee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    kind: Mapped[AdjustmentKind] = mapped_column(enum_type(AdjustmentKind, "adjustment_kind"))
    rule_key: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(64), default="")
    count: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=1)
    dedup_key: Mapped[str] = mapped_column(String(200), default="")  # same project/article
    sharers: Mapped[int] = mapped_column(Integer, default=1)  # appraisees sharing it
    shared_with: Mapped[str] = mapped_column(Text, default="")  # names of the others
    description: Mapped[str] = mapped_column(Text, default="")
    occurred_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[ClaimStatus] = mapped_column(enum_type(ClaimStatus, "claim_status"), default=ClaimStatus.CLAIMED)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appraisee: Mapped["Appraisee"] = relationship(viewonly=True)


class Veto(TenantScoped, db.Model):
    """A one-vote veto (一票否决) recorded by the office with evidence."""

    __tablename__ = "vetoes"
    __table_args__ = (Index(None, "tenant_id", "cycle_id", "appraisee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    rule_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    appraisee: Mapped["Appraisee"] = relationship(viewonly=True)


class DeductionNotice(TenantScoped, db.Model):
    """A published quarterly notice of deductions (seed 002)."""

    __tablename__ = "deduction_notices"
    __table_args__ = (UniqueConstraint("tenant_id", "cycle_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    quarter: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SelfReport(TenantScoped, db.Model):
    """An appraisee's self-report (述职) for the cycle; files attach as evidence."""

    __tablename__ = "self_reports"
    __table_args__ = (UniqueConstraint("tenant_id", "appraisee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appraisee: Mapped["Appraisee"] = relationship(viewonly=True)
