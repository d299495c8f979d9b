"""The org tree and the people in it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import enum_type


class UnitKind(str, enum.Enum):
    OFFICE = "office"  # 考核办 / the organisation itself
    SECTOR_GROUP = "sector_group"  # 分口考核组
    DEPARTMENT = "department"  # 市直部门/单位
    DISTRICT = "district"  # 区/市
    SECTION = "section"  # 科室/部室


class PersonCategory(str, enum.Enum):
    CITY_CADRE = "city_cadre"  # 市管干部
    COUNTY_LEVEL = "county_level"  # 县级干部
    SECTION_LEVEL = "section_level"  # 科级及以下
    GENERAL_STAFF = "general_staff"  # 一般干部
    TRAINEE = "trainee"  # 见习人员
    SECONDED = "seconded"  # 挂职干部


class LeaderRole(str, enum.Enum):
    NONE = "none"
    PRINCIPAL = "principal"  # 主要领导
    DEPUTY = "deputy"  # 副职领导


class OrgUnit(TenantScoped, db.Model):
    """A node of the org tree.

    ``path`` is the materialised chain of ids from the root, ``/1/4/9/``: a
    unit is inside the subtree of unit X exactly when ``/X/`` is in its path.
    The org services keep it current when a unit moves.
    """

    __tablename__ = "org_units"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "parent_id", "sort_order"),
        Index(None, "tenant_id", "path"),
        Index(None, "tenant_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[UnitKind] = mapped_column(enum_type(UnitKind, "unit_kind"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(1000), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped["OrgUnit | None"] = relationship(remote_side="OrgUnit.id", back_populates="children")
    children: Mapped[list["OrgUnit"]] = relationship(
        back_populates="parent", order_by="(OrgUnit.sort_order, OrgUnit.code)"
    )
    people: Mapped[list["Person"]] = relationship(
        back_populates="unit", order_by="(Person.sort_order, Person.staff_no)"
    )

    @property
    def unit_path(self) -> str:
        """The path the permission checks look at (see ``permissions``)."""
        return self.path

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2 if self.path else 0

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.name}>"


class Person(TenantScoped, db.Model):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("tenant_id", "staff_no"),
        UniqueConstraint("tenant_id", "user_id"),
        Index(None, "tenant_id", "unit_id", "sort_order"),
        Index(None, "tenant_id", "category"),
        Index(None, "tenant_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    staff_no: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[PersonCategory] = mapped_column(enum_type(PersonCategory, "person_category"))
    position: Mapped[str] = mapped_column(String(100), default="")
    leader_role: Mapped[LeaderRole] = mapped_column(enum_type(LeaderRole, "leader_role"), default=LeaderRole.NONE)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[OrgUnit] = relationship(back_populates="people")
    user = relationship("User", viewonly=True)

    @property
    def unit_path(self) -> str:
        return self.unit.path

    def __repr__(self) -> str:
        return f"<Person {self.staff_no} {self.name}>"
