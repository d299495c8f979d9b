"""Helpers for the hostile-input tests: find every POST form on the pages a
role can see, and submit it with one field replaced."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIP_ACTIONS = (
    "logout",
    "/active",
    "/withdraw",
    "/revoke",
    "/remove",
    "/finalise",
    "/publish",
    "/compute",
    "/phase",
    "/open",
    "/close",
    "/locale",
    "/password",
    "/account",
)


@dataclass
class FoundForm:
    page: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> default value
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type / "textarea" / "select"
    options: dict[str, list[str]] = field(default_factory=dict)
    multipart: bool = False


class _Forms(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.current = page, [], None
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.current = FoundForm(
                self.page, a.get("action") or self.page, multipart="multipart" in (a.get("enctype") or "")
            )
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                self.current.kinds.setdefault(a["name"], kind)
                return
            self.current.fields[a["name"]] = a.get("value") or ""
            self.current.kinds[a["name"]] = kind
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.current.fields[a["name"]] = ""
            self.current.kinds[a["name"]] = "textarea"
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.current.kinds[a["name"]] = "select"
            self.current.options[a["name"]] = []
            self.current.fields.setdefault(a["name"], "")
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self.current.options[self.select].append(value)
            if "selected" in a or not self.current.fields[self.select]:
                self.current.fields[self.select] = value

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.current is not None:
            if not any(s in self.current.action for s in SKIP_ACTIONS):
                self.forms.append(self.current)
            self.current = None


def forms_on(client, pages: list[str]) -> list[FoundForm]:
    found, seen = [], set()
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.mimetype:
            continue
        parser = _Forms(page)
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            key = (form.action.split("?")[0], tuple(sorted(form.fields)))
            if key not in seen:
                seen.add(key)
                found.append(form)
    return found
