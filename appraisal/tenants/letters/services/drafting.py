"""Responsibility letters: draft → submitted → returned (with reasons) → approved.

A unit drafts its business items; their points must add up to the business
share of its scheme (the indicator scored from the letter's items, e.g. 70);
its sector group returns it with a reason or approves it; the approved letter
is frozen (its content hash is kept) and printable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from appraisal.platform import audit, notifications
from appraisal.platform.db import db, utcnow
from appraisal.platform.inputs import finite_decimal
from appraisal.platform.models import Role
from appraisal.platform.permissions import actor_id
from appraisal.platform.refusals import Refusal
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.letters.models import Letter, LetterEvent, LetterItem, LetterStatus
from appraisal.tenants.schemes.models import SchemeVersion

EDITABLE = frozenset({LetterStatus.DRAFT, LetterStatus.RETURNED})

notifications.register_kind("letter.submitted", _l("责任书待审核"))
notifications.register_kind("letter.returned", _l("责任书被退回"))
notifications.register_kind("letter.approved", _l("责任书已审定"))
notifications.register_kind("letter.due", _l("责任书截止提醒"))


def _letters_due(today):
    """Reminder source: each unit's letter not yet approved, before the end of
    target setting — to the unit's admins while it is theirs to submit, to the
    sector group's leads while it waits for review. An approved letter is done."""
    from appraisal.platform.notifications.reminders import Due
    from appraisal.tenants.cycles.models import CyclePhaseDate, Phase

    rows = db.session.execute(
        select(Appraisee, Letter.status, CyclePhaseDate.ends_on)
        .join(Cycle, Cycle.id == Appraisee.cycle_id)
        .join(
            CyclePhaseDate,
            (CyclePhaseDate.cycle_id == Cycle.id) & (CyclePhaseDate.phase == Phase.TARGET_SETTING),
        )
        .outerjoin(Letter, Letter.appraisee_id == Appraisee.id)
        .where(
            Cycle.phase.in_([Phase.TARGET_SETTING, Phase.TRACKING]),
            CyclePhaseDate.ends_on.is_not(None),
            Appraisee.org_unit_id.is_not(None),
            Appraisee.person_id.is_(None),
        )
    )
    for appraisee, status, ends_on in rows:
        if status == LetterStatus.APPROVED:
            continue
        waiting_review = status == LetterStatus.SUBMITTED
        role = Role.SECTOR_LEAD if waiting_review else Role.UNIT_ADMIN
        title = (
            _("%(name)s 的目标责任书待审核", name=appraisee.name)
            if waiting_review
            else _("%(name)s 的目标责任书尚未提交", name=appraisee.name)
        )
        yield Due(
            key=f"letter:{appraisee.id}:{'review' if waiting_review else 'submit'}",
            users=list(notifications.users_over(appraisee.unit_path, role)),
            kind="letter.due",
            title=title,
            deadline=ends_on,
            link=notifications.tenant_link(f"/letters/{appraisee.id}"),
        )


def _register_reminders() -> None:
    from appraisal.platform.notifications.reminders import register_source

    register_source(_letters_due)


_register_reminders()


def _tell(appraisee: Appraisee, kind: str, title: str, body: str, *, reviewers: bool) -> None:
    """The sector group's leads (a letter to review) or the unit's admins (the decision)."""
    role = Role.SECTOR_LEAD if reviewers else Role.UNIT_ADMIN
    users = notifications.users_over(appraisee.unit_path, role)
    notifications.notify(
        notifications.current_tenant_of_scope(),
        users,
        kind,
        title,
        body,
        notifications.tenant_link(f"/letters/{appraisee.id}"),
        dedupe_key=None,
    )


class LetterError(Refusal):
    """A user-facing reason why a letter operation was refused."""


@dataclass(frozen=True)
class ItemsIndicator:
    """The scheme indicator a letter fills: its key path and points (the business share)."""

    key: str
    name: str
    points: Decimal


@dataclass(frozen=True)
class PublicItem:
    key: str
    name: str
    points: Decimal
    assessor: str


def _walk(indicators, prefix=""):
    for node in indicators:
        path = f"{prefix}{node.key}"
        yield path, node
        yield from _walk(node.children or [], prefix=f"{path}.")


def scheme_parts(version: SchemeVersion) -> tuple[ItemsIndicator | None, list[PublicItem]]:
    """The letter-filled indicator and the scheme-given (public) leaves of a scheme."""
    from appraisal.tenants.schemes.services import engine_scheme

    scheme = engine_scheme(version)
    items_indicator, public = None, []
    for path, node in _walk(scheme.indicators):
        kind = getattr(node.method, "kind", None)
        if kind == "items" and items_indicator is None:
            items_indicator = ItemsIndicator(path, node.name_zh, Decimal(str(node.points)))
        elif node.method is not None and not node.children:
            public.append(PublicItem(path, node.name_zh, Decimal(str(node.points)), node.assessor_zh or ""))
    return items_indicator, public


def population_needs_letters(population: Population) -> bool:
    version = population.scheme_version
    return scheme_parts(version)[0] is not None


def letter_for(appraisee: Appraisee, *, create: bool = True) -> Letter | None:
    letter = db.session.scalar(select(Letter).where(Letter.appraisee_id == appraisee.id))
    if letter is None and create:
        letter = Letter(cycle_id=appraisee.cycle_id, appraisee_id=appraisee.id)
        db.session.add(letter)
        db.session.flush()
    return letter


def context(letter: Letter) -> tuple[Appraisee, Population, Cycle, ItemsIndicator | None, list[PublicItem]]:
    appraisee = letter.appraisee
    population = appraisee.population
    cycle = letter.cycle
    share, public = scheme_parts(population.scheme_version)
    return appraisee, population, cycle, share, public


def points_text(value: Decimal) -> str:
    """55.00 → "55", 7.50 → "7.5"."""
    return format(Decimal(value).normalize(), "f")


def total_points(letter: Letter) -> Decimal:
    return sum((item.points for item in letter.items), Decimal("0"))


def _require_editable(letter: Letter, cycle: Cycle) -> None:
    cycles.require_phase(cycle, "letters.edit")
    if letter.status not in EDITABLE:
        raise LetterError(_("责任书已提交或已审定，不能修改"))


def parse_points(value) -> Decimal:
    try:
        points = finite_decimal(value)  # no NaN, sNaN, Infinity or 1e309
    except ValueError:
        raise LetterError(_("分值须为数字")) from None
    if points <= 0 or points > 1000 or points != points.quantize(Decimal("0.01")):
        raise LetterError(_("分值须为大于 0 的数，最多两位小数"))
    return points


def save_item(
    letter: Letter,
    *,
    title: str,
    points,
    measure: str = "",
    evidence_required: str = "",
    item: LetterItem | None = None,
) -> LetterItem:
    """Add an item (``item`` None) or change one, while the letter is editable."""
    appraisee, _population, cycle, share, _public = context(letter)
    _require_editable(letter, cycle)
    if share is None:
        raise LetterError(_("该考核方案没有由责任书确定的业务目标"))
    if not title.strip():
        raise LetterError(_("请填写目标名称"))
    points = parse_points(points)
    if item is None:
        seq = (db.session.scalar(select(func.max(LetterItem.seq)).where(LetterItem.letter_id == letter.id)) or 0) + 1
        item = LetterItem(
            appraisee_id=appraisee.id,
            indicator_key=share.key,
            seq=seq,
            title=title.strip(),
            points=points,
            measure=measure.strip(),
            evidence_required=evidence_required.strip(),
        )
        letter.items.append(item)
        db.session.flush()
        audit.record("letter.item.add", item, after=audit.snapshot(item), label=f"{appraisee.name}：{item.title}")
    else:
        before = audit.snapshot(item)
        item.title, item.points = title.strip(), points
        item.measure, item.evidence_required = measure.strip(), evidence_required.strip()
        old, new = audit.diff(before, audit.snapshot(item))
        if new:
            audit.record("letter.item.update", item, before=old, after=new, label=f"{appraisee.name}：{item.title}")
    _touch(letter)
    return item


def remove_item(letter: Letter, item: LetterItem) -> None:
    appraisee, _population, cycle, _share, _public = context(letter)
    _require_editable(letter, cycle)
    audit.record("letter.item.remove", item, before=audit.snapshot(item), label=f"{appraisee.name}：{item.title}")
    letter.items.remove(item)
    db.session.delete(item)
    _touch(letter)


def _touch(letter: Letter) -> None:
    """Bump the letter's version so a review of stale content is refused."""
    flag_modified(letter, "status")
    db.session.flush()


def _event(letter: Letter, action: str, reason: str = "") -> None:
    db.session.add(LetterEvent(letter_id=letter.id, action=action, reason=reason, actor_user_id=actor_id()))


def submit(letter: Letter) -> None:
    appraisee, _population, cycle, share, _public = context(letter)
    _require_editable(letter, cycle)
    if not letter.items:
        raise LetterError(_("请先填写业务目标"))
    total = total_points(letter)
    if share is not None and total != share.points:
        raise LetterError(
            _(
                "业务目标分值合计为 %(total)s 分，应为 %(share)s 分",
                total=points_text(total),
                share=points_text(share.points),
            )
        )
    before = letter.status.value
    letter.status = LetterStatus.SUBMITTED
    letter.submitted_at = utcnow()
    _event(letter, "submit")
    audit.record(
        "letter.submit", letter, before={"status": before}, after={"status": letter.status.value}, label=appraisee.name
    )
    notifications.done(f"letter:{appraisee.id}:submit")  # its "not yet submitted" reminders leave the to-dos
    _tell(
        appraisee,
        "letter.submitted",
        _("%(name)s 提交了目标责任书，请审核", name=appraisee.name),
        _("%(name)s 的目标责任书已提交，等待分口考核组审核。", name=appraisee.name),
        reviewers=True,
    )


def content_hash(letter: Letter) -> str:
    body = [
        {
            "seq": i.seq,
            "title": i.title,
            "points": str(i.points),
            "measure": i.measure,
            "evidence_required": i.evidence_required,
        }
        for i in letter.items
    ]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def decide(letter: Letter, *, approve: bool, reason: str = "", seen_version: int | None = None) -> None:
    """The sector group approves (freezes) or returns (with a reason) a submitted letter."""
    appraisee, _population, cycle, _share, _public = context(letter)
    cycles.require_phase(cycle, "letters.review")
    if letter.status != LetterStatus.SUBMITTED:
        raise LetterError(_("只能审核已提交的责任书"))
    if seen_version is not None and seen_version != letter.version:
        raise LetterError(_("责任书在您查看后已被修改，请刷新后重新审核"))
    if not approve and not reason.strip():
        raise LetterError(_("退回时必须填写原因"))
    letter.status = LetterStatus.APPROVED if approve else LetterStatus.RETURNED
    letter.decided_at = utcnow()
    letter.decided_by_id = actor_id()
    letter.return_reason = "" if approve else reason.strip()
    if approve:
        letter.approved_hash = content_hash(letter)
    _event(letter, "approve" if approve else "return", reason.strip())
    audit.record(
        "letter.approve" if approve else "letter.return",
        letter,
        before={"status": LetterStatus.SUBMITTED.value},
        after={"status": letter.status.value, "reason": reason.strip()},
        label=appraisee.name,
    )
    notifications.done(f"letter:{appraisee.id}:review")
    if approve:
        _tell(
            appraisee,
            "letter.approved",
            _("%(name)s 的目标责任书已审定", name=appraisee.name),
            _("目标责任书已审定，内容已冻结。"),
            reviewers=False,
        )
    else:
        _tell(
            appraisee,
            "letter.returned",
            _("%(name)s 的目标责任书被退回", name=appraisee.name),
            _("退回原因：%(reason)s", reason=reason.strip()),
            reviewers=False,
        )


def reopen(letter: Letter, *, reason: str) -> None:
    """The office reopens an approved letter (e.g. after an upheld appeal), with a reason."""
    appraisee, _population, cycle, _share, _public = context(letter)
    cycles.require_phase(cycle, "letters.review", also_in_appeals=True)
    if letter.status != LetterStatus.APPROVED:
        raise LetterError(_("只有已审定的责任书可以重新打开"))
    if not reason.strip():
        raise LetterError(_("重新打开时必须填写原因"))
    letter.status = LetterStatus.RETURNED
    letter.return_reason = reason.strip()
    letter.approved_hash = None
    _event(letter, "reopen", reason.strip())
    audit.record(
        "letter.reopen",
        letter,
        before={"status": "approved"},
        after={"status": letter.status.value, "reason": reason.strip()},
        label=appraisee.name,
    )
