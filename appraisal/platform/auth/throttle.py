"""Login throttling per account and per address.

Backed by ``limits`` (the library under Flask-Limiter): Redis when REDIS_URL is
set, so the count holds across processes and machines; memory otherwise.
Only failed attempts count; a success clears the account's count.

While Redis is unreachable each process counts in its own memory instead
(:class:`FallbackStorage`): sign-in and code votes keep working and stay
throttled, per process, and the shared count resumes by itself once Redis
answers again (retried every few seconds).
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from limits import parse
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
    def __init__(self, storage_uri: str, account_limit: str, address_limit: str) -> None:
        self.storage = _storage(storage_uri)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.account_limit = parse(account_limit)
        self.address_limit = parse(address_limit)

    def blocked(self, account: str, address: str) -> bool:
        return not (
            self.limiter.test(self.account_limit, "login-account", account)
            and self.limiter.test(self.address_limit, "login-address", address)
        )

    def failed(self, account: str, address: str) -> None:
        self.limiter.hit(self.account_limit, "login-account", account)
        self.limiter.hit(self.address_limit, "login-address", address)

    def succeeded(self, account: str) -> None:
        self.limiter.clear(self.account_limit, "login-account", account)


def init_app(app) -> None:
    redis_url = app.config.get("REDIS_URL")
    uri = redis_url if redis_url else "memory://"
    app.extensions["login_throttle"] = LoginThrottle(
        uri, app.config["LOGIN_LIMIT_ACCOUNT"], app.config["LOGIN_LIMIT_ADDRESS"]
    )


def throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]
