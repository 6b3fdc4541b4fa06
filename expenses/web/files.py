"""Receipt files, served only to people who may see the claim they belong to."""

from flask import Blueprint, Response, abort, send_file
from flask_login import current_user

from expenses import previews, workflow
from expenses.extensions import db
from expenses.models import Receipt
from expenses.receipts import open_receipt
from expenses.web.access import role_required

bp = Blueprint("files", __name__, url_prefix="/receipts")


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
    return send_file(
        open_receipt(found),
        mimetype=found.content_type,
        download_name=found.filename,
        as_attachment=False,
        max_age=0,
    )


@bp.route("/<receipt_id>/preview.png")
@role_required("mentor", "finance", "auditor")
def preview(receipt_id: str):
    """The first page of a PDF receipt as a picture, apart from the original's own route and headers."""
    found = _visible(receipt_id)
    if found.content_type != "application/pdf":
        abort(404)
    with open_receipt(found) as stream:
        try:
            png = previews.first_page_png(stream.read())
        except previews.NoPreview:
            abort(404)
    return Response(png, mimetype="image/png")
