"""Security headers on every response, and templates a strict CSP can run."""

import re
from pathlib import Path

import pytest

from tests.helpers import login

ROOT = Path(__file__).resolve().parents[2]


def _assert_common(response):
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def tenant(make_tenant):
    return make_tenant("hdr")


def test_public_pages(client, tenant):
    for url in ("/", f"/t/{tenant.slug}/login", f"/t/{tenant.slug}/vote"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_common(response)
        assert response.headers["Cache-Control"] == "no-store", url  # they carry CSRF tokens
        assert "Strict-Transport-Security" not in response.headers  # cookies not Secure here


def test_signed_in_page_is_not_stored(client, tenant, make_user):
    user = make_user(tenant, "office_admin")
    login(client, tenant, user)
    for url in (f"/t/{tenant.slug}/", f"/t/{tenant.slug}/account", f"/t/{tenant.slug}/audit/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_common(response)
        assert response.headers["Cache-Control"] == "no-store", url


def test_static_file_has_the_headers_and_stays_cacheable(client):
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    _assert_common(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_error_pages(app_factory, tenant):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    boom.public = True  # type: ignore[attr-defined]
    client = app.test_client()
    for url, status in (("/t/nobody/login", 404), ("/boom", 500), (f"/t/{tenant.slug}/logout", 405)):
        response = client.get(url)
        assert response.status_code == status, url
        _assert_common(response)
        assert response.headers["Cache-Control"] == "no-store"


def test_hsts_when_cookies_are_secure(app_factory, tenant):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    for url in ("/", "/static/js/app.js", "/t/nobody/login"):
        response = client.get(url)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000"), url
        response.close()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def test_no_template_has_inline_scripts_or_handler_attributes():
    """The CSP forbids inline scripts: each would silently stop working."""
    offenders = []
    templates = sorted((ROOT / "appraisal").rglob("*.html"))
    assert len(templates) > 50
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER_ATTRIBUTE, JS_URL):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:60]}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_catches_what_it_must():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script nonce="{{ csp_nonce() }}">x()</script>')
    assert HANDLER_ATTRIBUTE.search('<button class="btn" onclick="window.print()">')
    assert HANDLER_ATTRIBUTE.search('<select name="g"\n   onchange="this.form.submit()">')
    assert not HANDLER_ATTRIBUTE.search('<button data-print class="one">')
