"""Responsibility letters (目标责任书): a unit's business items for a cycle."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import enum_type


class LetterStatus(str, enum.Enum):
    DRAFT = "draft"  # 起草
    SUBMITTED = "submitted"  # 已提交
    RETURNED = "returned"  # 已退回
    APPROVED = "approved"  # 已审定（冻结）


class Letter(TenantScoped, db.Model):
    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("tenant_id", "appraisee_id"),
        Index(None, "tenant_id", "cycle_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    status: Mapped[LetterStatus] = mapped_column(enum_type(LetterStatus, "letter_status"), default=LetterStatus.DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_reason: Mapped[str] = mapped_column(Text, default="")
    approved_hash: Mapped[str | None] = mapped_column(String(64))  # the frozen content
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    appraisee = relationship("Appraisee", viewonly=True)
    cycle = relationship("Cycle", viewonly=True)
    items: Mapped[list["LetterItem"]] = relationship(back_populates="letter", order_by="LetterItem.seq")
    events: Mapped[list["LetterEvent"]] = relationship(order_by="LetterEvent.id")

    __mapper_args__ = {"version_id_col": version}


class LetterItem(TenantScoped, db.Model):
    """One business item: scored item by item by the sector group."""

    __tablename__ = "letter_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "letter_id", "seq"),
        Index(None, "tenant_id", "appraisee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    indicator_key: Mapped[str] = mapped_column(String(200))  # the scheme node it fills
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    measure: Mapped[str] = mapped_column(Text, default="")  # 考核标准 / 评分办法
    evidence_required: Mapped[str] = mapped_column(Text, default="")

    letter: Mapped[Letter] = relationship(back_populates="items")


class LetterEvent(TenantScoped, db.Model):
    """Submit, return (with reason), approve, reopen: the letter's history."""

    __tablename__ = "letter_events"
    __table_args__ = (Index(None, "tenant_id", "letter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
