"""``flask --app wsgi demo load``: the demo tenant and its logins."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from appraisal.platform.db import db
from appraisal.platform.models import Role

demo_cli = AppGroup("demo", help="The demo tenant.")

#: The terminal has no request (and so no locale): the Chinese names as such.
ROLE_NAMES = {
    Role.OFFICE_ADMIN: "考核办管理员",
    Role.SECTOR_LEAD: "分口考核组",
    Role.ASSESSOR: "职能考核部门",
    Role.UNIT_ADMIN: "单位管理员",
    Role.STAFF: "干部职工",
}


@demo_cli.command("load")
def load():
    """Load the demo tenant (once) and print the demo logins."""
    from appraisal.tenants.demo import loader

    started = time.perf_counter()
    demo = loader.load_demo()
    db.session.commit()
    if demo.created:
        org = demo.org
        click.echo(
            f"已创建演示租户 {demo.tenant.name}（{loader.SLUG}）：{1 + len(org.groups) + len(org.departments)}"
            f" 个考核办/分口组/部门，{len(org.districts)} 个区（市），{len(org.sections)} 个科室，"
            f"{len(org.people)} 名人员（{time.perf_counter() - started:.1f} 秒）"
        )
    else:
        click.echo(f"演示租户 {loader.SLUG} 已存在，未作改动。")
    click.echo("")
    click.echo("演示账号（每个角色一个）：")
    rows = [("角色", "账号", "密码", "能看到什么")]
    rows += [(ROLE_NAMES[login.role], login.email, login.password, login.sees) for login in demo.logins]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(3)]
        click.echo("  " + "  ".join(cells) + "  " + row[3])
    click.echo("")
    click.echo(f"打开 {loader.URL}")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
