"""Security headers on every response, in one place.

* ``Content-Security-Policy``: scripts only from our own static files (no
  inline ``<script>``, no ``on*=`` attributes, no ``eval``); styles allow
  ``'unsafe-inline'`` because templates use ``style="width: 40%"`` bars, a few
  ``<style>`` blocks and the SVG charts' inline styles; ``frame-ancestors
  'none'`` (and ``X-Frame-Options: DENY`` for older browsers) so no page can be
  framed.
* ``Referrer-Policy: same-origin``: tenant URLs never leak to other sites.
* ``X-Content-Type-Options: nosniff``: an uploaded evidence file is never run
  as a script or page.
* ``Strict-Transport-Security`` when the session cookie is Secure (i.e. the
  site is served over HTTPS): the browser then refuses plain HTTP.
* ``Cache-Control: no-store`` on everything but static files: pages of a
  signed-in user (and the login and code pages, which carry CSRF tokens)
  are never kept by the browser or a shared proxy.

A small module rather than Flask-Talisman: Talisman (last release 2023) trusts
the raw ``X-Forwarded-Proto`` header whatever ``TRUSTED_PROXIES`` says and
rewrites the session-cookie settings; we need a fixed handful of headers.
See docs/dev/security.md.
"""

from __future__ import annotations

from flask import Flask, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"

FIXED = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def init_app(app: Flask) -> None:
    headers = dict(FIXED)  # decided once: the settings do not change while the app runs
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = HSTS

    def set_headers(response):
        response.headers.update(headers)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response

    app.after_request(set_headers)
