"""Responsibility letters: the unit drafts, the sector group reviews, the office watches.

Route modules: :mod:`.board` (the year's letters) and :mod:`.letter` (one
appraisee's letter: its items, submission, decision, reopening).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.platform.audit_views import register_value_labels
from appraisal.platform.web import NavItem, tenant_blueprint
from appraisal.tenants.letters.models import LetterStatus

bp = tenant_blueprint("letters", __name__, url_prefix="/letters", template_folder="../templates")

NAV = (NavItem("letters.index", _l("目标责任书"), "letters.view", icon="letter", order=25),)

STATUS_LABELS = {
    "missing": _l("未起草"),
    LetterStatus.DRAFT.value: _l("起草中"),
    LetterStatus.SUBMITTED.value: _l("待审核"),
    LetterStatus.RETURNED.value: _l("已退回"),
    LetterStatus.APPROVED.value: _l("已审定"),
}

register_value_labels("Letter", "status", STATUS_LABELS)
STATUS_BADGES = {"missing": "", "draft": "", "submitted": "warn", "returned": "danger", "approved": "ok"}


@bp.app_context_processor
def _labels():
    return {
        "letter_status_label": lambda s: STATUS_LABELS.get(s, s),
        "letter_status_badge": lambda s: STATUS_BADGES.get(s, ""),
    }


from appraisal.tenants.letters.views import board, letter  # noqa: E402,F401  (registers the routes)
