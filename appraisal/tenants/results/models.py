"""Computed results, publication and appeals.

A computation writes a new :class:`ResultRun` with its rows; switching the
population's current run happens in the same transaction as the last row
write, so a worker that dies leaves the previous results current.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import enum_type


class RunStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ResultRun(TenantScoped, db.Model):
    __tablename__ = "result_runs"
    __table_args__ = (
        Index(None, "tenant_id", "population_id", "started_at"),
        # at most one current run per population
        Index(
            "uq_result_runs_current",
            "tenant_id",
            "population_id",
            unique=True,
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    population_id: Mapped[int] = mapped_column(ForeignKey("populations.id"))
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus, "run_status"), default=RunStatus.QUEUED)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    job_id: Mapped[str] = mapped_column(String(100), default="")
    scheme_version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    scheme_hash: Mapped[str] = mapped_column(String(64), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    # the ties the tie-break chain could not break at a quota or prize line (engine
    # Results.ties: line, names, group, tied ids, places, status, placed, reason, document)
    ties: Mapped[list] = mapped_column(JSON, default=list)


class ResultRow(TenantScoped, db.Model):
    """One appraisee's result in a run: the columns leaderboards sort and filter
    on, and the engine's whole flat row in ``data``."""

    __tablename__ = "result_rows"
    __table_args__ = (
        UniqueConstraint("tenant_id", "run_id", "appraisee_id"),
        Index(None, "tenant_id", "run_id", "group", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("result_runs.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    group: Mapped[str] = mapped_column(String(100), default="")
    rank: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    composite: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(64), default="")
    award: Mapped[str] = mapped_column(String(64), default="")
    award_paid: Mapped[float | None] = mapped_column(Float)
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False)
    quotas: Mapped[dict] = mapped_column(JSON, default=dict)  # {quota key: holds a place}
    flags: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    adjustments: Mapped[list] = mapped_column(JSON, default=list)


class ResultExplanation(TenantScoped, db.Model):
    __tablename__ = "result_explanations"
    __table_args__ = (Index(None, "tenant_id", "run_id", "appraisee_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("result_runs.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(200), default="")
    zh: Mapped[str] = mapped_column(Text, default="")
    en: Mapped[str] = mapped_column(Text, default="")


class TieDecision(TenantScoped, db.Model):
    """The office's decision on a tie the chain cannot break (并列待定): at ``line``
    ('quotas.<key>' / 'awards.<key>') of a population, of the appraisees ``tied`` those
    ``placed`` hold the places, why, and the document number.  Never changed or deleted:
    a recomputation applies it while the same tie recurs (same line, same appraisees)."""

    __tablename__ = "tie_decisions"
    __table_args__ = (Index(None, "tenant_id", "population_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    population_id: Mapped[int] = mapped_column(ForeignKey("populations.id"))
    line: Mapped[str] = mapped_column(String(200))
    tied: Mapped[list] = mapped_column(JSON, default=list)  # appraisee ids, sorted
    placed: Mapped[list] = mapped_column(JSON, default=list)  # appraisee ids, sorted
    reason: Mapped[str] = mapped_column(Text, default="")
    document_no: Mapped[str] = mapped_column(String(100), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Publication(TenantScoped, db.Model):
    """Results published for a cycle: the publicity period and the appeal window."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("tenant_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    publicity_ends_on: Mapped[date] = mapped_column(Date)
    appeals_end_on: Mapped[date] = mapped_column(Date)
    answer_days: Mapped[int] = mapped_column(Integer, default=10)
    notice: Mapped[str] = mapped_column(Text, default="")


class AppealStatus(str, enum.Enum):
    FILED = "filed"  # 待答复
    UPHELD = "upheld"  # 已采纳（更正后重新计算）
    REJECTED = "rejected"  # 不予采纳
    WITHDRAWN = "withdrawn"


class Appeal(TenantScoped, db.Model):
    __tablename__ = "appeals"
    __table_args__ = (Index(None, "tenant_id", "cycle_id", "status"), Index(None, "tenant_id", "appraisee_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reasons: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(enum_type(AppealStatus, "appeal_status"), default=AppealStatus.FILED)
    answer_due_on: Mapped[date] = mapped_column(Date)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    appraisee = relationship("Appraisee")
    cycle = relationship("Cycle", viewonly=True)

    @property
    def unit_path(self) -> str:
        """An appeal is judged as the appraisee it is about."""
        return self.appraisee.unit_path

    @property
    def user_id(self) -> int | None:
        return self.appraisee.user_id
