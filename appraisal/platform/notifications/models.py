"""Notification tables: the inbox, the delivery log, preferences and the tenant's settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.platform.db import Model, TenantScoped, UTCDateTime, utcnow


class Notification(TenantScoped, Model):
    """One message to one user: a row of their inbox.

    ``dedupe_key`` makes a notification idempotent per user (a reminder for one
    deadline and offset is stored once, however often the reminder run goes)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "dedupe_key"),
        Index(None, "tenant_id", "user_id", "read_at"),
        Index(None, "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(TenantScoped, Model):
    """One notification on one channel: attempts, status and the last error (the delivery log)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "notification_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200), default="")  # shown masked; never a secret
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Profile(TenantScoped, Model):
    """A user's choices: the channels per kind of event (``{"letter.submitted": ["inbox", "email"]}``;
    a kind not listed follows the tenant's defaults) and a mobile number for SMS."""

    __tablename__ = "notification_profiles"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channels: Mapped[dict] = mapped_column(JSON, default=dict)
    mobile: Mapped[str] = mapped_column(String(32), default="")


class TenantSettings(TenantScoped, Model):
    """The office's settings: default channels per kind, reminder offsets, and the
    channels' credentials (robot webhooks, secrets, the SMS gateway) sealed with a
    key derived from SECRET_KEY (``crypto.py``); never shown back."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    defaults: Mapped[dict] = mapped_column(JSON, default=dict)
    reminder_offsets: Mapped[str] = mapped_column(String(100), default="")
    sealed_credentials: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
