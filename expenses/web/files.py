"""Receipt files, served only to people who may see the claim they belong to."""

from flask import Blueprint, Response, abort, send_file
from flask_login import current_user

from expenses import previews, workflow
from expenses.extensions import db
from expenses.models import Receipt
from expenses.receipts import open_receipt
from expenses.web.access import role_required

bp = Blueprint("files", __name__, url_prefix="/receipts")

#: An original opened anyway (a browser may still display an attachment) runs nothing and loads nothing.
ORIGINAL_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _visible(receipt_id: str) -> Receipt:
    found = db.session.get(Receipt, receipt_id)
    # Mentors see their own receipts, finance every claim's, auditors approved and paid claims'. Others: not found.
    if found is None or not workflow.can_see_receipt(current_user, found):
        abort(404)
    return found


@bp.route("/<receipt_id>")
# Roles that never see receipts are told so (403); a mentor asking for another's receipt finds nothing (404).
@role_required("mentor", "finance", "auditor")
def receipt(receipt_id: str):
    found = _visible(receipt_id)
    response = send_file(
        open_receipt(found),
        mimetype=found.content_type,
        download_name=found.filename,
        # Saved, never shown by the browser as a page of this site: whatever a file holds cannot run
        # here. Pages show the picture made on the server instead (preview below).
        as_attachment=True,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = ORIGINAL_CSP
    return response


@bp.route("/<receipt_id>/preview.png")
@role_required("mentor", "finance", "auditor")
def preview(receipt_id: str):
    """The receipt as a picture drawn on the server (a PDF's first page), apart from the original's route."""
    found = _visible(receipt_id)
    with open_receipt(found) as stream:
        try:
            png = previews.preview_png(found.content_type, stream.read())
        except previews.NoPreview:
            abort(404)
    return Response(png, mimetype="image/png")
