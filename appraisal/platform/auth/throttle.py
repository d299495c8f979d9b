"""Throttling of failed sign-ins and wrong one-time ballot codes.

Backed by ``limits`` (the library under Flask-Limiter): Redis when REDIS_URL is
set, so the counts hold across processes and machines; memory otherwise.
Only failures count, and every key starts with the tenant (``operator`` for
the platform's own sign-in), so one tenant never throttles another.

Sign-in (the design is explained in docs/dev/security.md):

* ``LOGIN_LIMIT_ACCOUNT_ADDRESS`` — one account from one address (short
  window): guessing from one place is slowed down; the owner elsewhere is not.
* ``LOGIN_LIMIT_ACCOUNT`` — one account from anywhere (longer window, higher
  count): guessing from many places is bounded.
* ``LOGIN_LIMIT_ADDRESS`` — one address over all accounts of a tenant:
  spraying one password over many accounts is bounded.

The last two do not apply to an address that signed in to the account within
``LOGIN_KNOWN_ADDRESS_DAYS``: an attacker elsewhere cannot lock the owner out
of their usual office or home. Nothing locks for longer than its window.

Ballot codes: ``VOTE_CODE_LIMIT_ADDRESS`` wrong codes per tenant and address;
set high, since a meeting room votes from one address.

While Redis is unreachable each process counts in its own memory instead
(:class:`FallbackStorage`): sign-in and code votes keep working and stay
throttled, per process, and the shared count resumes by itself once Redis
answers again (retried every few seconds).
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from limits import RateLimitItemPerDay, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class FallbackStorage(MemoryStorage):
    """The shared storage, or this process's memory while the shared one fails."""

    RETRY_SECONDS = 5.0

    def __init__(self, primary) -> None:
        super().__init__()
        self.primary = primary
        self.down_until = 0.0

    def _shared(self, name: str, *args, **kwargs):
        """(True, result) from the shared storage, or (False, None) while it is down."""
        if time.monotonic() < self.down_until:
            return False, None
        try:
            result = getattr(self.primary, name)(*args, **kwargs)
        except (RedisError, StorageError, OSError) as exc:
            log.warning("login throttle: Redis unreachable (%s); counting in memory", exc)
            self.down_until = time.monotonic() + self.RETRY_SECONDS
            return False, None
        self.down_until = 0.0
        return True, result

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        ok, result = self._shared("acquire_entry", key, limit, expiry, amount=amount)
        return result if ok else super().acquire_entry(key, limit, expiry, amount=amount)

    def get_moving_window(self, key: str, limit: int, expiry: int):
        ok, result = self._shared("get_moving_window", key, limit, expiry)
        return result if ok else super().get_moving_window(key, limit, expiry)

    def clear(self, key: str) -> None:
        ok, _ = self._shared("clear", key)
        if not ok:
            super().clear(key)


def _storage(uri: str):
    if uri.startswith("memory://"):
        return storage_from_string(uri)
    return FallbackStorage(storage_from_string(uri, socket_connect_timeout=2, socket_timeout=2))


class LoginThrottle:
    def __init__(
        self,
        storage_uri: str,
        *,
        account_address: str,
        account: str,
        address: str,
        known_days: int = 30,
        code_address: str = "300 per 15 minutes",
    ) -> None:
        self.storage = _storage(storage_uri)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.account_address_limit = parse(account_address)
        self.account_limit = parse(account)
        self.address_limit = parse(address)
        self.known_limit = RateLimitItemPerDay(1, max(1, known_days))  # one mark per account and address
        self.code_limit = parse(code_address)

    # --- sign-in -----------------------------------------------------------

    def known(self, tenant: str, account: str, address: str) -> bool:
        """Did ``account`` sign in successfully from ``address`` recently?"""
        return not self.limiter.test(self.known_limit, "login-known", tenant, account, address)

    def blocked(self, tenant: str, account: str, address: str) -> bool:
        if not self.limiter.test(self.account_address_limit, "login-account-address", tenant, account, address):
            return True
        if self.known(tenant, account, address):
            return False
        return not (
            self.limiter.test(self.account_limit, "login-account", tenant, account)
            and self.limiter.test(self.address_limit, "login-address", tenant, address)
        )

    def failed(self, tenant: str, account: str, address: str) -> None:
        self.limiter.hit(self.account_address_limit, "login-account-address", tenant, account, address)
        self.limiter.hit(self.account_limit, "login-account", tenant, account)
        self.limiter.hit(self.address_limit, "login-address", tenant, address)

    def succeeded(self, tenant: str, account: str, address: str) -> None:
        """Clear this address's count for the account and remember the address.
        The account's overall count stays: others may still be guessing."""
        self.limiter.clear(self.account_address_limit, "login-account-address", tenant, account, address)
        self.limiter.hit(self.known_limit, "login-known", tenant, account, address)

    # --- one-time ballot codes --------------------------------------------

    def code_blocked(self, tenant: str, address: str) -> bool:
        return not self.limiter.test(self.code_limit, "ballot-code", tenant, address)

    def code_failed(self, tenant: str, address: str) -> None:
        self.limiter.hit(self.code_limit, "ballot-code", tenant, address)


def init_app(app) -> None:
    redis_url = app.config.get("REDIS_URL")
    uri = redis_url if redis_url else "memory://"
    config = app.config
    app.extensions["login_throttle"] = LoginThrottle(
        uri,
        account_address=config["LOGIN_LIMIT_ACCOUNT_ADDRESS"],
        account=config["LOGIN_LIMIT_ACCOUNT"],
        address=config["LOGIN_LIMIT_ADDRESS"],
        known_days=config["LOGIN_KNOWN_ADDRESS_DAYS"],
        code_address=config["VOTE_CODE_LIMIT_ADDRESS"],
    )


def throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]
