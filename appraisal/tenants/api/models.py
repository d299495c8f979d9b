"""API tokens and the answers kept for idempotent writes.

A token's secret is shown once; only its SHA-256 is stored (``token_hash``). A
token acts for the user who created it, limited by its ``scopes``; ``write:scores``
is further limited to the indicators one assessor department scores
(``assessor_unit_id``). Reads are not audited one by one: ``last_used_at`` and
``use_count`` say how much a token is used; every write it makes is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow


class ApiToken(TenantScoped, db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"), Index(None, "tenant_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # the secret's first characters, to recognise it
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    assessor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    use_count: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<ApiToken {self.name}>"


class IdempotentAnswer(TenantScoped, db.Model):
    """The answer to a write sent with an ``Idempotency-Key``: the same key and body
    again get the same answer, without writing twice."""

    __tablename__ = "api_idempotent_answers"
    __table_args__ = (UniqueConstraint("tenant_id", "token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    key: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(100))
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
