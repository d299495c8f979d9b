"""Publicity (公示), appeals (复核) and the final archive (归档).

Publishing opens the publicity period (days from the scheme: 5 for seed 001,
3 for seed 000) and the appeal window (10 days from notification, seed 001);
the office answers each appeal within its deadline (10 days). An upheld
appeal is corrected through the normal screens and the cycle recomputed; a
rejected one shows its reason to the appellant. After the window, with every
appeal answered, the office finalises: the cycle becomes read-only.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from appraisal.platform import audit, notifications
from appraisal.platform.db import db, utcnow
from appraisal.platform.permissions import actor_id
from appraisal.platform.refusals import Refusal
from appraisal.tenants.cycles import services as cycles
from appraisal.tenants.cycles.models import Appraisee, Cycle, Phase, Population
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.results.models import Appeal, AppealStatus, Publication, ResultRun, RunStatus
from appraisal.tenants.results.services.ties import pending_populations
from appraisal.tenants.schemes.models import SchemeVersion

# an appeal's files are served by the results blueprint to those who may see the appeal
evidence.register_owner("appeal", Appeal, "appeals.view", "results.appeal_file", "appeal_file_id")

DEFAULT_PUBLICITY_DAYS = 5  # seed 001: 公示 5–7 天
DEFAULT_APPEAL_DAYS = 10  # seed 001: 接到通知之日起 10 日内申请复核
DEFAULT_ANSWER_DAYS = 10  # seed 001: 考核办 10 日内答复


class PublicationError(Refusal):
    """A user-facing reason why publishing, appealing or finalising was refused."""


def publication_of(cycle: Cycle) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.cycle_id == cycle.id))


def procedure_days(cycle: Cycle) -> tuple[int, int, int]:
    """(publicity, appeal, answer) days: the smallest publicity and the scheme's
    appeal settings across the cycle's schemes, else the seed's defaults."""
    contents = db.session.scalars(
        select(SchemeVersion.content)
        .join(Population, Population.scheme_version_id == SchemeVersion.id)
        .where(Population.cycle_id == cycle.id)
    )
    publicity, appeal, answer = [], [], []
    for content in contents:
        procedure = (content or {}).get("procedure") or {}
        publicity.append(procedure.get("publicity_days"))
        appeal.append(procedure.get("appeal_days"))
        answer.append(procedure.get("appeal_answer_days"))

    def pick(values, default):
        values = [v for v in values if v]
        return int(min(values)) if values else default

    return (
        pick(publicity, DEFAULT_PUBLICITY_DAYS),
        pick(appeal, DEFAULT_APPEAL_DAYS),
        pick(answer, DEFAULT_ANSWER_DAYS),
    )


def failed_populations(cycle: Cycle) -> list[str]:
    """Names of the cycle's populations whose latest computation failed."""
    latest = (
        select(ResultRun.population_id, func.max(ResultRun.id).label("run_id"))
        .where(ResultRun.cycle_id == cycle.id)
        .group_by(ResultRun.population_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(Population.name)
            .join(latest, latest.c.population_id == Population.id)
            .join(ResultRun, ResultRun.id == latest.c.run_id)
            .where(ResultRun.status == RunStatus.FAILED)
            .order_by(Population.id)
        )
    )


def refuse_publicity_after_failures(cycle: Cycle) -> None:
    """公示 shows every population's results: not while one's latest computation failed
    (its current results would be older than the data)."""
    failed = failed_populations(cycle)
    if failed:
        raise PublicationError(
            _(
                "以下考核对象群体最近一次计算失败：%(names)s。请处理失败原因并重新计算成功后再公示。",
                names=cycles.join_labels(failed),
            )
        )


notifications.register_kind("results.published", _l("考核结果公示"))
notifications.register_kind("appeal.filed", _l("收到复核申请"))
notifications.register_kind("appeal.answered", _l("复核申请已答复"))
notifications.register_kind("appeal.due", _l("复核申请答复期限提醒"))


def _appeals_due(today):
    """Reminder source: each appeal still waiting for its answer, to the office."""
    from appraisal.platform.notifications.reminders import Due

    office = notifications.office_admins()
    for appeal in db.session.scalars(select(Appeal).where(Appeal.status == AppealStatus.FILED)):
        yield Due(
            key=f"appeal:{appeal.id}",
            users=list(office),
            kind="appeal.due",
            title=_("%(name)s 的复核申请待答复", name=appeal.appraisee.name),
            deadline=appeal.answer_due_on,
            link=notifications.tenant_link(f"/results/appeals/{appeal.id}"),
        )


def _register_reminders() -> None:
    from appraisal.platform.notifications.reminders import register_source

    register_source(_appeals_due)


_register_reminders()


def publish(
    cycle: Cycle,
    *,
    publicity_days: int,
    appeal_days: int,
    answer_days: int,
    notice: str = "",
    today: date | None = None,
) -> Publication:
    cycles.require_phase(cycle, "results.publish")
    if publication_of(cycle) is not None:
        raise PublicationError(_("本年度结果已经公示"))
    if not (1 <= publicity_days <= 60 and 1 <= appeal_days <= 60 and 1 <= answer_days <= 60):
        raise PublicationError(_("公示、复核申请和答复天数须在 1–60 天之间"))
    populations = list(db.session.scalars(select(Population).where(Population.cycle_id == cycle.id)))
    current = set(
        db.session.scalars(
            select(ResultRun.population_id).where(ResultRun.cycle_id == cycle.id, ResultRun.is_current.is_(True))
        )
    )
    missing = [p.name for p in populations if p.id not in current]
    if not populations or missing:
        raise PublicationError(
            _("以下考核对象群体尚未计算：%(names)s", names="、".join(missing))
            if missing
            else _("本年度没有考核对象群体")
        )
    refuse_publicity_after_failures(cycle)
    tied = pending_populations(cycle)
    if tied:
        raise PublicationError(
            _(
                "以下考核对象群体存在并列待定（比较项全部相同，名额无法按规则确定），须由考核办先在“并列待定”页面记录决定（入选者、理由、文号）并重新计算后才能公示：%(names)s",
                names="、".join(tied),
            )
        )
    today = today or date.today()
    publication = Publication(
        cycle_id=cycle.id,
        published_by_id=actor_id(),
        publicity_ends_on=today + timedelta(days=publicity_days),
        appeals_end_on=today + timedelta(days=appeal_days),
        answer_days=answer_days,
        notice=notice.strip(),
    )
    db.session.add(publication)
    cycles.move_phase(cycle, Phase.PUBLICITY)
    db.session.flush()
    audit.record(
        "results.publish",
        publication,
        after={
            "cycle": cycle.name,
            "publicity_ends_on": str(publication.publicity_ends_on),
            "appeals_end_on": str(publication.appeals_end_on),
        },
        label=cycle.name,
    )
    notifications.notify(
        notifications.current_tenant_of_scope(),
        notifications.all_users(),
        "results.published",
        _("%(cycle)s 考核结果已公示", cycle=cycle.name),
        _(
            "公示期至 %(d)s；对结果有异议的，可在 %(a)s 前申请复核。",
            d=publication.publicity_ends_on,
            a=publication.appeals_end_on,
        ),
        notifications.tenant_link("/results/"),
        dedupe_key=f"results.published:{cycle.id}:{publication.id}",
    )
    return publication


def withdraw(cycle: Cycle, *, reason: str) -> Publication | None:
    """The office rolled the cycle back before 公示: the publication is withdrawn.

    Results are visible to staff only while published, so after the rollback
    (and any recomputation) they are the office's again; the dates of the
    withdrawn publicity period are kept in the audit log, and publishing again
    opens a new period from that day. Appeals already filed are kept.
    """
    publication = publication_of(cycle)
    if publication is None:
        return None
    before = {
        "cycle": cycle.name,
        "published_at": publication.published_at.isoformat(),
        "publicity_ends_on": str(publication.publicity_ends_on),
        "appeals_end_on": str(publication.appeals_end_on),
        "answer_days": publication.answer_days,
        "notice": publication.notice,
        "published_by_id": publication.published_by_id,
    }
    audit.record("results.withdraw", publication, before=before, after={"reason": reason.strip()}, label=cycle.name)
    db.session.delete(publication)
    db.session.flush()
    return publication


def file_appeal(appraisee: Appraisee, *, reasons: str, files=(), today: date | None = None) -> Appeal:
    """File an appeal with its reasons and supporting files (werkzeug FileStorage);
    a refused file refuses the whole appeal (the caller rolls back)."""
    cycle = appraisee.cycle
    cycles.require_phase(cycle, "appeals.file")
    publication = publication_of(cycle)
    today = today or date.today()
    if publication is None:
        raise PublicationError(_("结果尚未公示，不能申请复核"))
    if today > publication.appeals_end_on:
        raise PublicationError(_("复核申请已于 %(d)s 截止", d=publication.appeals_end_on))
    if not reasons.strip():
        raise PublicationError(_("请写明申请复核的理由"))
    if db.session.scalar(
        select(Appeal).where(Appeal.appraisee_id == appraisee.id, Appeal.status == AppealStatus.FILED)
    ):
        raise PublicationError(_("已有一份待答复的复核申请"))
    appeal = Appeal(
        cycle_id=cycle.id,
        appraisee_id=appraisee.id,
        filed_by_id=actor_id(),
        reasons=reasons.strip(),
        answer_due_on=today + timedelta(days=publication.answer_days),
    )
    db.session.add(appeal)
    db.session.flush()
    attached = evidence.attach_files("appeal", appeal.id, files, label=appraisee.name)
    audit.record(
        "appeal.file",
        appeal,
        after={"appraisee": appraisee.name, "reasons": appeal.reasons, "files": [e.filename for e in attached]},
        label=appraisee.name,
    )
    notifications.notify(
        notifications.current_tenant_of_scope(),
        notifications.office_admins(),
        "appeal.filed",
        _("%(name)s 申请复核考核结果", name=appraisee.name),
        _("请在 %(d)s 前答复。", d=appeal.answer_due_on),
        notifications.tenant_link(f"/results/appeals/{appeal.id}"),
    )
    return appeal


def add_appeal_files(appeal: Appeal, files) -> list:
    """More files for an appeal still waiting for its answer."""
    cycle = appeal.cycle
    cycles.require_phase(cycle, "appeals.file")
    if appeal.status != AppealStatus.FILED:
        raise PublicationError(_("该申请已经答复，不能再补充材料"))
    attached = evidence.attach_files("appeal", appeal.id, files, label=appeal.appraisee.name)
    if not attached:
        raise PublicationError(_("请选择要上传的文件。"))
    return attached


def answer_appeal(appeal: Appeal, *, upheld: bool, answer: str) -> None:
    """Upheld: the office corrects the inputs through the normal screens and
    recomputes (the cycle moves to the appeals phase, which allows corrections).
    Rejected: the reason is shown to the appellant."""
    cycle = appeal.cycle
    cycles.require_phase(cycle, "appeals.answer")
    if appeal.status != AppealStatus.FILED:
        raise PublicationError(_("该申请已经答复"))
    if not answer.strip():
        raise PublicationError(_("请填写答复意见（不予采纳时写明理由）"))
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.answer = answer.strip()
    appeal.answered_at = utcnow()
    appeal.answered_by_id = actor_id()
    if upheld and cycle.phase == Phase.PUBLICITY:
        cycles.move_phase(cycle, Phase.APPEALS)
    audit.record(
        "appeal.uphold" if upheld else "appeal.reject",
        appeal,
        before={"status": AppealStatus.FILED.value},
        after={"status": appeal.status.value, "answer": appeal.answer},
        label=f"appeal {appeal.id}",
    )
    notifications.done(f"appeal:{appeal.id}:")  # its reminders leave the office's to-dos
    if appeal.filed_by_id is not None:  # to the appellant only
        notifications.notify(
            notifications.current_tenant_of_scope(),
            [appeal.filed_by_id],
            "appeal.answered",
            _("您的复核申请已答复：%(verdict)s", verdict=_("予以采纳") if upheld else _("不予采纳")),
            appeal.answer,
            notifications.tenant_link(f"/results/appeals/{appeal.id}"),
        )


def withdraw_appeal(appeal: Appeal, *, reason: str = "") -> None:
    """The appellant takes back an appeal still waiting for its answer (kept, marked withdrawn)."""
    cycle = appeal.cycle
    cycles.require_phase(cycle, "appeals.file")
    if appeal.status != AppealStatus.FILED:
        raise PublicationError(_("该申请已经答复，不能撤回"))
    appeal.status = AppealStatus.WITHDRAWN
    appeal.answer = reason.strip()
    appeal.answered_at = utcnow()
    audit.record(
        "appeal.withdraw",
        appeal,
        before={"status": AppealStatus.FILED.value},
        after={"status": appeal.status.value, "reason": appeal.answer},
        label=appeal.appraisee.name,
    )


def open_appeals(cycle: Cycle) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Appeal)
            .where(Appeal.cycle_id == cycle.id, Appeal.status == AppealStatus.FILED)
        )
        or 0
    )


def finalise(cycle: Cycle, *, today: date | None = None) -> None:
    publication = publication_of(cycle)
    today = today or date.today()
    if publication is None:
        raise PublicationError(_("结果尚未公示"))
    if today <= publication.appeals_end_on:
        raise PublicationError(_("复核申请期至 %(d)s，期满后才能归档", d=publication.appeals_end_on))
    if open_appeals(cycle):
        raise PublicationError(_("还有未答复的复核申请"))
    if cycle.phase == Phase.PUBLICITY:
        cycles.move_phase(cycle, Phase.APPEALS)
    cycles.move_phase(cycle, Phase.FINAL)


@cycles.on_phase_change
def publication_follows_the_phase(cycle: Cycle, current: Phase, to: Phase, reason: str) -> None:
    """A phase change as publication sees it: 公示 is refused while a population's
    latest computation failed; going back before 公示 withdraws the publication
    (audited in :func:`withdraw`)."""
    if to == Phase.PUBLICITY:
        try:
            refuse_publicity_after_failures(cycle)
        except PublicationError as exc:
            raise cycles.PhaseError(str(exc)) from None
    if to.index < Phase.PUBLICITY.index <= current.index:
        withdraw(cycle, reason=reason)
