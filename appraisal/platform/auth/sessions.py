"""Server-side login sessions behind Flask-Login.

The cookie holds only a random token (``session["_user_id"]``); the
``login_sessions`` row says whose it is, for which tenant, and whether it is
still alive. Logging in always starts a new row and token (the session is
renewed); logging out ends the row; a row expires when idle for
SESSION_IDLE_MINUTES and, however active, SESSION_ABSOLUTE_HOURS after sign-in;
changing one's password ends the account's other rows.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select

from appraisal.platform.db import db, utcnow
from appraisal.platform.models import LoginSession, Operator, User
from appraisal.platform.tenancy import current_tenant

TOUCH_EVERY = timedelta(seconds=60)

login_manager = LoginManager()
login_manager.session_protection = None  # the server-side row is the protection
login_manager.login_message = None


def start(account: User | Operator) -> None:
    """Sign ``account`` in with a brand-new session (old cookie content dropped)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        token_hash=LoginSession.hash_token(token),
        tenant_id=None if account.is_operator else account.tenant_id,
        user_id=None if account.is_operator else account.id,
        operator_id=account.id if account.is_operator else None,
        remote_addr=request.remote_addr,
    )
    db.session.add(row)
    account.login_token = token
    if not account.is_operator:
        account.last_login_at = utcnow()
    login_user(account)
    session.permanent = True


def end() -> None:
    if not current_user.is_authenticated:  # also loads the session row into g
        session.clear()
        return
    row = g.get("login_session")
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
    logout_user()
    session.clear()


def load(token: str):
    """Flask-Login's user loader: the account behind a live token, for this tenant."""
    row = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == LoginSession.hash_token(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if (
        now - row.last_seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]
        or now - row.created_at > current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    ):
        row.ended_at = now
        return None
    tenant = current_tenant()
    if row.user_id is not None:
        if tenant is None or row.tenant_id != tenant.id:
            return None  # a login on tenant A is not a login on tenant B
        account = db.session.get(User, row.user_id)
    else:
        if tenant is not None:
            return None  # operators see no tenant pages
        account = db.session.get(Operator, row.operator_id)
    if account is None or not account.active:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    account.login_token = token
    g.login_session = row
    return account


login_manager.user_loader(load)
