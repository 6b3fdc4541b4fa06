"""Approval documents: made once at approval, optionally signed, stored by SHA-256, verified on demand.

The stored bytes are the record: downloads return them unchanged and nothing re-renders an
approved claim's summary.
"""

import hashlib
import io
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from expenses import pdf
from expenses.extensions import db
from expenses.models import Claim, ClaimDocument, Receipt, User
from expenses.rounds import current_calendar
from expenses.storage import document_store
from rules.per_diem import hours_text
from rules.programme import HELSINKI


class DocumentError(RuntimeError):
    """The summary could not be made, signed or stored."""


class DocumentGone(DocumentError):
    """The summary was removed at the end of its retention period (expenses/retention.py); its hash is kept."""


def _receipts(claim: Claim) -> list[dict]:
    """Each expense's receipt as the summary lists it: expense number, file name, type, SHA-256."""
    by_expense = {
        n: e["receipt"]
        for n, e in enumerate(claim.body.get("expenses", []), start=1)
        if isinstance(e, dict) and e.get("receipt")
    }
    rows = db.session.scalars(select(Receipt).where(Receipt.id.in_(set(by_expense.values())))) if by_expense else []
    found = {r.id: r for r in rows}
    return [
        {
            "expense": n,
            "filename": found[rid].filename,
            "content_type": found[rid].content_type,
            "sha256": found[rid].sha256,
        }
        for n, rid in by_expense.items()
        if rid in found
    ]


def summary_context(claim: Claim, approver: User, approved_at: datetime, document_id: str) -> dict:
    """Plain data for the PDF template: everything it shows, nothing it has to look up."""
    session = current_calendar().get(claim.session_id)
    trip = claim.body["trip"]
    departure = datetime.fromisoformat(trip["departure"])
    back = datetime.fromisoformat(trip["return"])
    departure = departure if departure.tzinfo else departure.replace(tzinfo=HELSINKI)
    back = back if back.tzinfo else back.replace(tzinfo=HELSINKI)
    claim_document = {**claim.body, "claimant": {"name": claim.mentor.name, "role": "mentor"}}
    embedded = pdf.embedded_json(claim_document, claim.decision)
    lang = claim.language
    return {
        "claim": claim,
        "reference": claim.reference,
        "document_id": document_id,
        "programme": session.programme_name.get(lang, session.programme_name["fi"]) if session else "",
        "session": session,
        "session_title": session.title_in(lang) if session else claim.session_id,
        "mentor": claim.mentor,
        "trip": trip,
        "departure": departure,
        "return_": back,
        "duration": hours_text(back - departure),
        "decision": claim.decision,
        "warnings": [f for f in claim.decision["findings"] if f["severity"] == "warning"],
        "receipts": _receipts(claim),
        "checked_by": claim.checked_by,
        "checked_at": claim.checked_at,
        "approver": approver,
        "approved_at": approved_at,
        "embedded": embedded,
        "fingerprint": hashlib.sha256(embedded.encode()).hexdigest(),
    }


def _sign(data: bytes) -> bytes:
    """PAdES baseline signature with the configured key and certificate."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(current_app.config["SIGNING_KEY"], current_app.config["SIGNING_CERT"])
    if signer is None:
        raise DocumentError("the signing key or certificate could not be read")
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name="Approval", subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def signing_configured() -> bool:
    return bool(current_app.config.get("SIGNING_KEY") and current_app.config.get("SIGNING_CERT"))


def issue_summary(claim: Claim, approver: User, approved_at: datetime) -> ClaimDocument:
    """Render, sign if configured, store; add the document row to the approval's transaction."""
    document_id = secrets.token_hex(16)
    claim_id = claim.id  # for the log: after a failed flush the claim cannot be read
    try:
        data = pdf.render(summary_context(claim, approver, approved_at, document_id), claim.language, approved_at)
        signed = signing_configured()
        if signed:
            data = _sign(data)
        sha256 = document_store().put(data)
    except SQLAlchemyError:
        # The summary's queries flush the approval; a database error there (such as another officer's
        # concurrent change to the claim, StaleDataError) is the workflow's to answer, not a broken PDF.
        raise
    except Exception as e:
        current_app.logger.exception("Making the summary of claim %s failed", claim_id)
        raise DocumentError(type(e).__name__) from e
    document = ClaimDocument(
        id=document_id, claim=claim, sha256=sha256, size=len(data), signed=signed, language=claim.language
    )
    db.session.add(document)
    return document


def read(document: ClaimDocument) -> bytes:
    """The stored bytes; `DocumentGone` once the retention command has removed them (the hash stays)."""
    try:
        return document_store().read(document.sha256)
    except FileNotFoundError:
        raise DocumentGone(document.sha256) from None


def stored(document: ClaimDocument) -> bool:
    return document_store().exists(document.sha256)


def verify(data: bytes) -> dict:
    """Is this exactly a document we issued, for which claim, and is its signature valid?"""
    sha256 = hashlib.sha256(data).hexdigest()
    document = db.session.scalar(select(ClaimDocument).where(ClaimDocument.sha256 == sha256))
    result = {"valid": document is not None, "sha256": sha256, "claim": None, "signed": False, "signature_valid": None}
    if document is not None:
        result["claim"] = {"id": document.claim_id, "reference": document.claim.reference}
    result["signed"], result["signature_valid"] = _signature_status(data)
    return result


def _signature_status(data: bytes) -> tuple[bool, bool | None]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:
        return False, None  # not a PDF we can read: certainly not one of ours
    if not signatures:
        return False, None
    trust = []
    if current_app.config.get("SIGNING_CERT"):
        from pyhanko.keys import load_cert_from_pemder

        trust.append(load_cert_from_pemder(current_app.config["SIGNING_CERT"]))
    context = ValidationContext(trust_roots=trust, allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[0], context)
    except Exception:
        return True, False
    return True, bool(status.bottom_line)
