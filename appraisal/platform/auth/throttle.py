"""Login throttling per account and per address.

Backed by ``limits`` (the library under Flask-Limiter): Redis when REDIS_URL is
set, so the count holds across processes and machines; memory otherwise.
Only failed attempts count; a success clears the account's count.
"""

from __future__ import annotations

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    def __init__(self, storage_uri: str, account_limit: str, address_limit: str) -> None:
        self.storage = storage_from_string(storage_uri)
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
