"""Every route of /api/v1 in one place: authenticate, check the role, read the input, call the workflow, answer.

The rules of who may do what to which claim live in expenses.workflow; WorkflowError subclasses
become JSON answers in expenses.errors (403 role, 404 someone else's claim, 409 state, 422 input).
"""

import io

from flask import Response, abort, jsonify, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, undefer

from expenses import documents, receipts, workflow
from expenses.api import bp, inputs, openapi
from expenses.api.auth import FINANCE_ONLY, MENTORS_ONLY, VERIFIERS_ONLY, api_user, public, roles
from expenses.api.documents import claim_document, claim_summary, receipt_document, session_document
from expenses.extensions import db
from expenses.models import AuditEvent, Claim
from expenses.workflow import Invalid, WrongState
from rules import load_calendar

READERS = ("mentor", "finance", "auditor")


def language() -> str:
    """The request's language (?lang=, else Accept-Language, else Finnish) for findings and explanations."""
    return str(get_locale() or "fi")


def claim_response(claim: Claim, status: int = 200) -> Response:
    response = jsonify(claim_document(claim, language()))
    response.status_code = status
    # The version doubles as the ETag so clients can send it back in If-Match.
    response.set_etag(str(claim.version))
    if status == 201:
        response.headers["Location"] = url_for(".claim", claim_id=claim.id)
    return response


@bp.get("/openapi.json")
@public
def openapi_json() -> Response:
    return jsonify(openapi.document())


@bp.get("/sessions")
def sessions() -> Response:
    lang = language()
    return jsonify([session_document(s, lang) for s in load_calendar().sessions.values()])


@bp.post("/claims/preview")
@roles("mentor", message=MENTORS_ONLY)
def preview() -> Response:
    body = inputs.json_body("claim", required=True)
    decision = workflow.preview(body, api_user(), language(), inputs.claim_id_arg())
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
    body = inputs.json_body("claim", required=True)
    return claim_response(workflow.create(body, api_user(), language()), 201)


@bp.get("/claims")
@roles(*READERS)
def list_claims() -> Response:
    user = api_user()
    query = select(Claim).options(selectinload(Claim.mentor)).order_by(Claim.id)
    if user.role == "mentor":
        query = query.where(Claim.mentor_id == user.id)
    if wanted := inputs.statuses():
        query = query.where(Claim.status.in_(wanted))
    if session := request.args.get("session"):
        query = query.where(Claim.session_id == session)
    return jsonify([claim_summary(c) for c in db.session.scalars(query)])


#: What a whole claim's answer shows, loaded in one query: the claim, its people and its history (a handful of
#: events; one joined query costs less than a second round trip).
WHOLE_CLAIM = (
    joinedload(Claim.mentor),
    joinedload(Claim.checked_by),
    joinedload(Claim.approved_by),
    joinedload(Claim.document),
    undefer(Claim.decision_texts),
    joinedload(Claim.events).joinedload(AuditEvent.actor),
)


@bp.get("/claims/<int:claim_id>")
@roles(*READERS)
def claim(claim_id: int) -> Response:
    return claim_response(workflow.get_claim(claim_id, api_user(), *WHOLE_CLAIM))


@bp.put("/claims/<int:claim_id>")
@roles("mentor", message=MENTORS_ONLY)
def update_claim(claim_id: int) -> Response:
    body = inputs.json_body("claim", required=True)
    return claim_response(workflow.update(claim_id, body, api_user(), language(), version=inputs.version()))


@bp.post("/claims/<int:claim_id>/submit")
@roles("mentor", message=MENTORS_ONLY)
def submit(claim_id: int) -> Response:
    body = inputs.action_body()
    return claim_response(workflow.submit(claim_id, api_user(), language(), version=inputs.version(body)))


def _finance_action(action: str, claim_id: int) -> Response:
    """Check, approve, return, reject or pay: the one rhythm of every finance action."""
    body = inputs.action_body()
    needs = workflow.TRANSITIONS[action].needs  # "reason", "reference" or nothing
    texts = [inputs.text(body, needs)] if needs else []
    return claim_response(workflow.ACTIONS[action](claim_id, api_user(), *texts, version=inputs.version(body)))


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
    claim = workflow.get_claim(claim_id, api_user())
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
