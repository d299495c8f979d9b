"""Evidence files of scores, claims, vetoes and self-reports: uploading to a
score, and downloading (one route per kind of owner, each declaring the
owner's view permission)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appraisal.platform.permissions import authorize, requires
from appraisal.platform.refusals import INVALID
from appraisal.platform.tenancy import get_or_404
from appraisal.tenants.scoring import evidence
from appraisal.tenants.scoring.forms import EvidenceForm
from appraisal.tenants.scoring.models import Evidence, Score
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
        return render_template("scoring/message.html", title=_("上传失败"), message=str(exc), back=back), INVALID
    flash(_("已上传 %(n)s 个文件。", n=len(added)), "success")
    return redirect(back)


def _send(item: Evidence):
    return evidence.download(item)


def _file_of(owner_type: str, evidence_id: int) -> Evidence:
    item = get_or_404(Evidence, evidence_id)
    if item.owner_type != owner_type:
        abort(404)
    return item


# Files are served one route per kind of owner, each declaring the owner's view
# permission; the file is judged as its owner (Evidence delegates to it).


@bp.route("/scores/files/<int:score_file_id>")
@requires("scores.view", per_object=True)
def score_file(score_file_id):
    item = _file_of("score", score_file_id)
    authorize("scores.view", item)
    return _send(item)


@bp.route("/claims/files/<int:claim_file_id>")
@requires("claims.view", per_object=True)
def claim_file(claim_file_id):
    item = _file_of("claim", claim_file_id)
    authorize("claims.view", item)
    return _send(item)


@bp.route("/vetoes/files/<int:veto_file_id>")
@requires("vetoes.view", per_object=True)
def veto_file(veto_file_id):
    item = _file_of("veto", veto_file_id)
    authorize("vetoes.view", item)
    return _send(item)


@bp.route("/self-reports/files/<int:report_file_id>")
@requires("self_report.view", per_object=True)
def report_file(report_file_id):
    item = _file_of("self_report", report_file_id)
    authorize("self_report.view", item)
    return _send(item)
