"""What the ballots route modules share: how a refusal and a redirect answer."""

from __future__ import annotations

from flask import redirect, request

from appraisal.platform.refusals import roll_back_and_show

#: A refusal: undo whatever the refused service call touched and say why — beside
#: the form's field, else as a flashed message (a button's refusal; the view then
#: redirects back). A view that re-shows its page afterwards reads the page's data
#: then, so the page lists what is really stored (the voters and codes pages).
refused = roll_back_and_show


def go(url: str):
    """A redirect: 303 after a POST (the browser GETs the target), 302 otherwise."""
    return redirect(url, code=303 if request.method == "POST" else 302)
