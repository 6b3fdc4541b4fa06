"""Approval PDFs: download of the stored bytes, and the verify page for finance and auditors."""

import io

from flask import Blueprint, abort, render_template, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired

from expenses import documents, workflow
from expenses.web.access import role_required
from expenses.web.forms import CheckedForm

bp = Blueprint("documents", __name__)


@bp.app_context_processor
def _summary_helpers() -> dict:
    # The claim pages of mentors, finance and auditors include the summary panel (documents/_summary_panel.html).
    return {"summary_kept": documents.stored}


#: The largest PDF the verify page reads: our summaries are far smaller.
MAX_VERIFY_BYTES = 20 * 1024 * 1024


class VerifyForm(CheckedForm):
    file = FileField(
        _l("PDF to check"),
        validators=[FileRequired(message=_l("Choose the PDF file to check."))],
        description=_l("A claim summary downloaded from this service, or a copy of one."),
    )


@bp.route("/claims/<int:claim_id>/summary.pdf")
@role_required("mentor", "finance", "auditor")
def summary(claim_id: int):
    """The archived PDF exactly as stored at approval: its own mentor, finance and auditors."""
    claim = workflow.get_claim(claim_id, current_user)
    if claim.document is None:
        abort(404)
    try:
        data = documents.read(claim.document)
    except documents.DocumentGone:
        abort(410)
    response = send_file(
        # The stored bytes themselves (a summary is small): a download never re-renders anything.
        io.BytesIO(data),
        mimetype="application/pdf",
        download_name=f"{claim.reference}.pdf",
        as_attachment=True,
        etag=claim.document.sha256,
        max_age=0,
    )
    response.headers["X-Content-SHA256"] = claim.document.sha256
    return response


@bp.route("/verify", methods=["GET", "POST"])
@role_required("finance", "auditor")
def verify():
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read(MAX_VERIFY_BYTES + 1)
        if len(data) > MAX_VERIFY_BYTES:
            form.file.errors.append(_("The file is larger than any claim summary; it cannot be one of ours."))
        else:
            result = documents.verify(data)
    return render_template("documents/verify.html", form=form, result=result)
