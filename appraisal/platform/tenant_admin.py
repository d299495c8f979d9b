"""Creating and suspending tenants: platform-operator operations."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from appraisal.platform import accounts, audit
from appraisal.platform.db import db
from appraisal.platform.models import Role, Tenant, TenantStatus, User
from appraisal.platform.refusals import Refusal
from appraisal.platform.tenancy import tenant_scope

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
RESERVED_SLUGS = frozenset({"platform", "static", "admin", "api", "login", "t"})


class TenantError(Refusal):
    pass


def find_tenant(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def list_tenants() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).order_by(Tenant.slug)))


def create_tenant(*, slug: str, name: str, locale: str = "zh_Hans", time_zone: str = "Asia/Shanghai") -> Tenant:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise TenantError(
            _("租户代码 %(slug)s 无效：须以小写字母开头，只含小写字母、数字和连字符，长 2–63 个字符", slug=repr(slug))
        )
    if find_tenant(slug) is not None:
        raise TenantError(_("租户代码 %(slug)s 已被使用", slug=slug))
    if not name.strip():
        raise TenantError(_("租户名称不能为空"))
    tenant = Tenant(slug=slug, name=name.strip(), locale=locale, time_zone=time_zone)
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant):
        audit.record("tenant.create", tenant, object_type="Tenant", after=audit.snapshot(tenant), label=tenant.name)
    return tenant


def create_office_admin(tenant: Tenant, *, email: str, password: str, display_name: str = "考核办管理员") -> User:
    with tenant_scope(tenant):
        return accounts.create_user(
            email=email,
            display_name=display_name,
            password=password,
            roles=[(Role.OFFICE_ADMIN, None)],
        )


def set_status(tenant: Tenant, status: TenantStatus) -> None:
    if tenant.status == status:
        return
    before = tenant.status.value
    tenant.status = status
    with tenant_scope(tenant):
        audit.record(
            f"tenant.{'suspend' if status == TenantStatus.SUSPENDED else 'activate'}",
            tenant,
            object_type="Tenant",
            before={"status": before},
            after={"status": status.value},
            label=tenant.name,
        )
