"""Load the demo tenant: the org tree, its people and one login per role.

Later features extend the demo by adding steps to :func:`load_demo` that take
the :class:`~appraisal.tenants.demo.org.DemoOrg` (e.g. ``load_schemes(org)``,
``load_cycle(org)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from appraisal.platform import accounts, audit, tenant_admin
from appraisal.platform.db import db
from appraisal.platform.models import Role, Tenant
from appraisal.platform.tenancy import tenant_scope, unscoped
from appraisal.tenants.demo.org import DemoOrg, load_org
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.models import LeaderRole

SLUG = "demo"
NAME = "枣庄市目标管理考核办公室（演示）"
PASSWORD = "Kaohe-2026"
URL = "http://127.0.0.1:5000/t/demo/"


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    unit: str  # the unit the role is granted on ("" for tenant-wide roles)
    sees: str  # what this login sees, for the printed table
    password: str = PASSWORD


LOGINS = (
    DemoLogin(Role.OFFICE_ADMIN, "admin@demo.cn", "",
              "考核办：全部单位和人员、名册导入、用户与角色、操作日志"),
    DemoLogin(Role.SECTOR_LEAD, "lead@demo.cn", "综合经济组",
              "综合经济组及其 9 个部门（只读）"),
    DemoLogin(Role.ASSESSOR, "assessor@demo.cn", "市委组织部",
              "职能考核部门（党的建设）：全部单位（只读）"),
    DemoLogin(Role.UNIT_ADMIN, "unitadmin@demo.cn", "市财政局",
              "市财政局及其科室：维护单位和人员、导入名册"),
    DemoLogin(Role.STAFF, "staff@demo.cn", "",
              "干部职工：本人信息（市财政局预算科）"),
)


@dataclass
class DemoTenant:
    tenant: Tenant
    created: bool
    logins: tuple[DemoLogin, ...] = LOGINS
    org: DemoOrg | None = None  # only when just created


def find_demo() -> Tenant | None:
    with unscoped():
        return tenant_admin.find_tenant(SLUG)


def load_users(org: DemoOrg) -> dict[Role, object]:
    """One user per role, each linked to a plausible person of the demo."""
    finance = org.departments["市财政局"]
    people_of = org.people_by_unit
    person_for = {
        Role.OFFICE_ADMIN: people_of[org.office.id][-1],
        Role.SECTOR_LEAD: org.leader(org.groups["综合经济组"]),
        Role.ASSESSOR: people_of[org.sections[("市委组织部", "组织科")].id][0],
        Role.UNIT_ADMIN: people_of[org.sections[("市财政局", "办公室")].id][0],
        Role.STAFF: next(p for p in people_of[org.sections[("市财政局", "预算科")].id]
                         if p.leader_role == LeaderRole.NONE and p.position == "科员"),
    }
    units = {"综合经济组": org.groups["综合经济组"], "市委组织部": org.departments["市委组织部"],
             "市财政局": finance}
    users = {}
    for login in LOGINS:
        unit = units.get(login.unit)
        person = person_for[login.role]
        user = accounts.create_user(
            email=login.email, display_name=person.name, password=login.password,
            roles=[(login.role, unit.id if unit is not None else None)],
        )
        org_services.link_user(person, user)
        users[login.role] = user
    return users


def load_demo() -> DemoTenant:
    """Create the demo tenant unless it exists (the caller commits)."""
    existing = find_demo()
    if existing is not None:
        return DemoTenant(tenant=existing, created=False)
    audit.set_actor("demo")
    with unscoped():
        tenant = tenant_admin.create_tenant(slug=SLUG, name=NAME)
    with tenant_scope(tenant):
        org = load_org(tenant)
        load_users(org)
        db.session.flush()
    return DemoTenant(tenant=tenant, created=True, org=org)
