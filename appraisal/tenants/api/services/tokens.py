"""Issuing, finding and revoking API tokens.

The secret is ``apr_`` + 40 random URL-safe characters (about 240 bits); only
its SHA-256 is stored, so a stolen database does not give working tokens, and
the secret is shown once, when the token is created.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.models import Role, User
from appraisal.platform.permissions import actor_id, has_role
from appraisal.platform.refusals import Refusal
from appraisal.platform.tenancy import unscoped
from appraisal.tenants.api.models import ApiToken
from appraisal.tenants.org.models import OrgUnit

PREFIX = "apr_"
MAX_DAYS = 730

#: scope → what it lets a token do (the admin guide lists the same)
SCOPES = {
    "read:org": _l("读取组织机构和人员"),
    "write:roster": _l("新增、更新单位和人员（与名册导入相同的校验）"),
    "read:results": _l("读取考核年度、考核对象组、已公布的结果、排行榜和得分明细"),
    "write:scores": _l("录入一个考核部门负责的指标得分"),
    "write:statistics": _l("写入区县指标的实际完成值和目标值（统计核实数据）"),
}


class TokenError(Refusal):
    pass


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *, name: str, scopes: list[str], expires_at: datetime, creator: User, assessor_unit: OrgUnit | None = None
) -> tuple[ApiToken, str]:
    """Issue a token acting for ``creator``; returns it and its secret (shown once)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("请填写令牌名称（用于审计日志，例如“统计局数据接口”）"), field="name")
    if len(name) > 100:
        raise TokenError(_("令牌名称不能超过 100 个字符"), field="name")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise TokenError(_("请至少选择一项权限范围"), field="scopes")
    if "write:scores" in scopes and assessor_unit is None:
        raise TokenError(_("“录入得分”须指定一个考核部门：令牌只能录入该部门负责的指标"), field="assessor_unit")
    now = utcnow()
    if expires_at <= now:
        raise TokenError(_("有效期须晚于今天"), field="expires_on")
    if expires_at > now + timedelta(days=MAX_DAYS + 1):
        raise TokenError(_("有效期最长两年"), field="expires_on")
    if not has_role(creator, Role.OFFICE_ADMIN):
        raise TokenError(_("只有考核办管理员可以创建接口令牌"))
    secret = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        name=name,
        prefix=secret[: len(PREFIX) + 6],
        token_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
        assessor_unit_id=assessor_unit.id if assessor_unit is not None and "write:scores" in scopes else None,
        created_by_id=creator.id,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.create",
        token,
        after={
            "name": token.name,
            "scopes": token.scopes,
            "assessor_unit_id": token.assessor_unit_id,
            "expires_at": token.expires_at.isoformat(),
            "prefix": token.prefix,
        },
        label=token.name,
    )
    return token, secret


def revoke(token: ApiToken) -> bool:
    """Revoke a token (it answers 401 from now on); False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by_id = actor_id()
    audit.record("api_token.revoke", token, before={"revoked_at": None}, after={"revoked": True}, label=token.name)
    return True


def tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


class Refused(enum.Enum):
    MISSING = "missing"  # no token, or not one of ours
    OTHER_TENANT = "other_tenant"
    REVOKED = "revoked"
    EXPIRED = "expired"
    INACTIVE = "inactive"  # its creator's account is deactivated


@dataclass
class Authenticated:
    token: ApiToken | None
    user: User | None
    refused: Refused | None = None


def authenticate(secret: str | None, tenant_id: int) -> Authenticated:
    """The token behind ``secret`` for this tenant, or why not."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        return Authenticated(None, None, Refused.MISSING)
    with unscoped():  # a token of another tenant is told apart (404), not taken for a typo
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
        if token is None:
            return Authenticated(None, None, Refused.MISSING)
        if token.tenant_id != tenant_id:
            return Authenticated(None, None, Refused.OTHER_TENANT)
        user = db.session.get(User, token.created_by_id)
    now = utcnow()
    if token.revoked_at is not None:
        return Authenticated(token, None, Refused.REVOKED)
    if token.expires_at <= now:
        return Authenticated(token, None, Refused.EXPIRED)
    if user is None or not user.active:
        return Authenticated(token, None, Refused.INACTIVE)
    return Authenticated(token, user)


def record_use(token: ApiToken) -> None:
    """Reads are counted, not audited one by one (the audit log stays readable)."""
    token.last_used_at = utcnow()
    token.use_count = (token.use_count or 0) + 1


def status_of(token: ApiToken, now: datetime | None = None) -> str:
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    return "active"
