"""What the ballots route modules share: how a refusal and a redirect answer."""

from __future__ import annotations

from flask import redirect, request

from appraisal.platform.db import db
from appraisal.platform.refusals import show


def refused(exc: Exception, form=None, field: str | None = None) -> None:
    """A refusal: undo whatever the refused service call touched and say why —
    beside the form's ``field`` (or the field the refusal names), else as a
    flashed message (a button's refusal; the view then redirects back).

    A view that re-shows its page after this reads the page's data afterwards,
    so the page lists what is really stored (the voters and codes pages).
    """
    db.session.rollback()
    show(exc, form, field)


def go(url: str):
    """A redirect: 303 after a POST (the browser GETs the target), 302 otherwise."""
    return redirect(url, code=303 if request.method == "POST" else 302)
