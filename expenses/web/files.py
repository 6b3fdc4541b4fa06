"""Receipt files, served only to people who may see the claim they belong to."""

from flask import Blueprint, abort, send_file
from flask_login import current_user

from expenses.extensions import db
from expenses.models import Receipt
from expenses.receipts import open_receipt
from expenses.web.access import role_required

bp = Blueprint("files", __name__, url_prefix="/receipts")


@bp.route("/<receipt_id>")
# Roles that never see receipts are told so (403); a mentor asking for another's receipt finds nothing (404).
@role_required("mentor", "finance", "auditor")
def receipt(receipt_id: str):
    found = db.session.get(Receipt, receipt_id)
    # Mentors see their own receipts; finance and auditors see every claim's. Others: not found.
    if found is None or not (found.owner_id == current_user.id or current_user.role in ("finance", "auditor")):
        abort(404)
    return send_file(
        open_receipt(found),
        mimetype=found.content_type,
        download_name=found.filename,
        as_attachment=False,
        max_age=0,
    )
