"""What the API answers: claims, their history, sessions and receipts as JSON-ready dicts.

Claims are read with Core queries, built once, on the session's connection: a read answer needs
no identity map or unit of work, and an ORM load of a claim with its people and history cost
several times the query itself (README, "Performance"). Writes go through the ORM in
expenses.workflow and answer with the same read, after their commit.
"""

from collections.abc import Iterable
from datetime import datetime

from flask import url_for
from sqlalchemy import Row, bindparam, select

from expenses.accounts import Caller
from expenses.decisions import localised
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, ClaimDocument, Receipt, User, claim_reference
from expenses.workflow import readable, visible
from rules import Session
from rules.programme import HELSINKI

_claims, _events, _documents = Claim.__table__, AuditEvent.__table__, ClaimDocument.__table__
_mentor, _checker, _approver, _actor = (User.__table__.alias(n) for n in ("mentor", "checker", "approver", "actor"))

_MENTOR = (_mentor.c.name.label("mentor_name"), _mentor.c.role.label("mentor_role"))
_SUMMARY = (
    *(_claims.c[name] for name in ("id", "session_id", "status", "version", "total", "eligible", "has_warnings")),
    *(_claims.c[name] for name in ("created_at", "submitted_at", "updated_at", "mentor_id")),
    *_MENTOR,
)
_WITH_MENTOR = _claims.join(_mentor, _mentor.c.id == _claims.c.mentor_id)

_WHOLE = (
    select(
        _claims,
        *_MENTOR,
        _checker.c.name.label("checker_name"),
        _checker.c.role.label("checker_role"),
        _approver.c.name.label("approver_name"),
        _approver.c.role.label("approver_role"),
        _documents.c.id.label("document_id"),
        _documents.c.sha256.label("document_sha256"),
        _documents.c.size.label("document_size"),
        _documents.c.signed.label("document_signed"),
        _documents.c.created_at.label("document_created_at"),
    )
    .select_from(
        _WITH_MENTOR.outerjoin(_checker, _checker.c.id == _claims.c.checked_by_id)
        .outerjoin(_approver, _approver.c.id == _claims.c.approved_by_id)
        .outerjoin(_documents, _documents.c.claim_id == _claims.c.id)
    )
    .where(_claims.c.id == bindparam("claim_id"))
)
_HISTORY = (
    select(
        *(_events.c[name] for name in ("action", "at", "from_status", "to_status", "reason", "details", "actor_id")),
        _actor.c.name.label("actor_name"),
        _actor.c.role.label("actor_role"),
    )
    .join(_actor, _actor.c.id == _events.c.actor_id)
    .where(_events.c.claim_id == bindparam("claim_id"))
    .order_by(_events.c.id)
)


def moment(value: datetime | None) -> str | None:
    """A stored UTC time as Helsinki local time with its offset."""
    return value.astimezone(HELSINKI).isoformat() if value else None


def person(user_id: int | None, name: str | None, role: str | None) -> dict | None:
    if user_id is None:
        return None
    return {"id": user_id, "name": name, "role": role}


def event(e: Row) -> dict:
    return {
        "action": e.action,
        "who": person(e.actor_id, e.actor_name, e.actor_role),
        "when": moment(e.at),
        "from": e.from_status,
        "to": e.to_status,
        "reason": e.reason,
        "details": e.details or {},
    }


def claim_summaries(reader: Caller, statuses: Iterable[str], session_id: str | None) -> list[dict]:
    """The claims `reader` may see, by id (a mentor's own, all for finance, approved and paid ones for
    auditors), in these statuses (all if none), of one session."""
    query = select(*_SUMMARY).select_from(_WITH_MENTOR).where(readable(reader)).order_by(_claims.c.id)
    if statuses:
        query = query.where(_claims.c.status.in_(statuses))
    if session_id:
        query = query.where(_claims.c.session_id == session_id)
    return [claim_summary(row) for row in db.session.connection().execute(query)]


def claim_summary(claim: Row) -> dict:
    """One row of the claim list."""
    return {
        "id": claim.id,
        "reference": claim_reference(claim.id, claim.session_id),
        "status": claim.status,
        "version": claim.version,
        "session": claim.session_id,
        "mentor": person(claim.mentor_id, claim.mentor_name, claim.mentor_role),
        "total": str(claim.total),
        "eligible": claim.eligible,
        "has_warnings": claim.has_warnings,
        "created_at": moment(claim.created_at),
        "submitted_at": moment(claim.submitted_at),
        "updated_at": moment(claim.updated_at),
    }


def claim_document(claim_id: int, reader: Caller, lang: str) -> tuple[dict, int]:
    """A whole claim, and its version, if `reader` may see it (else NotFound): its body, its decision told in
    `lang`, where it is in the workflow, and how it got there."""
    connection = db.session.connection()
    claim = visible(connection.execute(_WHOLE, {"claim_id": claim_id}).first(), reader)
    history = connection.execute(_HISTORY, {"claim_id": claim_id})
    document = {
        **claim_summary(claim),
        "language": claim.language,
        "claim": claim.body,
        "decision": localised(claim, lang),
        "status_reason": claim.status_reason,
        "checked_by": person(claim.checked_by_id, claim.checker_name, claim.checker_role),
        "checked_at": moment(claim.checked_at),
        "approved_by": person(claim.approved_by_id, claim.approver_name, claim.approver_role),
        "approved_at": moment(claim.approved_at),
        "paid_at": moment(claim.paid_at),
        "payment_reference": claim.payment_reference,
        "history": [event(e) for e in history],
        "document": _approval_pdf(claim),
    }
    return document, claim.version


def _approval_pdf(claim: Row) -> dict | None:
    """The approval PDF's identity: where to fetch it and the hash to check it by."""
    if claim.document_id is None:
        return None
    return {
        "id": claim.document_id,
        "sha256": claim.document_sha256,
        "size": claim.document_size,
        "signed": claim.document_signed,
        "created_at": moment(claim.document_created_at),
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
