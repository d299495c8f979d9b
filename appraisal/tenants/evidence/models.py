"""Evidence files: one row per uploaded file, whatever feature owns it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow


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
