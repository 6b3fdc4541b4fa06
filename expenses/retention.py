"""Retention: once a closed claim's period has passed, its personal data goes and its ledger figures stay.

A claim is closed when it is paid or rejected. It is kept EXPENSES_RETENTION_YEARS whole years after
the end of the year it was closed in (the reference's default: 10 years after the end of the payment
year), and removed on 1 January after that. Removing means:

- its receipts: rows and files (a file is kept while another receipt row still has the same bytes);
- its PDF summary: the file (it shows names, places and times); the document row and its SHA-256 stay,
  so the ledger and the audit trail still say which document was issued;
- the personal text of its body: start place, and each expense's description, route and reason;
  the finance officer's free-text reason; the body keeps session, dates, times, distances and
  amounts, which the decision's lines are computed from;
- the mentor's IBAN, when the mentor has no claim left that is not yet past its period;
- the SEPA payment file (pain.001: names and IBANs) of a batch whose claims are all past their period.

It keeps the reference, session, status, totals, the decision, payments and the audit trail (which
is append-only: a 'retention' event is added through `audit.record`, so the chain stays valid).
Receipts never attached to any claim are removed once they are as old as a closed claim would be.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import func, select

from expenses import audit, documents
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, PaymentBatch, Receipt, User, utcnow
from expenses.storage import document_store, receipt_store

CLOSED = ("paid", "rejected")
PERSONAL_TRIP_FIELDS = ("start_place",)
PERSONAL_EXPENSE_FIELDS = ("description", "route", "reason")


@dataclass
class Outcome:
    """What a run removed (or, in a dry run, would remove)."""

    closed_before: date
    claims: list[str] = field(default_factory=list)
    receipts: int = 0
    receipt_files: int = 0
    documents: int = 0
    ibans: int = 0
    payment_files: int = 0


def closed_before(today: date, years: int) -> date:
    """Claims closed before this day are past their period: kept `years` whole years after their closing year."""
    return date(today.year - years, 1, 1)


def _closed_at(claim: Claim) -> datetime:
    if claim.status == "paid" and claim.paid_at:
        return claim.paid_at
    return claim.updated_at


def _done(claim_ids: list[int]) -> set[int]:
    if not claim_ids:
        return set()
    rows = db.session.scalars(
        select(AuditEvent.claim_id).where(AuditEvent.claim_id.in_(claim_ids), AuditEvent.action == "retention")
    )
    return set(rows)


def due_claims(cutoff: date) -> list[Claim]:
    """Closed claims of years before the cutoff that still hold personal data."""
    moment = datetime.combine(cutoff, datetime.min.time(), UTC)
    candidates = db.session.scalars(
        select(Claim)
        .where(Claim.status.in_(CLOSED), func.coalesce(Claim.paid_at, Claim.updated_at) < moment)
        .order_by(Claim.id)
    ).all()
    done = _done([c.id for c in candidates])
    return [c for c in candidates if c.id not in done and _closed_at(c) < moment]


def _receipt_ids(body: dict) -> set[str]:
    return {e["receipt"] for e in body.get("expenses", []) if isinstance(e, dict) and isinstance(e.get("receipt"), str)}


def _blank(body: dict) -> dict:
    trip = dict(body.get("trip") or {})
    for key in PERSONAL_TRIP_FIELDS:
        if key in trip:
            trip[key] = ""
    expenses = []
    for expense in body.get("expenses", []):
        kept = {k: v for k, v in expense.items() if k not in PERSONAL_EXPENSE_FIELDS and k != "receipt"}
        if expense.get("receipt"):
            kept["receipt"] = "removed"  # there was a receipt; which file it was is gone with it
        expenses.append(kept)
    return {**body, "trip": trip, "expenses": expenses}


def _named(claims: list[Claim]) -> set[str]:
    named: set[str] = set()
    for claim in claims:
        named |= _receipt_ids(claim.body or {})
    return named


def _remove_receipts(ids: set[str], outcome: Outcome, dry_run: bool) -> list[str]:
    """Delete the rows now; return the files (SHA-256) to delete after the commit (a rolled-back run keeps them)."""
    rows = db.session.scalars(select(Receipt).where(Receipt.id.in_(ids))).all() if ids else []
    files = set()
    for receipt in rows:
        shared = db.session.scalar(
            select(func.count()).select_from(Receipt).where(Receipt.sha256 == receipt.sha256, Receipt.id.not_in(ids))
        )
        if not shared:
            files.add(receipt.sha256)
        if not dry_run:
            db.session.delete(receipt)
    outcome.receipts += len(rows)
    outcome.receipt_files += len(files)
    return sorted(files)


def _remove_ibans(mentor_ids: set[int], due_ids: set[int], dry_run: bool) -> int:
    """A mentor's bank account goes with their last claim: only when no claim of theirs still keeps personal data."""
    removed = 0
    for mentor_id in sorted(mentor_ids):
        rest = list(db.session.scalars(select(Claim.id).where(Claim.mentor_id == mentor_id, Claim.id.not_in(due_ids))))
        if len(rest) > len(_done(rest)):
            continue
        user = db.session.get(User, mentor_id)
        if user is not None and user.iban:
            removed += 1
            if not dry_run:
                user.iban = None
    return removed


def _remove_payment_files(batch_ids: set[int], due_ids: set[int], dry_run: bool) -> int:
    """A pain.001 file names every payee and their IBAN: it goes when all of its claims are past their period."""
    removed = 0
    for batch in db.session.scalars(select(PaymentBatch).where(PaymentBatch.id.in_(batch_ids))):
        rest = [c.id for c in batch.claims if c.id not in due_ids]
        if batch.xml and len(rest) == len(_done(rest)):
            removed += 1
            if not dry_run:
                batch.xml = b""  # the batch's count, total, message id and bank reference stay
    return removed


def run(actor: User, today: date | None = None, dry_run: bool = False) -> Outcome:
    """Remove the personal data of every claim past its period in one transaction; the files after the commit."""
    years = int(current_app.config["RETENTION_YEARS"])
    cutoff = closed_before(today or utcnow().date(), years)
    moment = datetime.combine(cutoff, datetime.min.time(), UTC)
    outcome = Outcome(cutoff)
    due = due_claims(cutoff)
    due_ids = {c.id for c in due}
    others = db.session.scalars(select(Claim).where(Claim.id.not_in(due_ids))).all() if due_ids else None
    named_elsewhere = _named(list(others) if others is not None else list(db.session.scalars(select(Claim))))
    named_by_due = _named(due)
    # Receipts that only the removed claims name, and old uploads that no claim names at all.
    loose = set(
        db.session.scalars(
            select(Receipt.id).where(Receipt.created_at < moment, Receipt.id.not_in(named_elsewhere | named_by_due))
        )
    )
    doomed = (named_by_due - named_elsewhere) | loose
    pdf_files: list[str] = []
    for claim in due:
        outcome.claims.append(claim.reference)
        if claim.document is not None and documents.stored(claim.document):
            outcome.documents += 1
            pdf_files.append(claim.document.sha256)
        if dry_run:
            continue
        attached = len(_receipt_ids(claim.body))
        claim.body = _blank(claim.body)
        claim.status_reason = None
        # The decision stays as the ledger's record; its copies in the other languages repeat the
        # expenses' descriptions and are not needed: the pages fall back to the stored decision.
        claim.decision_texts = None
        details = {"years": years, "receipts": attached, "pdf_removed": claim.document is not None}
        audit.record(claim, actor, "retention", claim.status, None, **details)
    receipt_files = _remove_receipts(doomed, outcome, dry_run)
    outcome.ibans = _remove_ibans({c.mentor_id for c in due}, due_ids, dry_run)
    outcome.payment_files = _remove_payment_files(
        {c.payment_batch_id for c in due if c.payment_batch_id}, due_ids, dry_run
    )
    if dry_run:
        db.session.rollback()
        return outcome
    db.session.commit()
    for sha256 in pdf_files:
        document_store().delete(sha256)
    for sha256 in receipt_files:
        receipt_store().delete(sha256)
    return outcome
