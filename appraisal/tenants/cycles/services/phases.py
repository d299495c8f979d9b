"""Cycles and their phases: creating a year, its dates, moving its phase.

Each phase allows only its own actions: features ask :func:`require_phase`
before they write. A final cycle is read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appraisal.platform import audit
from appraisal.platform.db import db, utcnow
from appraisal.platform.permissions import actor_id
from appraisal.platform.refusals import Refusal
from appraisal.tenants.cycles.models import Cycle, CyclePhaseDate, Phase, PhaseChange

#: Which phases allow which action. Everything else is refused with a clear reason.
PHASE_ACTIONS: dict[str, frozenset[Phase]] = {
    "populations.edit": frozenset({Phase.TARGET_SETTING}),
    "letters.edit": frozenset({Phase.TARGET_SETTING}),
    "letters.review": frozenset({Phase.TARGET_SETTING, Phase.TRACKING}),
    "penalties.record": frozenset({Phase.TARGET_SETTING, Phase.TRACKING, Phase.SCORING}),
    "claims.create": frozenset({Phase.TRACKING, Phase.SCORING}),
    "claims.verify": frozenset({Phase.TRACKING, Phase.SCORING}),
    "vetoes.record": frozenset({Phase.TRACKING, Phase.SCORING, Phase.COMPUTING}),
    "notices.publish": frozenset({Phase.TRACKING, Phase.SCORING}),
    "scores.enter": frozenset({Phase.SCORING}),
    "self_report.edit": frozenset({Phase.SCORING}),
    "ballots.manage": frozenset({Phase.TRACKING, Phase.SCORING}),
    "ballots.vote": frozenset({Phase.SCORING}),
    "results.compute": frozenset({Phase.COMPUTING, Phase.APPEALS}),
    "results.publish": frozenset({Phase.COMPUTING}),
    "appeals.file": frozenset({Phase.PUBLICITY, Phase.APPEALS}),
    "appeals.answer": frozenset({Phase.PUBLICITY, Phase.APPEALS}),
    # upheld appeals correct inputs through the normal screens
    "inputs.correct": frozenset({Phase.APPEALS}),
}

#: Phase names (Chinese message ids, English by the catalogue: evaluated when shown).
PHASE_LABELS = {
    Phase.TARGET_SETTING: _l("目标制定"),
    Phase.TRACKING: _l("过程跟踪"),
    Phase.SCORING: _l("年终评分"),
    Phase.COMPUTING: _l("计算"),
    Phase.PUBLICITY: _l("公示"),
    Phase.APPEALS: _l("复核"),
    Phase.FINAL: _l("归档"),
}
#: The former name, still imported by other features; the labels follow the reader's language.
PHASE_LABELS_ZH = PHASE_LABELS


def join_labels(labels) -> str:
    """``a、b、c`` in Chinese, ``a, b, c`` in English."""
    return _("、").join(str(label) for label in labels)


class CycleError(Refusal):
    """A user-facing reason why a cycle operation was refused."""


class PhaseError(CycleError):
    pass


def phase_allows(cycle: Cycle, action: str) -> bool:
    return cycle.phase in PHASE_ACTIONS[action]


def require_not_archived(cycle: Cycle) -> None:
    """Refuse any change to an archived cycle."""
    if cycle.phase == Phase.FINAL:
        raise PhaseError(_("%(cycle)s 已归档，只能查看", cycle=cycle.name))


def require_phase(cycle: Cycle, action: str, *, also_in_appeals: bool = False) -> None:
    """Refuse ``action`` unless the cycle's phase allows it.

    ``also_in_appeals``: an input correction after an upheld appeal.
    """
    require_not_archived(cycle)
    if phase_allows(cycle, action) or (also_in_appeals and cycle.phase == Phase.APPEALS):
        return
    allowed = join_labels(PHASE_LABELS[p] for p in Phase if p in PHASE_ACTIONS[action])
    raise PhaseError(
        _("当前阶段为“%(phase)s”，此操作只能在“%(allowed)s”阶段进行", phase=PHASE_LABELS[cycle.phase], allowed=allowed)
    )


# ---------------------------------------------------------------------------
# Cycles and phases
# ---------------------------------------------------------------------------


def create_cycle(*, year: int, name: str, letters_due: date | None = None, previous: Cycle | None = None) -> Cycle:
    if not 2000 <= year <= 2100:
        raise CycleError(_("考核年度须在 2000–2100 之间"))
    if db.session.scalar(select(Cycle).where(Cycle.year == year, Cycle.name == name.strip())):
        raise CycleError(_("%(year)s 年已有名为“%(name)s”的考核", year=year, name=name))
    cycle = Cycle(
        year=year,
        name=name.strip(),
        letters_due=letters_due or date(year, 3, 15),
        previous_cycle_id=previous.id if previous else None,
    )
    db.session.add(cycle)
    db.session.flush()
    for phase in Phase:
        db.session.add(CyclePhaseDate(cycle_id=cycle.id, phase=phase))
    audit.record("cycle.create", cycle, after=audit.snapshot(cycle), label=cycle.name)
    return cycle


def set_phase_dates(cycle: Cycle, dates: dict[Phase, tuple[date | None, date | None]]) -> None:
    rows = {
        row.phase: row for row in db.session.scalars(select(CyclePhaseDate).where(CyclePhaseDate.cycle_id == cycle.id))
    }
    changes = {}
    for phase, (starts, ends) in dates.items():
        if starts and ends and ends < starts:
            raise CycleError(_("“%(phase)s”的结束日期早于开始日期", phase=PHASE_LABELS[phase]))
        row = rows[phase]
        if (row.starts_on, row.ends_on) != (starts, ends):
            changes[phase.value] = [str(starts or ""), str(ends or "")]
            row.starts_on, row.ends_on = starts, ends
    if changes:
        audit.record("cycle.dates", cycle, after=changes, label=cycle.name)


#: What a phase change means to the features above cycles, which cycles cannot
#: import: each hook ``(cycle, from_phase, to_phase, reason)`` may refuse the change
#: by raising :class:`PhaseError`, or act on it (results refuses 公示 after a failed
#: computation and withdraws the publication when the year goes back before it).
#: Features register with :func:`on_phase_change` when their services are imported.
PhaseHook = Callable[[Cycle, Phase, Phase, str], None]
PHASE_HOOKS: list[PhaseHook] = []


def on_phase_change(hook: PhaseHook) -> PhaseHook:
    """Register ``hook`` to run inside every :func:`move_phase` (once, in import order)."""
    if hook not in PHASE_HOOKS:
        PHASE_HOOKS.append(hook)
    return hook


def move_phase(cycle: Cycle, to: Phase, *, reason: str = "") -> PhaseChange:
    """Forward one phase at a time; back to any earlier phase with a reason, before final."""
    current = cycle.phase
    if current == Phase.FINAL:
        raise PhaseError(_("已归档的考核年度不能再变更阶段"))
    if to.index == current.index + 1:
        pass
    elif to.index < current.index:
        if not reason.strip():
            raise PhaseError(_("退回到之前的阶段必须填写原因"))
    else:
        raise PhaseError(_("只能前进到下一阶段“%(phase)s”", phase=PHASE_LABELS[Phase.ordered()[current.index + 1]]))
    for hook in PHASE_HOOKS:  # higher features' checks and consequences (results: publication)
        hook(cycle, current, to, reason)
    change = PhaseChange(
        cycle_id=cycle.id, from_phase=current, to_phase=to, reason=reason.strip(), actor_user_id=actor_id()
    )
    db.session.add(change)
    cycle.phase = to
    if to == Phase.FINAL:
        cycle.finalised_at = utcnow()
    audit.record(
        "cycle.phase",
        cycle,
        before={"phase": current.value},
        after={"phase": to.value, "reason": reason.strip()},
        label=cycle.name,
    )
    return change


def phase_form(cycle: Cycle):
    """The "move to phase" form for ``cycle``: the next phase, or back to any earlier one."""
    from wtforms.fields.choices import SelectChoice

    from appraisal.tenants.cycles.forms import PhaseForm

    form = PhaseForm()
    following = [p for p in Phase if p.index == cycle.phase.index + 1]
    form.to.choices = [SelectChoice(p.value, str(PHASE_LABELS[p])) for p in following] + [
        SelectChoice(p.value, str(_("退回：%(phase)s", phase=PHASE_LABELS[p])))
        for p in reversed(Phase.ordered())
        if p.index < cycle.phase.index
    ]
    return form
