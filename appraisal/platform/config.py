"""Settings read from the environment inside ``create_app``.

Nothing here runs at import time; :func:`load_config` is called by the app
factory with the environment of the moment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

#: Environments. ``production`` is the default: it insists on a SECRET_KEY and
#: secure cookies. ``demo`` and ``development`` are for a laptop.
ENVIRONMENTS = ("production", "demo", "development", "testing")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and why."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path: Path) -> str:
    """The demo's secret: generated once into ``instance/secret_key``."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


UPLOAD_LIMITS = {  # setting -> default; the admin guide (org.md 3.6, schemes.md) lists them
    "YAML_MAX_KB": 512,
    "YAML_MAX_DEPTH": 40,
    "YAML_MAX_NODES": 50_000,
    "XLSX_MAX_UNZIPPED_MB": 40,
    "XLSX_MAX_PART_MB": 8,
    "XLSX_MAX_PARTS": 500,
    "XLSX_MAX_ROWS": 50_000,
    "XLSX_MAX_COLUMNS": 200,
    "XLSX_MAX_CELLS": 500_000,
    "XLSX_MAX_CELL_CHARS": 5_000,
}


def load_config(instance_path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if env is None else env
    mode = env.get("APPRAISAL_ENV", "production").strip().lower()
    if mode not in ENVIRONMENTS:
        raise ConfigError(f"APPRAISAL_ENV={mode!r}: expected one of {', '.join(ENVIRONMENTS)}")
    relaxed = mode in {"demo", "development", "testing"}

    secret = env.get("SECRET_KEY", "")
    if not secret:
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY is required in production: set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        secret = _instance_secret(instance_path)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'appraisal.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    idle_minutes = int(env.get("SESSION_IDLE_MINUTES", "30"))
    return {
        "APPRAISAL_ENV": mode,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance_path / "uploads"),
        # where `flask --app wsgi backup create` writes its archives unless given --output
        "BACKUP_DIR": env.get("BACKUP_DIR") or str(instance_path / "backups"),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "EVIDENCE_MAX_MB": float(env.get("EVIDENCE_MAX_MB", "10")),
        # bounded parsing of uploads (appraisal/platform/limits.py): checked before any parser runs
        **{name: int(env.get(name, default)) for name, default in UPLOAD_LIMITS.items()},
        # Sessions: HttpOnly, SameSite=Lax, Secure outside demo/development.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE"), default=not relaxed),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=idle_minutes),
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Sessions also end this many hours after sign-in, however active.
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=float(env.get("SESSION_ABSOLUTE_HOURS", "12"))),
        # How many reverse proxies / load balancers in front of the app append to
        # X-Forwarded-For; 0 = the app faces clients directly and ignores the header.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # Login throttling (failures only, every key includes the tenant; see docs/dev/security.md):
        # one account from one address; one account from anywhere (addresses that signed in
        # to it before are exempt); one address over all accounts (same exemption).
        "LOGIN_LIMIT_ACCOUNT_ADDRESS": env.get("LOGIN_LIMIT_ACCOUNT_ADDRESS", "5 per 15 minutes"),
        "LOGIN_LIMIT_ACCOUNT": env.get("LOGIN_LIMIT_ACCOUNT", "50 per 2 hours"),
        "LOGIN_LIMIT_ADDRESS": env.get("LOGIN_LIMIT_ADDRESS", "100 per 15 minutes"),
        "LOGIN_KNOWN_ADDRESS_DAYS": int(env.get("LOGIN_KNOWN_ADDRESS_DAYS", "30")),
        # Wrong one-time ballot codes per tenant and address (a meeting room shares one).
        "VOTE_CODE_LIMIT_ADDRESS": env.get("VOTE_CODE_LIMIT_ADDRESS", "300 per 15 minutes"),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ("zh_Hans", "en"),
        "RQ_WORKERS": int(env.get("RQ_WORKERS", "2")),
        # a computation not heard from for this long is taken for dead (its worker died)
        "STALE_RUN_SECONDS": int(env.get("STALE_RUN_SECONDS", "600")),
        # RQ: a worker beats on its running job every JOB_MONITORING_SECONDS; a job
        # not beaten for WORKER_STALE_SECONDS has lost its worker (killed, machine gone)
        "JOB_MONITORING_SECONDS": int(env.get("JOB_MONITORING_SECONDS", "10")),
        "WORKER_STALE_SECONDS": int(env.get("WORKER_STALE_SECONDS", "90")),
        # a queued run whose job Redis does not know is dead once it is this old
        # (the moment between writing the run and enqueuing its job is not)
        "ENQUEUE_GRACE_SECONDS": int(env.get("ENQUEUE_GRACE_SECONDS", "30")),
        # tests only: hold a computation mid-way so a test can kill its worker
        "COMPUTE_PAUSE_SECONDS": float(env.get("COMPUTE_PAUSE_SECONDS", "0")),
        "PAGE_SIZE": int(env.get("PAGE_SIZE", "50")),
        # notifications (docs/admin-guide/notifications.md): outgoing mail, the site's address
        # for links in mail and robot messages, and the delays between delivery attempts
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": int(env.get("SMTP_PORT") or 0),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": env.get("SMTP_FROM", ""),
        "SMTP_FROM_NAME": env.get("SMTP_FROM_NAME", ""),
        "SMTP_SECURITY": env.get("SMTP_SECURITY", "starttls"),  # starttls, ssl or none
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT", "15")),
        "PUBLIC_URL": env.get("PUBLIC_URL", ""),
        "NOTIFY_RETRY_SECONDS": env.get("NOTIFY_RETRY_SECONDS", "60,300,1800"),
    }
