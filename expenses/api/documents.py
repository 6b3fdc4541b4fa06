"""What the API answers: claims, their history, sessions and receipts as JSON-ready dicts."""

from datetime import datetime

from flask import url_for

from expenses.decisions import localised
from expenses.models import AuditEvent, Claim, Receipt, User
from rules import Session
from rules.programme import HELSINKI


def moment(value: datetime | None) -> str | None:
    """A stored UTC time as Helsinki local time with its offset."""
    return value.astimezone(HELSINKI).isoformat() if value else None


def person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "role": user.role}


def event(e: AuditEvent) -> dict:
    return {
        "action": e.action,
        "who": person(e.actor),
        "when": moment(e.at),
        "from": e.from_status,
        "to": e.to_status,
        "reason": e.reason,
        "details": e.details or {},
    }


def claim_summary(claim: Claim) -> dict:
    """One row of the claim list."""
    return {
        "id": claim.id,
        "reference": claim.reference,
        "status": claim.status,
        "version": claim.version,
        "session": claim.session_id,
        "mentor": person(claim.mentor),
        "total": str(claim.total),
        "eligible": claim.eligible,
        "has_warnings": claim.has_warnings,
        "created_at": moment(claim.created_at),
        "submitted_at": moment(claim.submitted_at),
        "updated_at": moment(claim.updated_at),
    }


def claim_document(claim: Claim, lang: str) -> dict:
    """A whole claim: its body, its decision told in `lang`, where it is in the workflow, and how it got there."""
    return {
        **claim_summary(claim),
        "language": claim.language,
        "claim": claim.body,
        "decision": localised(claim, lang),
        "status_reason": claim.status_reason,
        "checked_by": person(claim.checked_by),
        "checked_at": moment(claim.checked_at),
        "approved_by": person(claim.approved_by),
        "approved_at": moment(claim.approved_at),
        "paid_at": moment(claim.paid_at),
        "payment_reference": claim.payment_reference,
        "history": [event(e) for e in claim.events],
        "document": document_of(claim),
    }


def document_of(claim: Claim) -> dict | None:
    """The approval PDF's identity: where to fetch it and the hash to check it by."""
    if claim.document is None:
        return None
    return {
        "id": claim.document.id,
        "sha256": claim.document.sha256,
        "size": claim.document.size,
        "signed": claim.document.signed,
        "created_at": moment(claim.document.created_at),
        "url": url_for("api.summary_pdf", claim_id=claim.id),
    }


def session_document(session: Session, lang: str) -> dict:
    return {
        "id": session.id,
        "programme": session.programme,
        "programme_name": session.programme_name.get(lang) or session.programme_name.get("fi"),
        "date": session.date.isoformat(),
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "place": session.place,
        "mode": session.mode,
        "title": session.title_in(lang),
        "reimbursable": session.reimbursed,
        "claim_deadline": session.claim_deadline.isoformat() if session.reimbursed else None,
    }


def receipt_document(receipt: Receipt) -> dict:
    return {"id": receipt.id, "sha256": receipt.sha256, "content_type": receipt.content_type, "size": receipt.size}
