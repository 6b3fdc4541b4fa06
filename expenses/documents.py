"""Approval documents: made once at approval, optionally signed, stored by SHA-256, verified on demand.

The stored bytes are the record: downloads return them unchanged and nothing re-renders an
approved claim's summary.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from expenses import ledger, pdf, signing
from expenses.extensions import db
from expenses.formatting import LINE_KINDS
from expenses.models import Claim, ClaimDocument, Receipt, User
from expenses.rounds import current_calendar
from expenses.storage import document_store
from rules import RuleText, legend
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


#: Expense types whose rows become decision lines, in order: each such expense makes exactly one line
#: (rules/engine.py), so the n-th expense line pays the n-th of these expenses. Meals make none.
_PAID_EXPENSE_TYPES = frozenset({"own_car", "public_transport", "taxi", "accommodation", "other"})
_EXPENSE_KINDS = frozenset({"mileage", "public_transport", "taxi", "accommodation", "other"})


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """One row of the summary's table: what, by which rule (cited in the legend), claimed against paid."""

    what: object  # text, or a lazy text translated where the template renders it in the document's language
    rule: RuleText | None  # None: an expense no rule pays (a meal); `why` says so
    legend_number: int | None
    explanation: str
    # What the mentor asked for: a receipt's amount as typed; for allowances and mileage, what the
    # rules make of the trip and kilometres entered (as the ledger's "claimed" counts them).
    claimed: Decimal
    reimbursed: Decimal
    why: str  # the findings about this expense: what was cut and why, or what finance accepted

    @property
    def cut(self) -> bool:
        return self.claimed != self.reimbursed


def summary_lines(body: dict, decision: dict, lang: str) -> tuple[list[SummaryLine], list[RuleText]]:
    """The decision's lines beside what the mentor typed, and the legend of the rules they cite."""
    rules = legend([line["rule"] for line in decision["lines"]], lang)
    cited = {rule.id: (n, rule) for n, rule in enumerate(rules, start=1)}
    expenses = [e for e in body.get("expenses") or () if isinstance(e, dict)]
    paid = iter([n for n, e in enumerate(expenses) if e.get("type") in _PAID_EXPENSE_TYPES])
    said: dict[int, list[str]] = {}
    for finding in decision.get("findings") or ():
        if finding.get("expense") is not None:
            said.setdefault(finding["expense"], []).append(finding["message"])
    rows, lined = [], set()
    for line in decision["lines"]:
        amount = Decimal(line["amount"])
        claimed, why = amount, ""
        if line["kind"] in _EXPENSE_KINDS and (index := next(paid, None)) is not None:
            lined.add(index)
            typed = expenses[index].get("amount")
            claimed = Decimal(str(typed)) if typed and line["kind"] != "mileage" else amount
            why = " ".join(said.get(index, ()))
        number, rule = cited[line["rule"]]
        what = LINE_KINDS.get(line["kind"], line["kind"])
        rows.append(SummaryLine(what, rule, number, line["explanation"], claimed, amount, why))
    # An expense no line pays (a meal, which the per diem covers): claimed, nothing reimbursed, and why.
    for index, expense in enumerate(expenses):
        if index not in lined and expense.get("amount"):
            what = expense.get("description") or LINE_KINDS.get(expense.get("type"), expense.get("type", ""))
            why = " ".join(said.get(index, ()))
            rows.append(SummaryLine(what, None, None, "", Decimal(str(expense["amount"])), ledger.ZERO, why))
    return rows, rules


def _approvals(claim: Claim, approver: User, approved_at: datetime) -> list[dict]:
    """Who did what and when, in the order it happened: submitted, checked, approved."""
    steps = [
        {"step": "submitted", "by": claim.mentor, "at": claim.submitted_at},
        {"step": "checked", "by": claim.checked_by, "at": claim.checked_at},
        {"step": "approved", "by": approver, "at": approved_at},
    ]
    return sorted((s for s in steps if s["at"] is not None and s["by"] is not None), key=lambda s: s["at"])


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
    lines, rules = summary_lines(claim.body, claim.decision, lang)
    by_group = ledger.amounts_by_group(claim.decision)
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
        "lines": lines,
        "legend": rules,
        "subtotals": [(ledger.GROUP_NAMES[group], amount) for group, amount in by_group.items() if amount],
        "claimed": ledger.claimed_amount(claim.body, claim.decision),
        "findings": claim.decision["findings"],
        "receipts": _receipts(claim),
        "approvals": _approvals(claim, approver, approved_at),
        "approver": approver,
        "approved_at": approved_at,
        "embedded": embedded,
        "fingerprint": hashlib.sha256(embedded.encode()).hexdigest(),
    }


def issue_summary(claim: Claim, approver: User, approved_at: datetime) -> ClaimDocument:
    """Render, sign if configured, store; add the document row to the approval's transaction."""
    document_id = secrets.token_hex(16)
    claim_id = claim.id  # for the log: after a failed flush the claim cannot be read
    try:
        data = pdf.render(summary_context(claim, approver, approved_at, document_id), claim.language, approved_at)
        signed = signing.configured()
        if signed:
            data = signing.sign(data)
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


#: What the verify page and the API say of a file, in one word each: a summary we issued and signed,
#: one we issued without a signature (no key was configured then), or a file that is not one of ours
#: as issued (changed, or never ours).
VERDICTS = ("signed", "unsigned", "changed")


def verify(data: bytes) -> dict:
    """Is this exactly a document we issued, for which claim, and is its signature valid?

    The stored hash decides whether it is ours: documents issued before signing was configured, and
    those whose certificate has since been replaced, still verify as the bytes that were issued.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    document = db.session.scalar(select(ClaimDocument).where(ClaimDocument.sha256 == sha256))
    signature = signing.signature(data)
    verdict = "changed" if document is None else "signed" if signature.signed else "unsigned"
    return {
        "valid": document is not None,
        "verdict": verdict,
        "sha256": sha256,
        "claim": {"id": document.claim_id, "reference": document.claim.reference} if document else None,
        "signed": signature.signed,
        "signature_valid": signature.valid,
        "signer": signature.signer,
    }
