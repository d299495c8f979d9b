"""The English catalogue is complete and the app speaks it.

Message ids are the Chinese texts; English is kept in tools/en_*.json and
written into translations/en by tools/fill_translations.py.
"""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.helpers import login

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "appraisal/translations/messages.pot"
PO = ROOT / "appraisal/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")

HOW_TO_FIX = "add English for these ids to tools/en_*.json and run python tools/fill_translations.py"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="en" if path == PO else None)


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def test_every_message_has_english():
    ids = [_key(m) for m in _read(POT) if m.id]
    po = _read(PO)
    missing = []
    for key in ids:
        message = po.get(key)
        # fuzzy entries are pybabel's guesses from a similar id, not translations
        if message is None or message.fuzzy or not all(_strings(message)):
            missing.append(key)
    assert not missing, (
        f"{len(missing)} ids without English ({HOW_TO_FIX}; re-extract first if the .po "
        f"lacks them):\n" + "\n".join(missing)
    )


def test_placeholders_match():
    wrong = []
    for message in _read(PO):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in _strings(message):
            if string and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append(f"{_key(message)!r} -> {string!r}")
    assert not wrong, "placeholders differ between id and English (fix tools/en_*.json):\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def compiled_catalogue():
    """`make test` compiles through `make translations`; running pytest directly compiles here."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        catalog = _read(PO)
        with MO.open("wb") as f:
            write_mo(f, catalog)
    return MO


@pytest.mark.parametrize("path", ["/", "/users/", "/audit/", "/org/", "/cycles/", "/schemes/", "/results/"])
def test_pages_render_in_english(compiled_catalogue, client, make_tenant, make_user, path):
    tenant = make_tenant("city", name="Example City")
    admin = make_user(tenant, "office_admin", email="admin@city.cn", name="Admin")
    login(client, tenant, admin)
    response = client.get(f"/t/{tenant.slug}{path}?lang=en")
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Sign out" in html and "Users and roles" in html
    nav = re.search(r"<nav class=\"sidenav\".*?</nav>", html, re.S)
    assert nav, "no navigation on the page"
    assert not HAN.findall(nav.group(0)), f"Chinese in the English navigation of {path}: {nav.group(0)}"
