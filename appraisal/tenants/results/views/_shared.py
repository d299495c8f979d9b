"""What the results route modules share: labels for the templates, the cycle a
page shows, a population's quota names, and how a publication or appeal
action reports its outcome."""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appraisal.platform.db import db
from appraisal.tenants.cycles.models import Population
from appraisal.tenants.cycles.services import CycleError
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.results.services import evidence_links
from appraisal.tenants.results.services import publication as pub

KIND_LABELS = {
    "indicator": _l("指标"),
    "missing": _l("缺数据"),
    "deduction": _l("扣减"),
    "ratio": _l("完成比"),
    "ballot": _l("民主测评"),
    "items": _l("责任书"),
    "part": _l("合成"),
    "adjustment": _l("加减分"),
    "claim": _l("加减分"),
    "cap": _l("封顶"),
    "composite": _l("综合得分"),
    "veto": _l("一票否决"),
    "rank": _l("排名"),
    "quota": _l("限额"),
    "grade": _l("等次"),
    "award": _l("奖励"),
    "pay": _l("发放"),
    "flag": _l("警示"),
    "tie": _l("并列"),
}
REASON_LABELS = {
    "": "",
    "unverified": _l("未核实，不计"),
    "shared": _l("多单位共享，按比例计"),
    "duplicate: counted once at its highest level": _l("同一项目重复申报，只计最高一次"),
}

#: what the publication and appeal services refuse with a reason for the user
REFUSALS = (pub.PublicationError, CycleError, evidence.EvidenceError)


def register(bp) -> None:
    """The labels every results template uses."""

    @bp.app_context_processor
    def _result_labels():
        return {
            "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
            "reason_label": lambda reason: REASON_LABELS.get(reason or "", reason),
            "evidence_url": evidence.file_url,
            "explained": evidence_links.without_evidence_ref,
        }


def quota_names(population: Population) -> dict[str, str]:

    version = population.scheme_version
    return {q["key"]: q.get("name_zh") or q["key"] for q in version.content.get("quotas", [])}


def attempt(do, success) -> None:
    """Run a service action: a refusal is rolled back and shown, success is
    announced with ``success(result)``."""
    try:
        result = do()
    except REFUSALS as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(success(result), "success")


def form_days(name: str, default: int) -> int:
    """A number of days from the form: the default when left empty, refused when not a whole number."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise pub.PublicationError(_("天数须为整数：%(value)s", value=raw)) from None
