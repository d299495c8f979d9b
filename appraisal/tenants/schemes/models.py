"""Schemes in use: a tenant's scheme is a template plus overrides, in versions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import enum_type


class AppraiseeKind(str, enum.Enum):
    UNIT = "unit"
    PERSON = "person"


class Scheme(TenantScoped, db.Model):
    """A line of versions. ``owner_unit_id`` is empty for the office's schemes and
    names the department for a unit's own staff scheme, which customises the
    office scheme ``parent_scheme_id`` within its locks."""

    __tablename__ = "schemes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index(None, "tenant_id", "owner_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    template_key: Mapped[str] = mapped_column(String(64))
    appraisee_kind: Mapped[AppraiseeKind] = mapped_column(enum_type(AppraiseeKind, "appraisee_kind"))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    parent_scheme_id: Mapped[int | None] = mapped_column(ForeignKey("schemes.id"))
    allowed_for_units: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list["SchemeVersion"]] = relationship(back_populates="scheme", order_by="SchemeVersion.version")
    owner_unit = relationship("OrgUnit")
    parent: Mapped["Scheme | None"] = relationship(remote_side="Scheme.id", viewonly=True)

    @property
    def unit_path(self) -> str:
        """A unit's own scheme is judged by that unit's place in the tree; the
        office's schemes belong to no unit (only the office manages them)."""
        return self.owner_unit.path if self.owner_unit is not None else ""


class SchemeVersion(TenantScoped, db.Model):
    """One saved version: the overrides and locks as entered, and the merged
    scheme they give (``content``) with its hash — results record the hash."""

    __tablename__ = "scheme_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "scheme_id", "version"),
        Index(None, "tenant_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id"))
    version: Mapped[int] = mapped_column(Integer)
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    locks: Mapped[list] = mapped_column(JSON, default=list)
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    scheme: Mapped[Scheme] = relationship(back_populates="versions")
