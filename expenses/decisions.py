"""The rules engine applied to a stored or proposed claim, with the checks only the service can make.

The engine knows the regulation; the service adds what needs the database: the mentor's identity
and role, whether each receipt id is really theirs, one active claim per session, late claims and
the volunteers' yearly tax-free limits.

A stored decision is read in every language (the mentor's, finance's, the auditor's), so the
database is asked once and the answer can then be told in any language: the engine is
deterministic, and the service's checks return how to say their finding rather than the text.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import Row, and_, bindparam, exists, select

from expenses.accounts import Caller
from expenses.extensions import db
from expenses.formatting import day, money
from expenses.models import ACTIVE_STATUSES, Claim, RosterEntry, User, utcnow
from expenses.receipts import owned_receipt_ids
from expenses.rounds import current_calendar
from rules import Calendar, Decision, Finding, MalformedClaim, Session, evaluate, parse_claim
from rules.claim import Claim as ClaimInput
from rules.claim import Problem
from rules.i18n import LANGUAGES
from rules.programme import HELSINKI

ALLOWANCE_KINDS = ("per_diem_full", "per_diem_partial")
#: The claimant: a User, or the API's Caller (the same id, role and name, read without the ORM).
Person = User | Caller

# The service's checks run on every keystroke's preview: one statement built once, run on the session's
# connection (Core rows, no ORM objects). NO_CLAIM stands for "no claim to leave out": ids start at 1.
NO_CLAIM = 0
#: Claims whose allowances count towards the mentor's yearly limits: sent to finance, and not rejected.
COUNTED_STATUSES = ("submitted", "checked", "approved", "paid")
_claims = Claim.__table__
# A session belongs to its year (its id starts with it), so the year's claims also hold any duplicate.
_OTHERS_OF_THE_YEAR = (
    select(_claims.c.id, _claims.c.session_id, _claims.c.status, _claims.c.decision)
    .where(
        _claims.c.mentor_id == bindparam("mentor_id"),
        _claims.c.status.in_(ACTIVE_STATUSES),
        _claims.c.session_id.startswith(bindparam("year")),
        _claims.c.id != bindparam("claim_id"),
    )
    .order_by(_claims.c.id)
)

_roster = RosterEntry.__table__
# Whether the session's round has a roster at all, and whether the mentor is on it: one indexed look.
_ON_THE_ROSTER = select(
    exists().where(_roster.c.programme == bindparam("programme")),
    exists().where(and_(_roster.c.programme == bindparam("programme"), _roster.c.user_id == bindparam("user_id"))),
)

#: One of the service's findings, in the language in force (`force_locale`) when it is called.
Say = Callable[[], Finding]


def claim_document(body: object, mentor: Person) -> dict:
    """The claim as the engine reads it: the body with the claimant taken from the signed-in user."""
    if not isinstance(body, dict):
        raise MalformedClaim([Problem("claim", "must be a JSON object")])
    document = {k: v for k, v in body.items() if k != "claimant"}
    document["claimant"] = {"name": mentor.name, "role": "mentor" if mentor.role == "mentor" else "actor"}
    return document


def stored_body(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "claimant"}


def _check_receipts(document: dict, mentor: Person) -> None:
    expenses = document.get("expenses") or []
    wanted = {
        e["receipt"]: i
        for i, e in enumerate(expenses)
        if isinstance(e, dict) and isinstance(e.get("receipt"), str) and e["receipt"]
    }
    known = owned_receipt_ids(mentor.id, set(wanted))
    problems = [
        # An app-made problem, so it is translated here rather than by the engine's catalogue.
        Problem(f"expenses[{i}].receipt", _("is not a receipt you have uploaded; upload the file again"))
        for receipt_id, i in wanted.items()
        if receipt_id not in known
    ]
    if problems:
        raise MalformedClaim(problems)


def _others_of_the_year(mentor: Person, year: str, claim_id: int | None) -> list[Row]:
    """The mentor's other active claims of the year: what the duplicate and yearly-limit checks read."""
    params = {"mentor_id": mentor.id, "year": year, "claim_id": claim_id or NO_CLAIM}
    return db.session.connection().execute(_OTHERS_OF_THE_YEAR, params).all()


def _duplicate(others: list[Row], session_id: str) -> Say | None:
    other = next((row.id for row in others if row.session_id == session_id), None)
    if other is None:
        return None
    return lambda: Finding(
        "duplicate_claim",
        "error",
        _("You already have a claim for this session (number %(id)s). Open that claim instead.", id=other),
    )


def _late(session: Session | None, submitted_at: datetime | None) -> Say | None:
    """A claim after the session's deadline still goes to finance, with a warning to look at why."""
    if session is None or not session.reimbursed:
        return None
    deadline = datetime.combine(session.claim_deadline, time(23, 59, 59), HELSINKI)
    if (submitted_at or utcnow()) <= deadline:
        return None

    def say() -> Finding:
        date = day(session.claim_deadline)
        if submitted_at is None:
            message = _(
                "Claims for this session were due by %(date)s; if you submit now, finance sees it as late.", date=date
            )
        else:
            message = _("The claim was submitted after the deadline of %(date)s.", date=date)
        return Finding("late_claim", "warning", message)

    return say


def _not_on_the_roster(session: Session | None, mentor: Person) -> Say | None:
    """A round with a roster admits only the people on it; one without a roster yet admits any mentor."""
    if session is None:
        return None
    params = {"programme": session.programme, "user_id": mentor.id}
    has_roster, on_it = db.session.connection().execute(_ON_THE_ROSTER, params).one()
    if not has_roster or on_it:
        return None

    def say() -> Finding:
        lang = get_locale().language if get_locale() else "fi"
        name = session.programme_name.get(lang) or session.programme_name["fi"]
        return Finding(
            "not_on_roster",
            "error",
            _(
                "You are not on the roster of %(programme)s, so your travel to its sessions is not reimbursed. "
                "If you are one of its mentors, ask the programme's coordinator to add you.",
                programme=name,
            ),
        )

    return say


def _yearly_limits(decision: Decision, others: list[Row], year: str) -> Say | None:
    """Warn finance when the mentor passes the volunteers' tax-free limits of the year (A15)."""
    counted = [row.decision for row in others if row.status in COUNTED_STATUSES]
    days, mileage = Decimal(0), Decimal(0)
    for stored in [decision.to_dict(), *counted]:
        for line in stored.get("lines", []):
            if line["kind"] in ALLOWANCE_KINDS:
                days += Decimal(line["quantity"])
            elif line["kind"] == "mileage":
                mileage += Decimal(line["amount"])
    max_days, max_km = current_app.config["VOLUNTEER_MAX_DAYS"], Decimal(current_app.config["VOLUNTEER_MAX_KM_EUR"])
    if days <= max_days and mileage <= max_km:
        return None
    return lambda: Finding(
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


def _told(engine: Decision, service: tuple[Say, ...], lang: str) -> Decision:
    """The engine's decision (made in `lang`) with the service's findings said in the same language."""
    if not service:
        return engine
    with force_locale(lang):
        extra = tuple(say() for say in service)
    return Decision(engine.ruleset, engine.lines, engine.findings + extra)


def texts_of(decision: Decision) -> dict[str, list[str]]:
    """A decision's human texts in order: what `Claim.decision_texts` keeps for each language."""
    return {"lines": [line.explanation for line in decision.lines], "findings": [f.message for f in decision.findings]}


@dataclass(frozen=True)
class Decided:
    """A claim checked against the database once: its decision in `lang`, and how to tell it in any other."""

    body: dict  # as stored: without the claimant, who is the signed-in user
    lang: str
    decision: Decision
    claim: ClaimInput
    service: tuple[Say, ...]
    calendar: Calendar  # the one decided with: the other languages are told from it, not asked again

    def in_language(self, lang: str) -> Decision:
        if lang == self.lang:  # made already, by decide()
            return self.decision
        return _told(evaluate(self.claim, self.calendar, lang=lang), self.service, lang)

    def texts(self) -> dict[str, dict[str, list[str]]]:
        """The decision's texts in every language of the service, for `Claim.decision_texts`."""
        return {lang: texts_of(self.in_language(lang)) for lang in LANGUAGES}


def decide(
    body: object,
    mentor: Person,
    lang: str,
    claim_id: int | None = None,
    submitted_at: datetime | None = None,
) -> Decided:
    """Check and evaluate a claim body for a mentor, in `lang`; raise `MalformedClaim` for bad input."""
    document = claim_document(body, mentor)
    claim = parse_claim(document)
    with force_locale(lang):  # its problem is shown as it is made, to this reader
        _check_receipts(document, mentor)
    calendar = current_calendar()
    engine = evaluate(claim, calendar, lang=lang)
    year = claim.session[:4]
    others = _others_of_the_year(mentor, year, claim_id)
    session = calendar.get(claim.session)
    checks = [
        _not_on_the_roster(session, mentor),
        _duplicate(others, claim.session),
        _late(session, submitted_at),
    ]
    if engine.eligible:
        # Amounts are the same in every language, so the limits are counted once, from this decision.
        checks.append(_yearly_limits(engine, others, year))
    service = tuple(say for say in checks if say is not None)
    return Decided(stored_body(document), lang, _told(engine, service, lang), claim, service, calendar)


def computed_total(decision: dict) -> Decimal:
    """What a decision's lines add up to, also while an error keeps its payable total at zero.

    Shown beside "nothing is paid until the errors are fixed": a mentor whose receipt is missing
    sees what the claim is worth, not 0,00 € over lines that add up to more."""
    return sum((Decimal(line["amount"]) for line in decision.get("lines") or []), Decimal("0.00"))


def localised(claim: Claim, lang: str) -> dict:
    """The claim's stored decision with its explanations and findings in `lang`, for a reader.

    The stored decision itself stays in the claim's language (the PDF embeds it). Claims saved before
    the texts were kept in every language (`decision_texts` is null) are shown as they were stored.
    """
    texts = (claim.decision_texts or {}).get(lang)
    if texts is None:
        return claim.decision
    decision = claim.decision
    return {
        **decision,
        "lines": [dict(line, explanation=t) for line, t in zip(decision["lines"], texts["lines"], strict=True)],
        "findings": [dict(f, message=t) for f, t in zip(decision["findings"], texts["findings"], strict=True)],
    }
