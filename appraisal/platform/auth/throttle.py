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
"""

from __future__ import annotations

from flask import current_app
from limits import RateLimitItemPerDay, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    def __init__(self, storage_uri: str, *, account_address: str, account: str, address: str,
                 known_days: int = 30, code_address: str = "300 per 15 minutes") -> None:
        self.storage = storage_from_string(storage_uri)
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
