"""Score entry: saving with optimistic locking (the columns are in
:mod:`.columns`, the Excel template and upload in :mod:`.upload`).

Values are checked against the indicator's method and points; a value that
lowers the score (or records a deduction) needs a reason; a save against a
version the user did not see is refused with both values
(:class:`ScoreConflict`); every change keeps a revision and an audit row.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.inputs import finite_decimal
from appraisal.platform.permissions import actor_id, can
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle
from appraisal.tenants.scoring.models import Score, ScoreRevision
from appraisal.tenants.scoring.services import common

# The columns, read through this module too by the views and tests of score entry.
from appraisal.tenants.scoring.services.columns import (  # noqa: F401
    MAX_VALUE,
    STEP,
    Column,
    Task,
    cell_of_score,
    column_of,
    columns_for,
    fmt,
    item_columns,
    item_paths,
    progress,
    scheme_columns,
    scores_all_items,
    scores_by_cell,
    scores_items,
    tasks_for,
)

# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One submitted cell. ``seen_version`` is the version the user saw (0: no score yet)."""

    appraisee: Appraisee
    column: Column
    value: str
    seen_version: int = 0
    comment: str | None = None  # None: leave the comment as it is
    reason: str = ""
    where: object = None  # the caller's handle for messages (a cell id, an Excel position)
    verified_by: str | None = None  # the department that verified a pushed figure (statistics API)

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.appraisee.id, self.column.indicator_key, self.column.item_key)


@dataclass
class Conflict:
    entry: Entry
    yours: str
    current: Score | None


def cell_name(entry: Entry) -> str:
    return f"{entry.appraisee.name}·{entry.column.label}"


class ScoreInvalid(common.ScoringError):
    """``problems``: (entry, why) for a cell, (None, why) for the whole submission."""

    def __init__(self, problems: list[tuple[Entry | None, str]]):
        super().__init__(
            "；".join(
                why if entry is None else _("%(cell)s：%(why)s", cell=cell_name(entry), why=why)
                for entry, why in problems
            )
        )
        self.problems = problems


class ScoreConflict(common.ScoringError):
    def __init__(self, conflicts: list[Conflict]):
        super().__init__(_("分数已被他人修改"))
        self.conflicts = conflicts


def parse_value(column: Column, text: str) -> Decimal:
    """The value of a cell, or a ScoringError saying why not."""
    # a decimal comma typed with a Chinese input method; then full-width digits, points and
    # ideographic spaces (pasted from Excel or WPS) as their ASCII forms
    text = unicodedata.normalize("NFKC", (text or "").replace("，", ".")).strip().rstrip("%").strip()
    try:
        value = finite_decimal(text)  # no NaN, Infinity, sNaN or 1e25
    except ValueError:
        raise common.ScoringError(_("须为数字")) from None
    if column.integer and value != value.to_integral_value():
        raise common.ScoringError(_("次数须为整数"))
    if value != value.quantize(STEP):
        raise common.ScoringError(_("最多三位小数"))
    if value < column.low or value > (column.high if column.high is not None else MAX_VALUE):
        raise common.ScoringError(
            _("须在 %(range)s 之间", range=column.hint)
            if column.high is not None
            else _("须 %(range)s", range=column.hint)
        )
    if column.kind == "target" and value <= 0:
        raise common.ScoringError(_("目标值须大于 0"))
    return value


def check_entries(entries: list[Entry], user, *, existing: dict | None = None):
    """Validate every entry without writing: (changes, problems, conflicts).

    ``changes`` are (entry, value, score or None) for the cells that change;
    ``problems`` (entry, why) for a cell (:func:`cell_name` says which), (None,
    why) for the whole submission."""
    existing = existing if existing is not None else scores_by_cell({e.appraisee.id for e in entries})
    common.preload_people({e.appraisee.id: e.appraisee for e in entries}.values())
    problems: list[tuple[Entry | None, str]] = []
    conflicts: list[Conflict] = []
    changes = []
    phases_checked: set[tuple[int, str]] = set()
    seen: set[tuple] = set()
    for entry in entries:
        phase_key = (entry.appraisee.cycle_id, entry.column.phase_action)
        if phase_key not in phases_checked:
            phases_checked.add(phase_key)
            try:
                cycles.require_phase(db.session.get(Cycle, phase_key[0]), phase_key[1], also_in_appeals=True)
            except cycles.PhaseError as exc:
                problems.append((None, str(exc)))
        if entry.key in seen:
            problems.append((entry, _("重复填写")))
            continue
        seen.add(entry.key)
        if not can(user, "scores.enter", entry.column.cell(entry.appraisee)):
            problems.append((entry, _("您无权录入此项")))
            continue
        score = existing.get(entry.key)
        text = (entry.value or "").strip()
        if not text:
            if score is not None:
                problems.append((entry, _("已录入的分数不能清空")))
            continue
        try:
            value = parse_value(entry.column, text)
        except common.ScoringError as exc:
            problems.append((entry, str(exc)))
            continue
        current_version = score.version if score is not None else 0
        comment_changes = entry.comment is not None and score is not None and entry.comment.strip() != score.comment
        if score is not None and value == score.value and not comment_changes:
            continue  # unchanged
        if entry.seen_version != current_version:
            conflicts.append(Conflict(entry, text, score))
            continue
        old = score.value if score is not None else None
        if value != old and entry.column.lowers(old, value) and not entry.reason.strip():
            problems.append(
                (entry, _("扣分须填写原因") if entry.column.kind == "deduction" else _("降低分数须填写原因"))
            )
            continue
        changes.append((entry, value, score))
    return changes, problems, conflicts


def save_entries(entries: list[Entry], user) -> list[Score]:
    """Save every entry or none: raises ScoreInvalid or ScoreConflict."""
    changes, problems, conflicts = check_entries(entries, user)
    if problems:  # say by each cell, too, which were changed by someone else meanwhile
        for c in conflicts:
            now = fmt(c.current.value) if c.current is not None else "—"
            problems.append((c.entry, _("已被他人修改为 %(now)s，您填写的 %(yours)s 未保存", now=now, yours=c.yours)))
        raise ScoreInvalid(problems)
    if conflicts:
        raise ScoreConflict(conflicts)
    saved = []
    try:
        for entry, value, score in changes:
            saved.append(write_change(entry, value, score))
        db.session.flush()
    except (StaleDataError, IntegrityError):
        # someone saved between our check and our write: show what they saved
        db.session.rollback()
        current = scores_by_cell({e.appraisee.id for e in entries})
        raise ScoreConflict(
            [
                Conflict(e, e.value, current.get(e.key))
                for e, _value, _score in changes
                if (current.get(e.key).version if current.get(e.key) else 0) != e.seen_version
            ]
            or [Conflict(e, e.value, current.get(e.key)) for e, _value, _score in changes]
        ) from None
    return saved


def write_change(entry: Entry, value: Decimal, score: Score | None) -> Score:
    label = f"{entry.appraisee.name}·{entry.column.label}"
    comment = (entry.comment if entry.comment is not None else (score.comment if score else "")) or ""
    if entry.comment is None and entry.reason.strip() and score is None:
        comment = entry.reason.strip()
    actor = actor_id()
    if score is None:
        score = Score(
            cycle_id=entry.appraisee.cycle_id,
            appraisee_id=entry.appraisee.id,
            indicator_key=entry.column.indicator_key,
            item_key=entry.column.item_key,
            value=value,
            comment=comment.strip(),
            entered_by_id=actor,
            entered_at=utcnow(),
            verified_by=(entry.verified_by or "").strip()[:200],
        )
        db.session.add(score)
        db.session.flush()
        before = None
    else:
        before = {"value": str(score.value), "comment": score.comment}
        score.value, score.comment = value, comment.strip()
        score.entered_by_id, score.entered_at = actor, utcnow()
        if entry.verified_by is not None:
            score.verified_by = entry.verified_by.strip()[:200]
        db.session.flush()
    db.session.add(
        ScoreRevision(
            score_id=score.id,
            value_before=None if before is None else Decimal(before["value"]),
            value_after=value,
            reason=entry.reason.strip(),
            actor_user_id=actor,
        )
    )
    audit.record(
        "score.enter" if before is None else "score.update",
        score,
        before=before,
        after={
            "value": str(value),
            "comment": score.comment,
            "reason": entry.reason.strip(),
            **({"verified_by": score.verified_by} if entry.verified_by is not None else {}),
        },
        label=label,
    )
    return score
