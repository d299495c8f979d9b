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

#: what was created, in the order printed: count key → label
COUNTS = (
    ("letters", "份目标责任书"),
    ("letters_returned", "份曾被退回"),
    ("letter_items", "个责任书事项"),
    ("scores", "个评分"),
    ("claims_verified", "项加分已核实"),
    ("claims_rejected", "项加分不予认定"),
    ("penalties", "次通报批评"),
    ("notices", "期季度扣分通报"),
    ("vetoes", "项一票否决"),
    ("evidence", "份佐证材料"),
    ("self_reports", "份述职报告"),
    ("evaluations", "次民主评议"),
    ("ballots", "张匿名选票"),
    ("result_rows", "条计算结果"),
    ("appeals", "份复核申请"),
)


@demo_cli.command("load")
@click.option(
    "--host",
    envvar="HOST",
    default="127.0.0.1",
    show_default=True,
    help="The host the demo is served on (printed in its address).",
)
@click.option(
    "--port",
    envvar="PORT",
    default=5000,
    type=int,
    show_default=True,
    help="The port the demo is served on (printed in its address; make demo passes its PORT).",
)
def load(host: str, port: int):
    """Load the demo tenant (once) and print the demo logins."""
    from appraisal.demo import loader

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
        click.echo("2025 年度已归档（作为历史），2026 年度已计算并公示：")
        click.echo("  " + "，".join(f"{demo.counts[key]} {label}" for key, label in COUNTS if demo.counts.get(key)))
    else:
        click.echo(f"演示租户 {loader.SLUG} 已存在，未作改动。")
        if not demo.complete:
            click.echo(
                "注意：上次加载未完成（没有已公示的年度）。请删除数据库（make clean）后重新运行 make demo。", err=True
            )
    click.echo("")
    click.echo("演示账号（每个角色一个，密码相同）：")
    rows = [("角色", "账号", "密码", "能看到什么")]
    rows += [(ROLE_NAMES[login.role], login.email, login.password, login.sees) for login in demo.logins]
    rows.append(("平台运营", loader.OPERATOR.email, loader.OPERATOR.password, loader.OPERATOR.sees))
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(3)]
        click.echo("  " + "  ".join(cells) + "  " + row[3])
    click.echo(
        f"  其他评分账号：{'、'.join(demo.helpers)}（其余分口组组长、职能考核部门，以及为评分人本人那一行评分的考核办副主任）"
    )
    click.echo("")
    base = loader.base_url(host, port)
    click.echo(f"打开 {base}/t/{loader.SLUG}/（平台运营：{base}/platform/）")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
