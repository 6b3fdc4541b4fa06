"""The rules engine applied to a stored or proposed claim, with the checks only the service can make.

The engine knows the regulation; the service adds what needs the database: the mentor's identity
and role, whether each receipt id is really theirs, one active claim per session, late claims and
the volunteers' yearly tax-free limits.
"""

from datetime import datetime, time
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from expenses.extensions import db
from expenses.formatting import money
from expenses.models import ACTIVE_STATUSES, Claim, User, utcnow
from expenses.receipts import owned_receipts
from rules import Decision, Finding, MalformedClaim, evaluate, load_calendar, parse_claim
from rules.claim import Problem
from rules.programme import HELSINKI

ALLOWANCE_KINDS = ("per_diem_full", "per_diem_partial")


def claim_document(body: object, mentor: User) -> dict:
    """The claim as the engine reads it: the body with the claimant taken from the signed-in user."""
    if not isinstance(body, dict):
        raise MalformedClaim([Problem("claim", "must be a JSON object")])
    document = {k: v for k, v in body.items() if k != "claimant"}
    document["claimant"] = {"name": mentor.name, "role": "mentor" if mentor.role == "mentor" else "actor"}
    return document


def stored_body(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "claimant"}


def _check_receipts(document: dict, mentor: User) -> None:
    expenses = document.get("expenses") or []
    wanted = {
        e["receipt"]: i
        for i, e in enumerate(expenses)
        if isinstance(e, dict) and isinstance(e.get("receipt"), str) and e["receipt"]
    }
    known = owned_receipts(mentor, set(wanted))
    problems = [
        # An app-made problem, so it is translated here rather than by the engine's catalogue.
        Problem(f"expenses[{i}].receipt", _("is not a receipt you have uploaded; upload the file again"))
        for receipt_id, i in wanted.items()
        if receipt_id not in known
    ]
    if problems:
        raise MalformedClaim(problems)


def _duplicate(mentor: User, session_id: str, claim_id: int | None) -> Finding | None:
    query = select(Claim.id).where(
        Claim.mentor_id == mentor.id, Claim.session_id == session_id, Claim.status.in_(ACTIVE_STATUSES)
    )
    if claim_id is not None:
        query = query.where(Claim.id != claim_id)
    other = db.session.scalar(query.limit(1))
    if other is None:
        return None
    return Finding(
        "duplicate_claim",
        "error",
        _("You already have a claim for this session (number %(id)s). Open that claim instead.", id=other),
    )


def _late(session_id: str, submitted_at: datetime | None) -> Finding | None:
    """A claim after the session's deadline still goes to finance, with a warning to look at why."""
    session = load_calendar().get(session_id)
    if session is None or not session.reimbursed:
        return None
    deadline = datetime.combine(session.claim_deadline, time(23, 59, 59), HELSINKI)
    if (submitted_at or utcnow()) <= deadline:
        return None
    date = format_date(session.claim_deadline, "long")
    if submitted_at is None:
        message = _(
            "Claims for this session were due by %(date)s; if you submit now, finance sees it as late.", date=date
        )
    else:
        message = _("The claim was submitted after the deadline of %(date)s.", date=date)
    return Finding("late_claim", "warning", message)


def _yearly_limits(decision: Decision, mentor: User, year: str, claim_id: int | None) -> list[Finding]:
    """Warn finance when the mentor passes the volunteers' tax-free limits of the year (A15)."""
    query = select(Claim.decision).where(
        Claim.mentor_id == mentor.id,
        Claim.status.in_(("submitted", "checked", "approved", "paid")),
        Claim.session_id.startswith(year),
    )
    if claim_id is not None:
        query = query.where(Claim.id != claim_id)
    days, mileage = Decimal(0), Decimal(0)
    for stored in [decision.to_dict(), *db.session.scalars(query)]:
        for line in stored.get("lines", []):
            if line["kind"] in ALLOWANCE_KINDS:
                days += Decimal(line["quantity"])
            elif line["kind"] == "mileage":
                mileage += Decimal(line["amount"])
    max_days, max_km = current_app.config["VOLUNTEER_MAX_DAYS"], Decimal(current_app.config["VOLUNTEER_MAX_KM_EUR"])
    if days <= max_days and mileage <= max_km:
        return []
    return [
        Finding(
            "volunteer_tax_limit",
            "warning",
            _(
                "With this claim the mentor has %(days)s per-diem days and %(km)s of kilometre allowance in "
                "%(year)s; tax-free limits for volunteers are %(max_days)s days and %(max_km)s.",
                days=format_decimal(days),
                km=money(mileage),
                year=year,
                max_days=max_days,
                max_km=money(max_km),
            ),
        )
    ]


def decide(
    body: object,
    mentor: User,
    lang: str,
    claim_id: int | None = None,
    submitted_at: datetime | None = None,
) -> tuple[dict, Decision]:
    """Check and evaluate a claim body for a mentor; raise `MalformedClaim` for bad input."""
    document = claim_document(body, mentor)
    claim = parse_claim(document)
    # The service's own findings speak the language of the engine's, which may be the claim's
    # rather than the reader's (a submitted decision is stored in the claim's language).
    with force_locale(lang):
        _check_receipts(document, mentor)
        decision = evaluate(claim, lang=lang)
        extra = [
            f
            for f in (_duplicate(mentor, claim.session, claim_id), _late(claim.session, submitted_at))
            if f is not None
        ]
        if decision.eligible:
            extra += _yearly_limits(decision, mentor, claim.session[:4], claim_id)
    if extra:
        decision = Decision(decision.ruleset, decision.lines, decision.findings + tuple(extra))
    return stored_body(document), decision
