"""Command-line tools: ``flask --app wsgi tenants …``, ``users …``, ``backup …``, ``worker``."""

from __future__ import annotations

from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from appraisal.platform import accounts, audit, tenant_admin
from appraisal.platform.db import db
from appraisal.platform.models import Role, TenantStatus
from appraisal.platform.tenancy import tenant_scope, unscoped

tenants_cli = AppGroup("tenants", help="Create, list and suspend tenants.")
users_cli = AppGroup("users", help="Create users and platform operators.")


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    raise click.ClickException(message)


def _tenant(slug: str):
    tenant = tenant_admin.find_tenant(slug)
    if tenant is None:
        _fail(f"no tenant with slug {slug!r}")
    return tenant


@tenants_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name, e.g. 枣庄市考核办")
@click.option("--admin-email", required=True)
@click.option("--admin-password", required=True)
@click.option("--locale", default="zh_Hans", type=click.Choice(["zh_Hans", "en"]))
@click.option("--time-zone", default="Asia/Shanghai")
def create_tenant(slug, name, admin_email, admin_password, locale, time_zone):
    """Create a tenant and its first office admin."""
    audit.set_actor("cli")
    with unscoped():
        try:
            tenant = tenant_admin.create_tenant(slug=slug, name=name, locale=locale, time_zone=time_zone)
        except tenant_admin.TenantError as exc:
            _fail(str(exc))
    try:
        tenant_admin.create_office_admin(tenant, email=admin_email, password=admin_password)
    except accounts.AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"created tenant {tenant.slug} ({tenant.name}); office admin {admin_email}")


@tenants_cli.command("list")
def list_tenants():
    """List tenants with their status."""
    for tenant in tenant_admin.list_tenants():
        click.echo(f"{tenant.slug}\t{tenant.status.value}\t{tenant.name}")


def _set_status(slug: str, status: TenantStatus) -> None:
    audit.set_actor("cli")
    tenant = _tenant(slug)
    tenant_admin.set_status(tenant, status)
    db.session.commit()
    click.echo(f"{slug}: {status.value}")


@tenants_cli.command("suspend")
@click.argument("slug")
def suspend_tenant(slug):
    """Suspend a tenant: nobody can use it until it is activated again."""
    _set_status(slug, TenantStatus.SUSPENDED)


@tenants_cli.command("activate")
@click.argument("slug")
def activate_tenant(slug):
    """Activate a suspended tenant."""
    _set_status(slug, TenantStatus.ACTIVE)


@users_cli.command("create")
@click.option("--tenant", "slug", help="Tenant slug; omit with --operator")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", "display_name", default=None)
@click.option(
    "--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), help="May repeat. Default: staff"
)
@click.option("--unit", "unit_code", default=None, help="Org unit code for unit-scoped roles")
@click.option("--operator", is_flag=True, help="Create a platform operator instead")
def create_user(slug, email, password, display_name, roles, unit_code, operator):
    """Create a tenant user (or, with --operator, a platform operator)."""
    audit.set_actor("cli")
    if operator:
        try:
            accounts.create_operator(email=email, display_name=display_name or email, password=password)
        except accounts.AccountError as exc:
            _fail(str(exc))
        db.session.commit()
        click.echo(f"created platform operator {email}")
        return
    if not slug:
        _fail("--tenant is required (or --operator)")
    tenant = _tenant(slug)
    with tenant_scope(tenant):
        unit_id = _unit_id(unit_code) if unit_code else None
        try:
            accounts.create_user(
                email=email,
                display_name=display_name or email,
                password=password,
                roles=[(Role(r), unit_id) for r in (roles or ["staff"])],
            )
        except accounts.AccountError as exc:
            _fail(str(exc))
        db.session.commit()
    click.echo(f"created user {email} in {slug}")


def _unit_id(code: str) -> int:
    from sqlalchemy import text

    row = db.session.execute(
        text("SELECT id FROM org_units WHERE tenant_id = :t AND code = :c"),
        {"t": current_tenant_id_or_fail(), "c": code},
    ).first()
    if row is None:
        _fail(f"no org unit with code {code!r}")
    return row[0]


def current_tenant_id_or_fail() -> int:
    from appraisal.platform.tenancy import current_tenant_id

    tenant_id = current_tenant_id()
    if tenant_id is None:
        _fail("no tenant")
    return tenant_id


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty")
def worker(burst):
    """Run an RQ worker for the app's queue (needs REDIS_URL).

    While Redis is unreachable the worker waits and tries again (backing off
    up to 10 s) instead of exiting."""
    from appraisal.platform.jobs import queue, run_worker

    if queue(current_app) is None:
        raise click.ClickException("REDIS_URL is not set: jobs run in-process, no worker needed")
    run_worker(
        current_app._get_current_object(),  # type: ignore[attr-defined]  # the app behind the proxy
        burst=burst,
        monitoring_interval=current_app.config["JOB_MONITORING_SECONDS"],
    )


backup_cli = AppGroup("backup", help="Back up, verify and restore the database and the upload folder.")


@backup_cli.command("create")
@click.option(
    "--output",
    "output_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory for the archive (default: BACKUP_DIR, instance/backups)",
)
@click.option(
    "--allow-missing",
    is_flag=True,
    help="Write the archive even if files the database refers to are missing (listed in the manifest)",
)
def backup_create(output_dir, allow_missing):
    """Write one archive: a consistent database snapshot, the upload folder and a manifest."""
    from appraisal.platform import backup

    try:
        summary = backup.create(output_dir or current_app.config["BACKUP_DIR"], allow_missing=allow_missing)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in summary.warnings:
        click.echo(_("警告：%(warning)s", warning=warning), err=True)
    manifest = summary.manifest
    click.echo(
        _(
            "备份完成：%(path)s（数据库 %(db)s，版本 %(rev)s，%(n)d 个上传文件）",
            path=summary.path,
            db=manifest["database"]["name"],
            rev=manifest["alembic_revision"],
            n=summary.file_count,
        )
    )


@backup_cli.command("verify")
@click.argument("archive", type=click.Path(dir_okay=False))
def backup_verify(archive):
    """Check an archive against its manifest (every checksum)."""
    from appraisal.platform import backup

    try:
        manifest = backup.verify(archive)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        _(
            "备份完好：%(path)s（%(at)s 生成，数据库 %(db)s，版本 %(rev)s，%(n)d 个上传文件）",
            path=archive,
            at=manifest["created_at"],
            db=manifest["database"]["name"],
            rev=manifest["alembic_revision"],
            n=backup.upload_count(manifest),
        )
    )


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
def backup_restore(archive):
    """Restore an archive into the EMPTY database of DATABASE_URL and into UPLOAD_DIR."""
    from appraisal.platform import backup

    try:
        manifest = backup.restore(archive)
    except backup.BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    done = {
        "rev": manifest["alembic_revision"],
        "n": backup.upload_count(manifest),
        "dir": current_app.config["UPLOAD_DIR"],
    }
    if manifest.get("upgraded_to"):
        click.echo(
            _(
                "恢复完成：数据库版本 %(rev)s，已升级到 %(head)s；%(n)d 个上传文件已放入 %(dir)s",
                head=manifest["upgraded_to"],
                **done,
            )
        )
    else:
        click.echo(_("恢复完成：数据库版本 %(rev)s；%(n)d 个上传文件已放入 %(dir)s", **done))


def init_app(app) -> None:
    app.cli.add_command(backup_cli)
    app.cli.add_command(tenants_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(worker)
