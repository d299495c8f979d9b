"""One layer for hostile values in forms, query strings and URLs, so that no
value gives a 500 and each gives a clear error on its field.

* ``SafeForm``: the base of every form. Before a form's own validators run, each
  field is checked: text without NUL or other control characters (and without
  line breaks on one-line fields), numbers finite and of sane size (no NaN,
  Infinity, sNaN, 1e309), ids and integers within PostgreSQL's ``integer``,
  dates between ``MIN_DATE`` and ``MAX_DATE``.
* ``finite_decimal``: the one parser for numbers typed as text (scores grid,
  letter points, counts, weights), refusing the same values.
* ``install(app)``: URL ``<int:…>`` converters refuse ids above ``INT_MAX`` (404),
  and ``request.args/form.get(..., type=int)`` treats such ids as absent;
  ``tenancy.get_or_404`` answers 404 for them (``bounded_int``). ``INT_MAX`` is the one bound.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import Flask, Request, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.exc import DataError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms import Field
from wtforms.fields import FieldList, FormField, TextAreaField
from wtforms.validators import StopValidation

INT_MAX = 2**31 - 1  # PostgreSQL integer: every id column
NUMBER_MAX = Decimal("1e15")  # no value of this product is near; keeps Decimal arithmetic exact
MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2100, 12, 31)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")

CONTROL_MESSAGE = _l("不能包含不可见的控制字符（如 NUL）")
LINE_BREAK_MESSAGE = _l("不能包含换行")
NUMBER_MESSAGE = _l("须为有效数字")
RANGE_MESSAGE = _l("数值超出允许范围")
DATE_MESSAGE = _l("日期须在 2000-01-01 到 2100-12-31 之间")
DATABASE_MESSAGE = _l("提交的内容无法保存：含有不可见的控制字符或超出范围的数值，请检查后重试")


def text_problem(value: str, *, one_line: bool = False):
    """Why this text cannot be stored, or None."""
    if _CONTROL.search(value):
        return CONTROL_MESSAGE
    if one_line and _LINE_BREAK.search(value):
        return LINE_BREAK_MESSAGE
    return None


def form_problem(form) -> str | None:
    """For views that read ``request.form`` directly: the first submitted value
    with a NUL or another control character, as a message naming the problem."""
    for _name, value in form.items(multi=True):
        if isinstance(value, str) and (problem := text_problem(value)):
            return str(problem)
    return None


def finite_decimal(text) -> Decimal:
    """A finite Decimal of sane size from user text; ValueError otherwise
    (not a number, NaN, sNaN, Infinity, or beyond ±1e15)."""
    raw = str(text).strip()
    if len(raw) > 40:
        raise ValueError("too long")
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise ValueError("not a number") from None
    if not value.is_finite() or abs(value) > NUMBER_MAX:
        raise ValueError("not finite or too large")
    return value


def parse_date(text) -> date:
    """An ISO date between MIN_DATE and MAX_DATE; ValueError otherwise."""
    day = date.fromisoformat(str(text).strip())
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError("date out of range")
    return day


def bounded_int(text) -> int:
    """int() that refuses what no id or count column can hold (ValueError)."""
    value = int(text)
    if abs(value) > INT_MAX:
        raise ValueError("out of range")
    return value


def _problem(field: Field):
    data = field.data
    raw = field.raw_data[0] if field.raw_data else None
    if isinstance(raw, str):
        problem = text_problem(raw, one_line=not isinstance(field, TextAreaField))
        if problem is not None:
            return problem
    values = data if isinstance(data, (list, tuple)) else [data]
    for value in values:
        if isinstance(value, str):
            problem = text_problem(value, one_line=not isinstance(field, TextAreaField))
            if problem is not None:
                return problem
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and abs(value) > INT_MAX:
            return RANGE_MESSAGE
        elif isinstance(value, Decimal) and (not value.is_finite() or abs(value) > NUMBER_MAX):
            return NUMBER_MESSAGE if not value.is_finite() else RANGE_MESSAGE
        elif isinstance(value, float) and (not math.isfinite(value) or abs(value) > NUMBER_MAX):
            return NUMBER_MESSAGE if not math.isfinite(value) else RANGE_MESSAGE
        elif isinstance(value, (date, datetime)):
            day = value.date() if isinstance(value, datetime) else value
            if not MIN_DATE <= day <= MAX_DATE:
                return DATE_MESSAGE
    return None


def _guard(form, field: Field) -> None:
    problem = _problem(field)
    if problem is not None:
        raise StopValidation(str(problem))


def _fields(form):
    for field in form:
        if isinstance(field, FormField):
            yield from _fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from _fields(entry.form)
                else:
                    yield entry
        else:
            yield field


class SafeForm(FlaskForm):
    """FlaskForm whose fields first refuse hostile values (see the module);
    after ``validate()``, ``hostile`` names the fields refused that way."""

    hostile: list[str] = []

    def validate(self, extra_validators=None):
        flagged = []
        for field in _fields(self):
            if _guard not in field.validators:
                field.validators = [_guard, *field.validators]
            if _problem(field) is not None:
                field.process_errors = []  # e.g. "Not a valid integer": our message replaces it
                flagged.append(field)
        self.hostile = [field.name for field in flagged]  # lookups must not run with these values
        valid = super().validate(extra_validators)
        for field in flagged:
            if not isinstance(field.data, str):
                field.data = None  # a view re-rendering the form must not query with 2^31 or NaN
        return valid


# --- URLs and query strings -------------------------------------------------


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that does not match ids no table can hold: 404, not a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedMultiDict(ImmutableMultiDict):
    """``.get(name, type=int)`` gives the default for an int out of range."""

    def get(self, key, default=None, type=None):  # type: ignore[override]  # same call, bounded ints
        if type is int:
            type = bounded_int
        return super().get(key, default, type)


class BoundedRequest(Request):
    parameter_storage_class = BoundedMultiDict


def _data_error(error):
    """The last net: a value the database refuses (a NUL byte, a number out of
    range) that no form caught is the user's input, not a server error."""
    from appraisal.platform.db import db

    db.session.rollback()
    current_app.logger.warning("input refused by the database at %s: %s", request.path, str(error.orig)[:200])
    return render_template("errors.html", status=400, error=error, message=DATABASE_MESSAGE), 400


def install(app: Flask) -> None:
    """Before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = BoundedRequest
    app.register_error_handler(DataError, _data_error)
