"""What the ballots route modules share: how a button and a refused form on a
listing page answer."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request

from appraisal.platform.db import db
from appraisal.platform.refusals import INVALID, show


def refused(exc: Exception) -> None:
    """A button's refusal: undo whatever the refused service call touched and
    tell the user why (the view then redirects back)."""
    db.session.rollback()
    flash(str(exc), "error")


def go(url: str):
    """A redirect: 303 after a POST (the browser GETs the target), 302 otherwise."""
    return redirect(url, code=303 if request.method == "POST" else 302)


def refused_form(exc: Exception, template: str, *, form, field: str, context: Callable[[], dict]):
    """A refused form on a page that lists stored rows and has its own ``form``
    (the voters and codes pages): :func:`appraisal.platform.refusals.refuse`,
    except that the page's ``context()`` is read after the rollback, so that it
    shows what is really stored, and ``form`` is only where the message goes."""
    db.session.rollback()
    show(exc, form, field)
    return render_template(template, **context()), INVALID
