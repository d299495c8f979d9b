"""Platform tables: tenants, platform operators, users, role grants, login sessions."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from typing import cast

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from appraisal.platform.db import Model, TenantScoped, UTCDateTime, utcnow

PASSWORD_METHOD = "scrypt"


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a portable VARCHAR with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class TenantStatus(str, enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Role(str, enum.Enum):
    """Roles a tenant user can be granted (see ``appraisal.platform.permissions``)."""

    OFFICE_ADMIN = "office_admin"
    SECTOR_LEAD = "sector_lead"
    ASSESSOR = "assessor"
    UNIT_ADMIN = "unit_admin"
    STAFF = "staff"


#: Roles whose grant names an org unit (the scope of the role).
UNIT_SCOPED_ROLES = frozenset({Role.SECTOR_LEAD, Role.ASSESSOR, Role.UNIT_ADMIN})


class Tenant(Model):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[TenantStatus] = mapped_column(enum_type(TenantStatus, "tenant_status"), default=TenantStatus.ACTIVE)
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class PasswordMixin:
    password_hash: Mapped[str] = mapped_column(String(255))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


_DUMMY_HASH: list[str] = []


def check_dummy_password(password: str) -> bool:
    """Hash ``password`` against a throw-away hash and return False: an unknown
    e-mail then takes as long to refuse as a wrong password (no account probing)."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD))
    check_password_hash(_DUMMY_HASH[0], password)
    return False


class Operator(PasswordMixin, UserMixin, Model):
    """A platform operator: creates and suspends tenants, sees no tenant data."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    is_operator = True
    tenant_id = None
    login_token = cast("str | None", None)  # the live session token, set by the loader

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def is_active(self) -> bool:
        return self.active


class User(TenantScoped, PasswordMixin, UserMixin, Model):
    """A person's login inside one tenant."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        Index(None, "tenant_id", "display_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleGrant.id"
    )

    is_operator = False
    login_token = cast("str | None", None)  # the live session token, set by the loader

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def is_active(self) -> bool:
        return self.active

    def roles(self) -> set[Role]:
        return {grant.role for grant in self.grants}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleGrant(TenantScoped, Model):
    """One role of one user, scoped to an org unit where the role needs one."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "role", "org_unit_id"),
        Index(None, "tenant_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class LoginSession(Model):
    """A server-side login: the cookie carries only a random token.

    Renewed at every login (a new row, a new token), ended at logout, expired
    after the idle timeout. A row names the tenant it belongs to, so a login on
    tenant A is not a login on tenant B. Platform table: operators have none.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remote_addr: Mapped[str | None] = mapped_column(String(64))

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
