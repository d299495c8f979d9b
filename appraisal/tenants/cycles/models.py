"""Cycles (考核年度), their phases, populations and appraisees."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import enum_type
from appraisal.tenants.org.models import Person
from appraisal.tenants.schemes.models import AppraiseeKind


class Phase(str, enum.Enum):
    """The phases in order; a cycle moves forward one at a time (and back, with a reason)."""

    TARGET_SETTING = "target_setting"  # 目标制定
    TRACKING = "tracking"  # 过程跟踪
    SCORING = "scoring"  # 年终评分
    COMPUTING = "computing"  # 计算
    PUBLICITY = "publicity"  # 公示
    APPEALS = "appeals"  # 复核
    FINAL = "final"  # 归档

    @classmethod
    def ordered(cls) -> list["Phase"]:
        return list(cls)

    @property
    def index(self) -> int:
        return list(Phase).index(self)


class Cycle(TenantScoped, db.Model):
    __tablename__ = "cycles"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[Phase] = mapped_column(enum_type(Phase, "cycle_phase"), default=Phase.TARGET_SETTING)
    letters_due: Mapped[date | None] = mapped_column(Date)  # default 15 March (seed 001)
    previous_cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    populations: Mapped[list["Population"]] = relationship(back_populates="cycle", order_by="Population.id")
    phase_dates: Mapped[list["CyclePhaseDate"]] = relationship(order_by="CyclePhaseDate.id")

    @property
    def is_final(self) -> bool:
        return self.phase == Phase.FINAL


class CyclePhaseDate(TenantScoped, db.Model):
    __tablename__ = "cycle_phase_dates"
    __table_args__ = (UniqueConstraint("tenant_id", "cycle_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    phase: Mapped[Phase] = mapped_column(enum_type(Phase, "cycle_phase"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class PhaseChange(TenantScoped, db.Model):
    """Every move of a cycle's phase, forward or back (back needs a reason)."""

    __tablename__ = "phase_changes"
    __table_args__ = (Index(None, "tenant_id", "cycle_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    from_phase: Mapped[Phase] = mapped_column(enum_type(Phase, "from_phase"))
    to_phase: Mapped[Phase] = mapped_column(enum_type(Phase, "to_phase"))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Population(TenantScoped, db.Model):
    """Who is appraised under which scheme version in a cycle: e.g. the departments
    (ranked by sector group), the districts, one department's staff."""

    __tablename__ = "populations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "cycle_id", "key"),
        Index(None, "tenant_id", "owner_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    appraisee_kind: Mapped[AppraiseeKind] = mapped_column(enum_type(AppraiseeKind, "appraisee_kind"))
    scheme_version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    selector: Mapped[dict] = mapped_column(JSON, default=dict)
    # which department assesses which indicator: {indicator key: org unit id}
    assessors: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="populations")
    scheme_version = relationship("SchemeVersion", viewonly=True)
    appraisees: Mapped[list["Appraisee"]] = relationship(back_populates="population", order_by="Appraisee.sort_order")


class Appraisee(TenantScoped, db.Model):
    """A unit or a person appraised in a population — a snapshot taken when the
    population is built, so later roster changes don't rewrite a closed year."""

    __tablename__ = "appraisees"
    __table_args__ = (
        UniqueConstraint("tenant_id", "population_id", "subject_key"),
        Index(None, "tenant_id", "cycle_id", "org_unit_id"),
        Index(None, "tenant_id", "cycle_id", "person_id"),
        Index(None, "tenant_id", "population_id", "ranking_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    population_id: Mapped[int] = mapped_column(ForeignKey("populations.id"))
    subject_key: Mapped[str] = mapped_column(String(32))  # "u:<org unit id>" or "p:<person id>"
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # the unit it belongs to
    unit_path: Mapped[str] = mapped_column(String(1000), default="")  # for permission scopes
    name: Mapped[str] = mapped_column(String(200))
    ranking_group: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(32), default="")
    supervisor_appraisee_id: Mapped[int | None] = mapped_column(ForeignKey("appraisees.id"))
    is_unit_head: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    excluded_reason: Mapped[str] = mapped_column(Text, default="")

    population: Mapped[Population] = relationship(back_populates="appraisees")
    cycle: Mapped[Cycle] = relationship(viewonly=True)
    person: Mapped["Person | None"] = relationship("Person")

    @property
    def user_id(self) -> int | None:
        """The login of the person appraised (for "themselves" permissions)."""
        return self.person.user_id if self.person is not None else None
