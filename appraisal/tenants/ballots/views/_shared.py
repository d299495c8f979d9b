"""What the ballots route modules share: how a button answers."""

from __future__ import annotations

from flask import flash, redirect, request

from appraisal.platform.db import db


def refused(exc: Exception) -> None:
    """A button's refusal: undo whatever the refused service call touched and
    tell the user why (the view then redirects back)."""
    db.session.rollback()
    flash(str(exc), "error")


def go(url: str):
    """A redirect: 303 after a POST (the browser GETs the target), 302 otherwise."""
    return redirect(url, code=303 if request.method == "POST" else 302)
