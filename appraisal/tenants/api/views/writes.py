"""Writing through the API: the roster (``write:roster``), an assessor's scores
(``write:scores``) and the statistics bureau's district figures
(``write:statistics``). Each goes through the same service, with the same checks,
as the page or the Excel upload that does it; all or nothing; one audit entry per
change, naming the token."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appraisal.platform.db import db
from appraisal.platform.permissions import requires
from appraisal.platform.problems import problem
from appraisal.platform.token_scopes import requires_scope
from appraisal.tenants.api import schemas
from appraisal.tenants.api.views._shared import api, idempotent, responses, spec
from appraisal.tenants.cycles.models import Appraisee, Population
from appraisal.tenants.org import services as org
from appraisal.tenants.org.models import OrgUnit
from appraisal.tenants.scoring import services as scoring
from appraisal.tenants.scoring.models import Score

WRITE_ERRORS = {"HTTP_409": schemas.Problem, "HTTP_422": schemas.Problem}

# ---------------------------------------------------------------------------
# Roster
# ---------------------------------------------------------------------------

_UNIT_KEYS = ("code", "name", "kind", "parent_code", "sort_order")
_PERSON_KEYS = ("staff_no", "name", "unit_code", "category", "position", "leader_role", "sort_order")
_REQUIRED = {"code", "name", "kind", "staff_no", "unit_code", "category"}


def _table(kind: str, keys: tuple[str, ...], rows: list[Any]) -> org.Table:
    """The rows as the roster checker reads a sheet: a column for every required
    field and for every optional one that some row gives (a row that leaves it out
    then gets its default, as an empty cell would)."""
    present = [k for k in keys if k in _REQUIRED or any(getattr(r, k) is not None for r in rows)]
    columns = {key: (i, key) for i, key in enumerate(present)}
    cells = [
        (number, ["" if getattr(r, k) is None else str(getattr(r, k)) for k in present])
        for number, r in enumerate(rows, 1)
    ]
    return org.Table(kind=kind, sheet=kind, columns=columns, rows=cells, header_row=0)


def _pointer(issue) -> str:
    if issue.row is None or issue.row == 0:
        return f"/{issue.sheet}"
    return f"/{issue.sheet}/{issue.row - 1}/{issue.column}"


@api.put("/roster")
@requires("roster.import")
@requires_scope("write:roster")
@idempotent
@spec.validate(json=schemas.RosterIn, resp=responses(schemas.RosterOut, **WRITE_ERRORS), tags=["org"])
def roster():
    """Create or update units and people by code, with the Excel roster import's checks:
    every problem is listed (a JSON pointer per field) and nothing is written unless all pass.
    Send an Idempotency-Key header to make a retry safe."""
    body: schemas.RosterIn = request.context.json  # type: ignore[attr-defined]  # set by spectree
    tables = []
    if body.units:
        tables.append(_table(org.UNITS, _UNIT_KEYS, body.units))
    if body.people:
        tables.append(_table(org.PEOPLE, _PERSON_KEYS, body.people))
    try:
        plan = org.plan_import(tables, current_user)
        result = org.apply_plan(plan, filename="API")
    except org.RosterInvalid as exc:
        errors = [{"pointer": _pointer(i), "detail": i.message} for i in exc.issues]
        return problem(422, _("名册有 %(n)s 处问题，未写入任何数据。", n=len(errors)), errors=errors)
    except org.OrgError as exc:
        return problem(422, str(exc))
    return schemas.RosterOut(
        units=schemas.Counts(**vars(result.units)),
        people=schemas.Counts(**vars(result.people)),
    )


# ---------------------------------------------------------------------------
# Scores and statistics: scoring's save_entries, all or nothing
# ---------------------------------------------------------------------------


def _save(entries: list, where: list[str]):
    """Save through scoring (its checks: permission per cell, phase, range, a reason
    to lower, optimistic versions); a refusal is a 422 (or 409 for a conflict)."""
    try:
        saved = scoring.save_entries(entries, current_user)
    except scoring.ScoringError as exc:
        conflicts = getattr(exc, "conflicts", None)
        if conflicts is not None:
            errors = [
                {
                    "pointer": where[entries.index(c.entry)],
                    "detail": _(
                        "已被他人修改为 %(now)s（版本 %(version)s）",
                        now=scoring.fmt(c.current.value) if c.current is not None else "—",
                        version=c.current.version if c.current is not None else 0,
                    ),
                }
                for c in conflicts
            ]
            return problem(409, str(exc), kind="score-conflict", errors=errors)
        problems = getattr(exc, "problems", None) or [(None, str(exc))]
        errors = [
            {"pointer": where[entries.index(entry)] if entry is not None else "", "detail": why}
            for entry, why in problems
        ]
        return problem(422, _("有 %(n)s 处问题，未保存任何分数。", n=len(errors)), errors=errors)
    return schemas.ScoresOut(
        saved=len(saved),
        items=[
            schemas.ScoreOut(
                appraisee_id=s.appraisee_id,
                indicator_key=s.indicator_key,
                item_key=s.item_key,
                value=f"{Decimal(s.value).normalize():f}",
                version=s.version,
            )
            for s in saved
        ],
    )


def _appraisees(population: Population) -> dict[int, Appraisee]:
    return {a.id: a for a in population.appraisees}


@api.put("/populations/<int:population_id>/scores")
@requires("scores.enter", load=Population)
@requires_scope("write:scores")
@idempotent
@spec.validate(json=schemas.ScoresIn, resp=responses(schemas.ScoresOut, **WRITE_ERRORS), tags=["scores"])
def scores(population: Population):
    """Submit scores of the indicators the token's assessor department scores, with
    score entry's checks (range, phase, a reason to lower a score). ``version``: the
    version you read (omit it to write over the current value; every value is kept)."""
    body: schemas.ScoresIn = request.context.json  # type: ignore[attr-defined]
    appraisees = _appraisees(population)
    columns = {(c.indicator_key, c.item_key): c for c in scoring.scheme_columns(population)}
    items = scoring.item_columns(population)
    existing = _versions(population)
    entries, where, errors = [], [], []
    for i, s in enumerate(body.scores):
        appraisee = appraisees.get(s.appraisee_id)
        if appraisee is None:
            errors.append({"pointer": f"/scores/{i}/appraisee_id", "detail": _("不是此考核对象组的考核对象")})
            continue
        column = columns.get((s.indicator_key, s.item_key)) or next(
            (c for c in items.get(appraisee.id, []) if c.indicator_key == s.indicator_key and c.item_key == s.item_key),
            None,
        )
        if column is None:
            errors.append({"pointer": f"/scores/{i}/indicator_key", "detail": _("此考核方案没有这个指标")})
            continue
        entries.append(
            scoring.Entry(
                appraisee=appraisee,
                column=column,
                value=str(s.value),
                seen_version=s.version if s.version is not None else existing.get((appraisee.id, *_key(column)), 0),
                comment=s.comment,
                reason=s.reason,
            )
        )
        where.append(f"/scores/{i}")
    if errors:
        return problem(422, _("有 %(n)s 处问题，未保存任何分数。", n=len(errors)), errors=errors)
    return _save(entries, where)


def _key(column) -> tuple[str, str]:
    return (column.indicator_key, column.item_key)


def _versions(population: Population) -> dict[tuple[int, str, str], int]:
    rows = db.session.execute(
        select(Score.appraisee_id, Score.indicator_key, Score.item_key, Score.version)
        .join(Appraisee, Appraisee.id == Score.appraisee_id)
        .where(Appraisee.population_id == population.id)
    ).all()
    return {(a, ind, item): v for a, ind, item, v in rows}


@api.put("/populations/<int:population_id>/statistics")
@requires("scores.enter", load=Population)
@requires_scope("write:statistics")
@idempotent
@spec.validate(json=schemas.StatisticsIn, resp=responses(schemas.ScoresOut, **WRITE_ERRORS), tags=["scores"])
def statistics(population: Population):
    """Write districts' actuals and targets of ratio indicators (actual against target),
    as verified by the statistics bureau: ``verified_by`` is recorded on each value and
    in the audit log. The next computation uses them."""
    body: schemas.StatisticsIn = request.context.json  # type: ignore[attr-defined]
    by_code = {a.unit_code: a for a in _with_codes(population)}
    ratio = {
        (c.indicator_key, c.item_key): c for c in scoring.scheme_columns(population) if c.kind in ("actual", "target")
    }
    existing = _versions(population)
    entries, where, errors = [], [], []
    for i, s in enumerate(body.values):
        appraisee = by_code.get(s.unit_code)
        if appraisee is None:
            errors.append(
                {
                    "pointer": f"/values/{i}/unit_code",
                    "detail": _("此考核对象组中没有编码为 %(code)s 的单位", code=s.unit_code),
                }
            )
            continue
        if s.actual is None and s.target is None:
            errors.append({"pointer": f"/values/{i}", "detail": _("请至少填写 actual 或 target")})
            continue
        for part, value in (("actual", s.actual), ("target", s.target)):
            if value is None:
                continue
            column = ratio.get((s.indicator_key, part))
            if column is None:
                errors.append(
                    {"pointer": f"/values/{i}/indicator_key", "detail": _("不是此考核方案中按实际值与目标值计分的指标")}
                )
                break
            entries.append(
                scoring.Entry(
                    appraisee=appraisee.appraisee,
                    column=column,
                    value=str(value),
                    seen_version=existing.get((appraisee.appraisee.id, *_key(column)), 0),
                    reason=s.reason,
                    verified_by=body.verified_by,
                )
            )
            where.append(f"/values/{i}/{part}")
    if errors:
        return problem(422, _("有 %(n)s 处问题，未保存任何数据。", n=len(errors)), errors=errors)
    return _save(entries, where)


class _Coded:
    def __init__(self, appraisee: Appraisee, unit_code: str) -> None:
        self.appraisee, self.unit_code = appraisee, unit_code


def _with_codes(population: Population) -> list[_Coded]:
    ids = [a.org_unit_id for a in population.appraisees if a.org_unit_id is not None]
    by_id = dict(db.session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(ids))).all()) if ids else {}
    return [_Coded(a, by_id[a.org_unit_id]) for a in population.appraisees if a.org_unit_id in by_id]
