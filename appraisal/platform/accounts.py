"""Account operations: the only place that writes users, grants and operators."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import func, select

from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.labels import role_label
from appraisal.platform.models import (
    UNIT_SCOPED_ROLES,
    LoginSession,
    Operator,
    Role,
    RoleGrant,
    User,
    check_dummy_password,
)
from appraisal.platform.refusals import Refusal

MIN_PASSWORD_LENGTH = 10


class AccountError(Refusal):
    """A clear, user-facing reason why an account operation was refused.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("密码至少需要 %(n)s 个字符", n=MIN_PASSWORD_LENGTH), field="password")
    if password.isdigit() or password.isalpha():
        raise AccountError(_("密码需同时包含字母和数字"), field="password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """The user of the current tenant with this e-mail (the safety net scopes it)."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_operator(email: str) -> Operator | None:
    return db.session.scalar(select(Operator).where(Operator.email == normalise_email(email)))


def _verified(account, password: str):
    """``account`` when ``password`` is its own and it is active, else None.

    Exactly one password hash is computed whatever the outcome, so an unknown
    or inactive account is refused in the same time as a wrong password."""
    if account is None:
        check_dummy_password(password)
        return None
    return account if account.check_password(password) and account.active else None


def authenticate(email: str, password: str) -> User | None:
    """The active user of the current tenant with this e-mail and password."""
    return _verified(find_user(email), password)


def authenticate_operator(email: str, password: str) -> Operator | None:
    """The same for the platform's operators."""
    return _verified(find_operator(email), password)


def create_user(
    *,
    email: str,
    display_name: str,
    password: str,
    roles: Sequence[tuple[Role, int | None]] = (),
    locale: str | None = None,
    check_strength: bool = True,
) -> User:
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError(_("账号 %(email)s 已存在", email=email), field="email")
    if check_strength:
        check_password_strength(password)
    user = User(email=email, display_name=display_name.strip(), locale=locale)
    user.set_password(password)
    user.password_changed_at = utcnow()
    db.session.add(user)
    for role, unit_id in roles:
        _add_grant(user, role, unit_id)
    db.session.flush()
    audit.record("user.create", user, after=audit.snapshot(user) | {"roles": _grant_list(user)}, label=user.email)
    return user


def _grant_list(user: User) -> list[str]:
    return [f"{g.role.value}@{g.org_unit_id or '*'}" for g in user.grants]


def _add_grant(user: User, role: Role, unit_id: int | None) -> RoleGrant:
    role = Role(role)
    if role in UNIT_SCOPED_ROLES and unit_id is None:
        raise AccountError(_("角色 %(role)s 需要指定所属单位", role=role_label(role)))
    if role not in UNIT_SCOPED_ROLES:
        unit_id = None
    grant = RoleGrant(role=role, org_unit_id=unit_id)
    user.grants.append(grant)
    return grant


def set_grants(user: User, roles: list[tuple[Role, int | None]]) -> None:
    before = _grant_list(user)
    wanted = {(Role(r), u if Role(r) in UNIT_SCOPED_ROLES else None) for r, u in roles}
    for grant in list(user.grants):
        if (grant.role, grant.org_unit_id) not in wanted:
            user.grants.remove(grant)
    have = {(g.role, g.org_unit_id) for g in user.grants}
    for role, unit_id in sorted(wanted - have, key=lambda x: (x[0].value, x[1] or 0)):
        _add_grant(user, role, unit_id)
    db.session.flush()
    after = _grant_list(user)
    if before != after:
        audit.record("user.roles", user, before={"roles": before}, after={"roles": after}, label=user.email)


def update_profile(user: User, *, display_name: str) -> None:
    before = audit.snapshot(user)
    user.display_name = display_name.strip()
    old, new = audit.diff(before, audit.snapshot(user))
    if new:
        audit.record("user.update", user, before=old, after=new, label=user.email)


def change_password(user: User, current: str, new: str, *, keep_session: LoginSession | None = None) -> None:
    """Change one's own password; every other session of the account ends
    (a stolen cookie dies with the old password), ``keep_session`` goes on."""
    if not user.check_password(current):
        raise AccountError(_("当前密码不正确"))
    check_password_strength(new)
    _set_password(user, new, "user.password_change")
    end_all_sessions(user, keep=keep_session)


def reset_password(user: User, new: str) -> None:
    check_password_strength(new)
    _set_password(user, new, "user.password_reset")
    end_all_sessions(user)


def _set_password(user: User, new: str, action: str) -> None:
    user.set_password(new)
    user.password_changed_at = utcnow()
    audit.record(action, user, label=user.email)


def set_active(user: User, active: bool) -> None:
    if user.active == active:
        return
    if not active and Role.OFFICE_ADMIN in user.roles() and _active_office_admins() <= 1:
        raise AccountError(_("不能停用最后一位考核办管理员"))
    user.active = active
    audit.record(
        "user.activate" if active else "user.deactivate",
        user,
        before={"active": not active},
        after={"active": active},
        label=user.email,
    )
    if not active:
        end_all_sessions(user)


def _active_office_admins() -> int:
    return (
        db.session.scalar(
            select(func.count(func.distinct(User.id)))
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(User.active.is_(True), RoleGrant.role == Role.OFFICE_ADMIN)
        )
        or 0
    )


def set_locale(user, locale: str | None) -> None:
    user.locale = locale


def end_all_sessions(user: User, *, keep: LoginSession | None = None) -> None:
    stmt = (
        LoginSession.__table__.update()  # type: ignore[attr-defined]  # __table__ is a Table
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep.id)
    db.session.execute(stmt)


# --- platform operators (no tenant) -----------------------------------------


def create_operator(*, email: str, display_name: str, password: str) -> Operator:
    email = normalise_email(email)
    if find_operator(email) is not None:
        raise AccountError(_("平台运营账号 %(email)s 已存在", email=email))
    check_password_strength(password)
    operator = Operator(email=email, display_name=display_name)
    operator.set_password(password)
    db.session.add(operator)
    db.session.flush()
    return operator
