"""Logins: server-side sessions, throttling, the login/logout/password screens."""
