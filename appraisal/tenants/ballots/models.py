"""Democratic evaluation (民主测评), anonymous by construction.

Who has voted (``voters``) and what was voted are kept apart. While voting is
open a ballot exists only *sealed*: one ``sealed_ballots`` row holding the
whole ballot (rater group and lines) encrypted under the evaluation's data key
(``ballot_keys``, itself stored wrapped under a key derived from the server's
secret key) — the row may share a transaction id with the voter's claim, but it
holds nothing readable. When the evaluation closes, one transaction decrypts
the pool, writes plain ``ballots`` and ``ballot_lines`` in random order under
random ids dated the closing day, and deletes the sealed rows and the key (see
:mod:`.sealing` and :mod:`.closing`, and docs/dev/ballots.md).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.platform.db import TenantScoped, UTCDateTime, db, utcnow
from appraisal.platform.models import enum_type


class EvaluationStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Evaluation(TenantScoped, db.Model):
    __tablename__ = "evaluations"
    __table_args__ = (Index(None, "tenant_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    population_id: Mapped[int] = mapped_column(ForeignKey("populations.id"))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))  # unit admin's own
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[EvaluationStatus] = mapped_column(
        enum_type(EvaluationStatus, "evaluation_status"), default=EvaluationStatus.DRAFT
    )
    # anonymity settings: frozen once the first ballot is in
    scale: Mapped[str] = mapped_column(String(16), default="score")  # "score" 0-100 or "grade"
    grade_values: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. {"优秀": 95, "称职": 80, ...}
    min_group_size: Mapped[int] = mapped_column(Integer, default=3)
    small_group_policy: Mapped[str] = mapped_column(String(16), default="merge")  # merge | drop
    settings_frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    # ballot rules (services/rules.py): frozen with the anonymity settings
    rules: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    # ballots counted invalid at the close under the rules (their lines were not written)
    invalid_ballots: Mapped[int | None] = mapped_column(Integer)
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner_unit = relationship("OrgUnit", viewonly=True)
    cycle = relationship("Cycle", viewonly=True)
    population = relationship("Population", viewonly=True)
    rater_groups: Mapped[list[RaterGroup]] = relationship(viewonly=True, order_by="RaterGroup.id")

    @property
    def unit_path(self) -> str:
        """For permission scopes: the owner unit's path; "" for the office's own
        evaluations, so that only the office passes."""
        return self.owner_unit.path if self.owner_unit is not None else ""

    @property
    def is_draft(self) -> bool:
        return self.status == EvaluationStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == EvaluationStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == EvaluationStatus.CLOSED


class SessionStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class BallotSession(TenantScoped, db.Model):
    """One meeting of an evaluation (场次), scoped to a unit: its appraisees are
    the population's members in that unit (all of them when ``unit_id`` is
    None), its voters are the voters whose ``session_id`` points here. Opens and
    closes on its own; the ballots of every session go into the evaluation's one
    sealed pool and are opened together when the evaluation closes."""

    __tablename__ = "ballot_sessions"
    __table_args__ = (Index(None, "tenant_id", "evaluation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, "session_status"), default=SessionStatus.DRAFT
    )
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # announced closing time (countdown)
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit = relationship("OrgUnit", viewonly=True)

    @property
    def is_draft(self) -> bool:
        return self.status == SessionStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED


class RaterGroup(TenantScoped, db.Model):
    __tablename__ = "rater_groups"
    __table_args__ = (UniqueConstraint("tenant_id", "evaluation_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    key: Mapped[str] = mapped_column(String(64))  # the scheme's rater-group key
    name: Mapped[str] = mapped_column(String(100))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    # a group smaller than the evaluation's minimum, kept by the office after a
    # warning that its voters are identifiable (记名组): exempt from merge/drop
    known_voters: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Voter(TenantScoped, db.Model):
    """An eligible voter and whether they have voted — nothing about how."""

    __tablename__ = "voters"
    __table_args__ = (
        UniqueConstraint("tenant_id", "evaluation_id", "person_id"),
        UniqueConstraint("tenant_id", "evaluation_id", "code_hash"),
        Index(None, "tenant_id", "evaluation_id", "rater_group_id"),
        Index(None, "tenant_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_sessions.id"))  # None: legacy, whole population
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # in-app voters
    code_hash: Mapped[str | None] = mapped_column(String(64))  # one-time code for a live meeting
    label: Mapped[str] = mapped_column(String(100), default="")  # e.g. printed slip number
    has_voted: Mapped[bool] = mapped_column(Boolean, default=False)
    voted_on: Mapped[date | None] = mapped_column(Date)

    evaluation: Mapped[Evaluation] = relationship(viewonly=True)
    rater_group: Mapped[RaterGroup] = relationship(viewonly=True)
    person = relationship("Person", viewonly=True)


class SealedBallot(TenantScoped, db.Model):
    """A ballot cast while voting is open: an opaque AES-GCM ciphertext of the
    whole ballot (rater group and lines) and nothing else — no group, no date,
    no sequence. Opened and deleted when the evaluation closes."""

    __tablename__ = "sealed_ballots"
    __table_args__ = (Index(None, "tenant_id", "evaluation_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random (uuid4 hex)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class BallotKey(TenantScoped, db.Model):
    """An open evaluation's data key, wrapped (AES-GCM) under a key derived from
    the server's secret key and the evaluation. Created at opening, destroyed at
    closing."""

    __tablename__ = "ballot_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "evaluation_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random (uuid4 hex)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class Ballot(TenantScoped, db.Model):
    """One ballot after the close, for counting: its rater group and the closing
    day — no voter, no sequence, and no link to its lines."""

    __tablename__ = "ballots"
    __table_args__ = (Index(None, "tenant_id", "evaluation_id", "rater_group_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random (uuid4 hex)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"))
    cast_on: Mapped[date] = mapped_column(Date)


class BallotLine(TenantScoped, db.Model):
    """One score of a closed evaluation: rater group, appraisee, score — and
    nothing that groups lines into ballots (a voter who is also an appraisee
    skips their own line, so a grouped ballot would name its voter)."""

    __tablename__ = "ballot_lines"
    __table_args__ = (
        Index(None, "tenant_id", "appraisee_id"),
        Index(None, "tenant_id", "evaluation_id", "rater_group_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random (uuid4 hex)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class BallotReason(TenantScoped, db.Model):
    """A reason the rules required for an extreme score, after the close: like a
    line (rater group, appraisee, score) with the reason's text — written in
    random order under random ids with the lines, and linked to no ballot."""

    __tablename__ = "ballot_reasons"
    __table_args__ = (Index(None, "tenant_id", "evaluation_id", "appraisee_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random (uuid4 hex)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"))
    appraisee_id: Mapped[int] = mapped_column(ForeignKey("appraisees.id"))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(String(500))
