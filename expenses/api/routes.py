"""Every route of /api/v1 in one place: authenticate, check the role, read the input, call the workflow, answer.

The rules of who may do what to which claim live in expenses.workflow; WorkflowError subclasses
become JSON answers in expenses.errors (403 role, 404 someone else's claim, 409 state, 422 input).
"""

import io

from flask import Response, abort, jsonify, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from expenses import documents, receipts, workflow
from expenses.api import bp, inputs, openapi
from expenses.api.auth import FINANCE_ONLY, MENTORS_ONLY, VERIFIERS_ONLY, api_user, caller, public, roles
from expenses.api.documents import claim_document, claim_summaries, receipt_document, session_document
from expenses.extensions import db
from expenses.models import Claim
from expenses.rounds import current_calendar
from expenses.workflow import Invalid, WrongState

READERS = ("mentor", "finance", "auditor")


def language() -> str:
    """The request's language (?lang=, else Accept-Language, else Finnish) for findings and explanations."""
    return str(get_locale() or "fi")


def claim_response(claim_id: int, status: int = 200) -> Response:
    """The whole claim as it is now (after a change: as committed)."""
    document, version = claim_document(claim_id, caller(), language())
    response = jsonify(document)
    response.status_code = status
    # The version doubles as the ETag so clients can send it back in If-Match.
    response.set_etag(str(version))
    if status == 201:
        response.headers["Location"] = url_for(".claim", claim_id=claim_id)
    return response


@bp.get("/openapi.json")
@public
def openapi_json() -> Response:
    return jsonify(openapi.document())


@bp.get("/sessions")
def sessions() -> Response:
    lang = language()
    return jsonify([session_document(s, lang) for s in current_calendar().sessions.values()])


@bp.post("/claims/preview")
@roles("mentor", message=MENTORS_ONLY)
def preview() -> Response:
    body = inputs.claim_body()
    decision = workflow.preview(body, caller(), language(), inputs.claim_id_arg())
    return jsonify(decision.to_dict())


@bp.post("/receipts")
@roles("mentor", message=MENTORS_ONLY)
def upload_receipt() -> tuple[Response, int]:
    upload = request.files.get("file")
    if upload is None:
        message = _("Attach the receipt file as the multipart form field 'file'.")
        raise Invalid(message, errors=[{"field": "file", "message": message}])
    try:
        receipt = receipts.store(upload.stream, upload.filename, api_user())
    except receipts.ReceiptError as e:
        db.session.rollback()
        if isinstance(e.__cause__, OSError):  # our disk, not the user's file
            return jsonify({"error": str(e), "code": "unavailable"}), 503
        raise Invalid(str(e), errors=[{"field": "file", "message": str(e)}]) from None
    db.session.commit()
    return jsonify(receipt_document(receipt)), 201


@bp.post("/claims")
@roles("mentor", message=MENTORS_ONLY)
def create_claim() -> Response:
    body = inputs.claim_body()
    return claim_response(workflow.create(body, api_user(), language()).id, 201)


@bp.get("/claims")
@roles(*READERS)
def list_claims() -> Response:
    return jsonify(claim_summaries(caller(), inputs.statuses(), inputs.session_arg()))


@bp.get("/claims/<int:claim_id>")
@roles(*READERS)
def claim(claim_id: int) -> Response:
    return claim_response(claim_id)


@bp.put("/claims/<int:claim_id>")
@roles("mentor", message=MENTORS_ONLY)
def update_claim(claim_id: int) -> Response:
    body = inputs.claim_body()
    workflow.update(claim_id, body, api_user(), language(), version=inputs.version())
    return claim_response(claim_id)


@bp.post("/claims/<int:claim_id>/submit")
@roles("mentor", message=MENTORS_ONLY)
def submit(claim_id: int) -> Response:
    body = inputs.action_body()  # {"version"} only
    workflow.submit(claim_id, api_user(), language(), version=inputs.version(body))
    return claim_response(claim_id)


def _finance_action(action: str, claim_id: int) -> Response:
    """Check, approve, return, reject or pay: the one rhythm of every finance action."""
    needs = workflow.TRANSITIONS[action].needs  # "reason", "reference" or nothing
    body = inputs.action_body(*([needs] if needs else []))
    texts = [inputs.text(body, needs)] if needs else []
    workflow.ACTIONS[action](claim_id, api_user(), *texts, version=inputs.version(body))
    return claim_response(claim_id)


@bp.post("/claims/<int:claim_id>/check")
@roles("finance", message=FINANCE_ONLY)
def check(claim_id: int) -> Response:
    return _finance_action("check", claim_id)


@bp.post("/claims/<int:claim_id>/approve")
@roles("finance", message=FINANCE_ONLY)
def approve(claim_id: int) -> Response:
    return _finance_action("approve", claim_id)


@bp.post("/claims/<int:claim_id>/return")
@roles("finance", message=FINANCE_ONLY)
def return_claim(claim_id: int) -> Response:
    return _finance_action("return", claim_id)


@bp.post("/claims/<int:claim_id>/reject")
@roles("finance", message=FINANCE_ONLY)
def reject(claim_id: int) -> Response:
    return _finance_action("reject", claim_id)


@bp.post("/claims/<int:claim_id>/pay")
@roles("finance", message=FINANCE_ONLY)
def pay(claim_id: int) -> Response:
    return _finance_action("pay", claim_id)


@bp.get("/claims/<int:claim_id>/summary.pdf")
@roles(*READERS)
def summary_pdf(claim_id: int) -> Response:
    claim = workflow.get_claim(claim_id, caller(), joinedload(Claim.document))
    if claim.document is None:
        raise WrongState(_("A claim has a PDF summary only once it is approved."), status=claim.status)
    try:
        data = documents.read(claim.document)
    except documents.DocumentGone:
        abort(410)
    return send_file(
        # The stored bytes themselves (a summary is small): a download never re-renders anything.
        io.BytesIO(data),
        mimetype="application/pdf",
        download_name=f"{claim.reference}.pdf",
        etag=claim.document.sha256,
        max_age=0,
    )


@bp.post("/verify")
@roles("finance", "auditor", message=VERIFIERS_ONLY)
def verify() -> Response:
    upload = request.files.get("file")
    if upload is None:
        message = _("Attach the PDF as the multipart form field 'file'.")
        raise Invalid(message, errors=[{"field": "file", "message": message}])
    return jsonify(documents.verify(upload.read()))
