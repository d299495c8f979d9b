"""Scores, adjustments, vetoes, self-reports and evidence — the engine's inputs."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

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
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import _enum


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
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    # What permissions judge (see scoring.common.ScoreCell): the cell this score fills.
    @property
    def unit_path(self) -> str:
        return _cell(self).unit_path

    @property
    def assessor_unit_id(self) -> int | None:
        return _cell(self).assessor_unit_id

    @property
    def owner_path(self) -> str:
        return _cell(self).owner_path

    @property
    def user_id(self) -> int | None:
        return _cell(self).user_id


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


class Evidence(TenantScoped, db.Model):
    """An uploaded file behind a score, claim, penalty, veto, self-report or appeal.
    Stored under UPLOAD_DIR by content hash; served only to those who may see its owner."""

    __tablename__ = "evidence"
    __table_args__ = (Index(None, "tenant_id", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # What permissions judge: the file's owner (a score cell, a claim, a veto, a self-report).
    @property
    def owner(self):
        from appraisal.tenants.scoring.evidence import owner_subject

        return owner_subject(self)

    @property
    def unit_path(self) -> str:
        return getattr(self.owner, "unit_path", "") or ""

    @property
    def user_id(self) -> int | None:
        return getattr(self.owner, "user_id", None)

    @property
    def assessor_unit_id(self) -> int | None:
        return getattr(self.owner, "assessor_unit_id", None)

    @property
    def owner_path(self) -> str:
        return getattr(self.owner, "owner_path", "") or ""


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
    kind: Mapped[AdjustmentKind] = mapped_column(_enum(AdjustmentKind, "adjustment_kind"))
    rule_key: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(64), default="")
    count: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=1)
    dedup_key: Mapped[str] = mapped_column(String(200), default="")  # same project/article
    sharers: Mapped[int] = mapped_column(Integer, default=1)  # appraisees sharing it
    shared_with: Mapped[str] = mapped_column(Text, default="")  # names of the others
    description: Mapped[str] = mapped_column(Text, default="")
    occurred_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[ClaimStatus] = mapped_column(_enum(ClaimStatus, "claim_status"), default=ClaimStatus.CLAIMED)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # What permissions judge: the appraisee (who claims and sees it) and the
    # department mapped to verify its rule.
    @property
    def unit_path(self) -> str:
        return _subject(self.appraisee_id, self.rule_key).unit_path

    @property
    def user_id(self) -> int | None:
        return _subject(self.appraisee_id, self.rule_key).user_id

    @property
    def assessor_unit_id(self) -> int | None:
        return _subject(self.appraisee_id, self.rule_key).assessor_unit_id

    @property
    def owner_path(self) -> str:
        return _subject(self.appraisee_id, self.rule_key).owner_path


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

    @property
    def unit_path(self) -> str:
        return _subject(self.appraisee_id).unit_path

    @property
    def user_id(self) -> int | None:
        return _subject(self.appraisee_id).user_id


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

    @property
    def unit_path(self) -> str:
        return _subject(self.appraisee_id).unit_path

    @property
    def user_id(self) -> int | None:
        return _subject(self.appraisee_id).user_id


def _cell(score: Score):
    """The cell a score fills, worked out once per loaded score (each permission
    check reads several of its properties; the cell never changes)."""
    cell = score.__dict__.get("_permission_cell")
    if cell is None:
        from appraisal.tenants.scoring.scores import cell_of_score

        cell = score.__dict__["_permission_cell"] = cell_of_score(score)
    return cell


def _subject(appraisee_id: int, rule_key: str | None = None):
    from appraisal.tenants.scoring.common import subject_by_id

    return subject_by_id(appraisee_id, rule_key)
