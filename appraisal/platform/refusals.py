"""Refusals: a clear, user-facing "no", and how a form answers it.

Every feature's "this change is refused, and here is why" error subclasses
:class:`Refusal` (``BallotError``, ``LetterError``, ``OrgError``, ...). A
refusal is a ``ValueError``, so existing ``except ValueError`` still catches
it. It may name the form field its message belongs beside (``field=``), or
several (``fields={"name": "why", ...}``).

A view that catches one answers with :func:`refuse`: the session is rolled
back (nothing half-done survives, and a failed flush does not break the
page), the message is put beside its field, and the form is re-rendered with
status 422. A form that merely fails validation answers with the same status
(:func:`form_status`). See docs/dev/conventions.md, "A route".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import flash, render_template, request

from appraisal.platform.db import db

#: The status of a refused or invalid form submission.
INVALID = 422


class Refusal(ValueError):
    """A clear, user-facing reason why an operation was refused.

    ``field``: the form field the message belongs beside, when there is one.
    ``fields``: for a refusal with several reasons, field name → message.
    Positional arguments are those of ``ValueError`` (the message first).
    """

    def __init__(self, *args: Any, field: str | None = None, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(*args)
        self.field = field
        self.fields = dict(fields or {})


def form_status() -> int:
    """200 for showing a form, :data:`INVALID` for re-showing a submitted one."""
    return INVALID if request.method == "POST" else 200


def show(exc: BaseException, form=None, field: str | None = None) -> None:
    """Put the refusal's message(s) where the person will see them.

    Beside ``exc.field`` when the form has that field, else beside ``field`` (the
    view's default); with neither, as an error message at the top of the page.
    """

    def field_of(name):
        target = getattr(form, name, None) if form is not None and name else None
        return target if target is not None and hasattr(target, "errors") else None

    fields = dict(getattr(exc, "fields", None) or {})
    if not fields:  # one message (a multi-field refusal's message is only their summary)
        named = getattr(exc, "field", None)
        fields = {named if field_of(named) is not None else field: str(exc)}
    for name, text in fields.items():
        target = field_of(name)
        if target is not None:
            if not isinstance(target.errors, list):  # WTForms leaves a tuple before validation
                target.errors = list(target.errors)
            target.errors.append(str(text))
        else:
            flash(str(text), "error")


def roll_back_and_show(exc: BaseException, form=None, field: str | None = None) -> None:
    """Undo whatever the refused call touched, then :func:`show` why. For a view
    that answers otherwise than :func:`refuse` (a redirect after a button, or a
    page it builds itself afterwards, from what is really stored)."""
    db.session.rollback()
    show(exc, form, field)


def refuse(
    exc: BaseException,
    template: str,
    *,
    form=None,
    field: str | None = None,
    status: int = INVALID,
    page: Callable[[], Mapping[str, Any]] | None = None,
    **context: Any,
):
    """Roll back, show why, and re-render ``template`` with ``status`` (422).

    ``form`` is passed to the template as ``form`` (unless ``context`` has one);
    ``field`` is where the message goes when the refusal names no field.
    ``page``: the page's data, read *after* the rollback, so that a page built from
    the database shows what is stored, not what the refused call left in the session.
    """
    roll_back_and_show(exc, form, field)
    if page is not None:
        context = {**page(), **context}
    if form is not None:
        context.setdefault("form", form)
    return render_template(template, **context), status
