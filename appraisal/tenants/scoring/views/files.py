"""Evidence files of scores, claims, vetoes and self-reports: uploading to a
score, and downloading (one route per kind of owner)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from appraisal.platform.permissions import requires
from appraisal.platform.refusals import refuse
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.scoring.forms import EvidenceForm
from appraisal.tenants.scoring.models import Score
from appraisal.tenants.scoring.views import bp


@bp.route("/scores/<int:score_id>/evidence", methods=["POST"])
@requires("scores.enter", load=Score)
def score_evidence(score):
    return upload_files("score", score.id, url_for("scoring.score", score_id=score.id))


def upload_files(owner_type: str, owner_id: int, back: str):
    """Attach the form's files to an object the user may change; a refused file
    keeps nothing and says why."""
    form = EvidenceForm()
    files = request.files.getlist(form.files.name)
    if not any(f.filename for f in files):
        flash(_("请选择要上传的文件。"), "error")
        return redirect(back)
    try:
        added = evidence.attach_files(owner_type, owner_id, files)
    except evidence.EvidenceError as exc:
        return refuse(exc, "scoring/message.html", title=_("上传失败"), back=back)
    flash(_("已上传 %(n)s 个文件。", n=len(added)), "success")
    return redirect(back)


# Files are served one route per kind of owner, each declaring the owner's view
# permission (the evidence feature makes the view; a file is judged as its owner).
for _kind, _rule in (
    ("score", "/scores/files/<int:score_file_id>"),
    ("claim", "/claims/files/<int:claim_file_id>"),
    ("veto", "/vetoes/files/<int:veto_file_id>"),
    ("self_report", "/self-reports/files/<int:report_file_id>"),
):
    _view = evidence.download_view(_kind)
    bp.add_url_rule(_rule, endpoint=_view.__name__, view_func=_view)
