"""The claim workflow: the only place that creates claims or changes their status.

    draft → submitted → checked → approved → paid
    submitted | checked → returned → submitted
    submitted | checked → rejected

Each function is one database transaction that also writes an audit event, and mail about it
leaves only after the commit. Two officers acting on one claim at once cannot both win: the
claim's version column turns the second write into `Stale`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, bindparam, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption

from expenses import audit, documents, notifications
from expenses.decisions import Decided, Person, decide
from expenses.extensions import db
from expenses.formatting import status_name
from expenses.models import Claim, Payment, Receipt, User, utcnow
from expenses.text import limit as text_limit
from rules import Decision, MalformedClaim
from rules.claim import Problem

ClaimLike = TypeVar("ClaimLike", Claim, Row)


class WorkflowError(Exception):
    """An action refused; `status` is the HTTP status it maps to, the message says why."""

    status = 400
    code = "refused"

    def __init__(self, message: str, **details: object):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(WorkflowError):
    status, code = 404, "not_found"


class Forbidden(WorkflowError):
    status, code = 403, "forbidden"


class WrongState(WorkflowError):
    status, code = 409, "wrong_state"


class Stale(WorkflowError):
    status, code = 409, "changed"


class Ineligible(WorkflowError):
    status, code = 409, "ineligible"


class Invalid(WorkflowError):
    status, code = 422, "invalid"
    # The engine's problems as they came (English, with their fields), for callers that place each
    # on a form; `details["errors"]` carries them in the reader's language for the JSON answer.
    problems: tuple[Problem, ...] = ()


class NotApproved(WorkflowError):
    """The approval document could not be made, so the approval did not happen."""

    status, code = 503, "document_failed"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    needs: str | None = None  # "reason" or "reference"


TRANSITIONS = {
    "submit": Transition(frozenset({"draft", "returned"}), "submitted"),
    "check": Transition(frozenset({"submitted"}), "checked"),
    "approve": Transition(frozenset({"checked"}), "approved"),
    "return": Transition(frozenset({"submitted", "checked"}), "returned", "reason"),
    "reject": Transition(frozenset({"submitted", "checked"}), "rejected", "reason"),
    "pay": Transition(frozenset({"approved"}), "paid", "reference"),
}
FINANCE_ACTIONS = ("check", "approve", "return", "reject", "pay")


#: What auditors read: money the state has committed to or paid. Open claims (drafts, submitted, checked,
#: returned) and rejected ones are the mentor's and finance's business only.
AUDITED = ("approved", "paid")


def can_see(user: Person, claim: Claim | Row) -> bool:
    """The access rule of one claim: its mentor, finance, and auditors once it is approved or paid."""
    return claim.mentor_id == user.id or user.role == "finance" or (user.role == "auditor" and claim.status in AUDITED)


def readable(user: Person) -> ColumnElement[bool]:
    """`can_see` as one SQL condition on the claims table, for every list and count a reader is shown."""
    if user.role == "finance":
        return true()
    if user.role == "auditor":
        return or_(Claim.status.in_(AUDITED), Claim.mentor_id == user.id)
    return Claim.mentor_id == user.id


def can_see_receipt(user: Person, receipt: Receipt) -> bool:
    """A receipt is its uploader's and finance's; an auditor's only when an approved or paid claim cites it."""
    if receipt.owner_id == user.id or user.role == "finance":
        return True
    if user.role != "auditor":
        return False
    bodies = db.session.scalars(
        select(Claim.body).where(Claim.mentor_id == receipt.owner_id, Claim.status.in_(AUDITED))
    )
    return any(
        isinstance(e, dict) and e.get("receipt") == receipt.id for body in bodies for e in body.get("expenses", [])
    )


def visible(claim: ClaimLike | None, user: Person) -> ClaimLike:
    """The claim (an ORM Claim or a row of the claims table) if the user may see it; else NotFound."""
    if claim is None or not can_see(user, claim):
        # Someone else's claim is simply not found: its existence is not theirs to learn.
        raise NotFound(_("There is no such claim."))
    return claim


def get_claim(claim_id: int, user: Person, *options: ORMOption) -> Claim:
    """The claim if the user may see it.

    `options` (such as `joinedload(Claim.mentor)`) load what the caller shows in the same query."""
    return visible(db.session.get(Claim, claim_id, options=options), user)


_claims = Claim.__table__
# What `can_see` reads, and the session: for the previews of every keystroke, which an ORM load of the
# whole claim (body, decision, texts) made a quarter slower.
_ACCESS = select(_claims.c.mentor_id, _claims.c.status, _claims.c.session_id).where(
    _claims.c.id == bindparam("claim_id")
)


def visible_claim_row(claim_id: int, user: Person) -> Row:
    """The claim's mentor, status and session, if the user may see it (else NotFound), without loading the claim."""
    return visible(db.session.connection().execute(_ACCESS, {"claim_id": claim_id}).first(), user)


def _require_mentor(user: Person) -> None:
    if user.role != "mentor":
        raise Forbidden(_("Only the programme's mentors can claim travel costs. Actors' travel is not reimbursed."))


def _decision_of(body: object, mentor: Person, lang: str, claim_id: int | None = None, **kw) -> Decided:
    try:
        return decide(body, mentor, lang, claim_id, **kw)
    except MalformedClaim as e:
        errors = [{"field": p.field, "message": p.in_language(lang)} for p in e.problems]
        error = Invalid(_("The claim has errors."), errors=errors)
        error.problems = tuple(e.problems)
        raise error from None


def _store_decision(claim: Claim, decided: Decided) -> None:
    """The body and its decision; the claim takes the decision's language, which its PDF will speak."""
    decision = decided.decision
    claim.body = decided.body
    claim.session_id = decided.body["session"]
    claim.language = decided.lang
    claim.decision = decision.to_dict()
    claim.decision_texts = decided.texts()
    claim.total = decision.total
    claim.eligible = decision.eligible
    claim.has_warnings = any(f.severity == "warning" for f in decision.findings)


#: Set on the session while a unit of work is open, so that the actions it is made of join it.
_OPEN = "workflow_transaction"


@contextmanager
def transaction() -> Iterator[None]:
    """One unit of work: commit at the end; any refusal or failure rolls all of it back.

    Inside another (marking a payment batch paid is one act made of the payment of each claim) it only
    flushes, and the outer one commits or rolls back everything together.
    """
    session = db.session()
    if session.info.get(_OPEN):
        yield
        session.flush()
        return
    session.info[_OPEN] = True
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Stale(_("Someone else changed this claim at the same time. Reload it and try again.")) from None
    except IntegrityError:
        db.session.rollback()
        raise Ineligible(
            _("You already have a claim for this session. Open that claim instead."),
            findings=[
                {
                    "code": "duplicate_claim",
                    "severity": "error",
                    "message": _("You already have a claim for this session. Open that claim instead."),
                    "expense": None,
                }
            ],
        ) from None
    except Exception:
        db.session.rollback()
        raise
    finally:
        session.info.pop(_OPEN, None)


def preview(body: object, mentor: Person, lang: str, claim_id: int | None = None) -> Decision:
    """The decision a claim would get; nothing is stored. `claim_id` (the claim being edited) must be one
    the mentor may see: someone else's claim is not found, as everywhere else."""
    _require_mentor(mentor)
    if claim_id is not None:
        visible_claim_row(claim_id, mentor)
    return _decision_of(body, mentor, lang, claim_id).decision


def create(body: object, mentor: User, lang: str) -> Claim:
    """A new draft. A second active claim for the same session is refused."""
    _require_mentor(mentor)
    decided = _decision_of(body, mentor, lang)
    duplicate = [f.to_dict() for f in decided.decision.findings if f.code == "duplicate_claim"]
    if duplicate:
        raise Ineligible(duplicate[0]["message"], findings=duplicate)
    with transaction():
        claim = Claim(mentor_id=mentor.id, status="draft")
        _store_decision(claim, decided)
        db.session.add(claim)
        audit.record(claim, mentor, "create", None)
    return claim


def _editable(claim: Claim, user: User, version: int | None) -> None:
    if claim.mentor_id != user.id:
        raise Forbidden(_("Only the mentor who made the claim can change or submit it."))
    if claim.status not in ("draft", "returned"):
        raise WrongState(_("The claim can be changed only while it is a draft or returned for correction."))
    if version is not None and version != claim.version:
        raise Stale(_("The claim has changed since you opened it. Reload it and try again."))


def update(claim_id: int, body: object, user: User, lang: str, version: int | None = None) -> Claim:
    """Replace the body of the mentor's own draft or returned claim."""
    claim = get_claim(claim_id, user)
    _editable(claim, user, version)
    decided = _decision_of(body, user, lang, claim.id)
    with transaction():
        _store_decision(claim, decided)
        audit.record(claim, user, "update", claim.status)
    return claim


def submit(claim_id: int, user: User, lang: str, version: int | None = None) -> Claim:
    """Send the claim to finance, decided anew at this moment; a refusal's findings are in `lang`, the
    mentor's, who also becomes the claim's language as when saving it."""
    claim = get_claim(claim_id, user)
    _editable(claim, user, version)
    now = utcnow()
    decided = _decision_of(claim.body, user, lang, claim.id, submitted_at=now)
    if not decided.decision.eligible:
        # Only what blocks it: warnings such as "submitted after the deadline" are about a claim that was sent.
        raise Ineligible(
            _("The claim cannot be submitted until its errors are fixed."),
            findings=[f.to_dict() for f in decided.decision.errors()],
        )
    with transaction():
        _store_decision(claim, decided)
        source = claim.status
        claim.status, claim.submitted_at, claim.status_reason = "submitted", now, None
        audit.record(claim, user, "submit", source, total=str(claim.total))
    return claim


def _officer_action(
    action: str, claim_id: int, user: User, version: int | None, apply: Callable[[Claim], None], text: str | None = None
) -> Claim:
    """The common rhythm of a finance action: load, check who and what state, act, record, commit."""
    transition = TRANSITIONS[action]
    claim = visible(db.session.get(Claim, claim_id), user)
    if user.role != "finance":
        raise Forbidden(_("Only ministry finance can do this."))
    refuse_own_claim(claim, user)
    if claim.status not in transition.sources:
        raise WrongState(
            _("This cannot be done while the claim's status is “%(status)s”.", status=status_name(claim.status)),
            status=claim.status,
        )
    if version is not None and version != claim.version:
        raise Stale(_("The claim has changed since you opened it. Reload it and try again."))
    _check_text(transition.needs, text)
    with transaction():
        source = claim.status
        apply(claim)
        claim.status = transition.target
        # The officer who checks accepts the warnings finance was shown; the trail says which.
        details = {"warnings": [f["code"] for f in claim.decision["findings"] if f["severity"] == "warning"]}
        reason = text.strip() if text else None
        audit.record(claim, user, action, source, reason, **(details if action == "check" else {}))
        notifications.claim_changed(claim, action)
    return claim


def refuse_own_claim(claim: Claim, user: Person) -> None:
    """Nobody handles their own claim, in any role they have come to hold: not one claim, not in a batch."""
    if claim.mentor_id == user.id:
        raise Forbidden(
            _(
                "%(ref)s is your own claim: nobody may handle their own claim, so another officer must.",
                ref=claim.reference,
            )
        )


def _check_text(field: str | None, text: str | None) -> None:
    if field is None:
        return
    limit = text_limit(Claim.payment_reference) if field == "reference" else 2000
    value = (text or "").strip()
    if not value or len(value) > limit:
        if value:
            message = _("At most %(n)s characters.", n=limit)
        else:
            message = _("Write the reason.") if field == "reason" else _("Write the payment reference.")
        raise Invalid(message, errors=[{"field": field, "message": message}])


def check(claim_id: int, user: User, version: int | None = None) -> Claim:
    def apply(claim: Claim) -> None:
        claim.checked_by_id, claim.checked_at = user.id, utcnow()

    return _officer_action("check", claim_id, user, version, apply)


def approve(claim_id: int, user: User, version: int | None = None) -> Claim:
    def apply(claim: Claim) -> None:
        # Asiatarkastus and hyväksyntä are two people's acts.
        if claim.checked_by_id == user.id:
            raise Forbidden(_("You checked this claim, so another officer must approve it."))
        claim.approved_by_id, claim.approved_at = user.id, utcnow()
        try:
            documents.issue_summary(claim, user, claim.approved_at)
        except documents.DocumentError as e:
            raise NotApproved(
                _(
                    "The claim summary PDF could not be made, so the claim was not approved. Try again; "
                    "if it keeps failing, tell the service's administrators."
                ),
                reason=str(e),
            ) from e

    return _officer_action("approve", claim_id, user, version, apply)


def return_for_correction(claim_id: int, user: User, reason: str, version: int | None = None) -> Claim:
    def apply(claim: Claim) -> None:
        claim.status_reason = reason.strip()
        claim.checked_by_id = claim.checked_at = None

    return _officer_action("return", claim_id, user, version, apply, reason)


def reject(claim_id: int, user: User, reason: str, version: int | None = None) -> Claim:
    def apply(claim: Claim) -> None:
        claim.status_reason = reason.strip()

    return _officer_action("reject", claim_id, user, version, apply, reason)


def pay(claim_id: int, user: User, reference: str, version: int | None = None) -> Claim:
    def apply(claim: Claim) -> None:
        claim.paid_at, claim.payment_reference = utcnow(), reference.strip()
        db.session.add(
            Payment(claim_id=claim.id, reference=reference.strip(), amount=Decimal(claim.total), paid_by_id=user.id)
        )

    return _officer_action("pay", claim_id, user, version, apply, reference)


ACTIONS: dict[str, Callable] = {
    "check": check,
    "approve": approve,
    "return": return_for_correction,
    "reject": reject,
    "pay": pay,
}
