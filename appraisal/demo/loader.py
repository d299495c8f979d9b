"""Load the demo tenant: the org tree, its people, one login per role (and a
few helper logins for the other scorers), the schemes, the 2025 year as
history and the 2026 year published — see :mod:`.year` — and a platform
operator for /platform/.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from appraisal.demo import year as demo_year
from appraisal.demo.org import DemoOrg, load_org
from appraisal.platform import accounts, audit, jobs, tenant_admin
from appraisal.platform.db import db, one_transaction
from appraisal.platform.models import Operator, Role, Tenant
from appraisal.platform.tenancy import tenant_scope, unscoped
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.models import LeaderRole

SLUG = "demo"
NAME = "枣庄市目标管理考核办公室（演示）"
PASSWORD = "Kaohe-2026"
URL = "http://127.0.0.1:5000/t/demo/"  # the default address; ``flask demo load`` prints the one served


def base_url(host: str = "127.0.0.1", port: int = 5000) -> str:
    """The address a browser on this machine opens (a server on every interface is reached on 127.0.0.1)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    unit: str  # the unit the role is granted on ("" for tenant-wide roles)
    sees: str  # what this login sees, for the printed table
    password: str = PASSWORD


LOGINS = (
    DemoLogin(
        Role.OFFICE_ADMIN,
        "admin@demo.cn",
        "",
        "考核办：全部考核年度、方案、责任书、评分、加减分、否决、测评、计算、公示和复核，操作日志",
    ),
    DemoLogin(Role.SECTOR_LEAD, "lead@demo.cn", "综合经济组", "综合经济组 9 个部门：审核责任书、逐项评分业务目标"),
    DemoLogin(
        Role.ASSESSOR,
        "assessor@demo.cn",
        "市委组织部",
        "职能考核部门：为全部部门和区（市）评“党的建设”，为县级干部评目标完成情况",
    ),
    DemoLogin(
        Role.UNIT_ADMIN,
        "unitadmin@demo.cn",
        "市财政局",
        "市财政局：本局责任书、加分申请、干部职工量化考核和民主评议、本局结果",
    ),
    DemoLogin(Role.STAFF, "staff@demo.cn", "", "干部职工（市财政局预算科）：本人考核结果、加分、已公示的排名"),
)

#: the platform operator (/platform/): creates and suspends tenants, sees no tenant data
OPERATOR = DemoLogin(Role.OFFICE_ADMIN, "operator@demo.cn", "", "平台运营：/platform/ 管理租户（看不到租户数据）")
OPERATOR_URL = "http://127.0.0.1:5000/platform/"


@dataclass
class DemoTenant:
    tenant: Tenant
    created: bool
    logins: tuple[DemoLogin, ...] = LOGINS
    org: DemoOrg | None = None  # only when just created
    counts: dict[str, int] = field(default_factory=dict)  # what was created, for the summary
    complete: bool = True  # False: an earlier load stopped half-way (ballots and computations commit)
    helpers: tuple[str, ...] = (*(email for email, _, _ in demo_year.HELPERS), "office2@demo.cn")


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
        Role.STAFF: next(
            p
            for p in people_of[org.sections[("市财政局", "预算科")].id]
            if p.leader_role == LeaderRole.NONE and p.position == "科员"
        ),
    }
    units = {"综合经济组": org.groups["综合经济组"], "市委组织部": org.departments["市委组织部"], "市财政局": finance}
    users = {}
    for login in LOGINS:
        unit = units.get(login.unit)
        person = person_for[login.role]
        user = accounts.create_user(
            email=login.email,
            display_name=person.name,
            password=login.password,
            roles=[(login.role, unit.id if unit is not None else None)],
        )
        org_services.link_user(person, user)
        users[login.role] = user
    return users


def load_demo() -> DemoTenant:
    """Create the demo tenant unless it exists (the caller commits)."""
    existing = find_demo()
    if existing is not None:
        with tenant_scope(existing):
            return DemoTenant(tenant=existing, created=False, complete=demo_year.is_complete())
    audit.set_actor("demo")
    # all or nothing: the ballots and computations commit as they go, so the whole
    # load is one transaction (a failure, or a killed process, leaves no demo tenant);
    # computations run here, in-process, even with REDIS_URL set
    db.session.commit()
    with one_transaction(), jobs.inline():
        with unscoped():
            tenant = tenant_admin.create_tenant(slug=SLUG, name=NAME)
        with tenant_scope(tenant):
            org = load_org(tenant)
            users = load_users(org)
            scorers = demo_year.helper_users(org, users, PASSWORD)
            versions = demo_year.load_schemes(org)
            db.session.flush()
            years = demo_year.load_years(org, scorers, versions)
            db.session.flush()
        load_operator()
    # read back in the ordinary session (the loader's objects are detached now)
    return DemoTenant(tenant=find_demo(), created=True, org=org, counts=years.counts)


def load_operator() -> Operator:
    """The platform operator of the demo, unless one with that e-mail exists."""
    with unscoped():
        operator = db.session.scalar(select(Operator).where(Operator.email == OPERATOR.email))
        if operator is None:
            operator = accounts.create_operator(
                email=OPERATOR.email, display_name="平台运营（演示）", password=OPERATOR.password
            )
    return operator
