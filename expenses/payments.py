"""Paying approved claims: IBANs checked with schwifty, SEPA credit-transfer files (pain.001) with sepaxml."""

from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer
from sqlalchemy import select

from expenses import workflow
from expenses.extensions import db
from expenses.models import Claim, PaymentBatch, User, utcnow
from expenses.workflow import Invalid, WrongState


def normalise_iban(text: str) -> str:
    """The IBAN in compact form, or `Invalid` with a message that says what is wrong."""
    try:
        return IBAN(text.strip()).compact
    except SchwiftyException:
        message = _("This is not a valid IBAN. Check the letters and digits, for example FI21 1234 5600 0007 85.")
        raise Invalid(message, errors=[{"field": "iban", "message": message}]) from None


def grouped_iban(text: str | None) -> str:
    """An IBAN as people read and compare it, in groups of four ("FI21 1234 5600 0007 85"); other text as it is."""
    if not text:
        return ""
    try:
        return IBAN(text).formatted
    except SchwiftyException:
        return text


def set_iban(user: User, text: str) -> None:
    user.iban = normalise_iban(text) if text.strip() else None
    db.session.commit()


def _payable(claim_ids: list[int], officer: User) -> list[Claim]:
    claims = db.session.scalars(select(Claim).where(Claim.id.in_(claim_ids)).order_by(Claim.id)).all()
    if not claims or len(claims) != len(set(claim_ids)):
        raise Invalid(_("Choose approved claims to pay."), errors=[{"field": "claims", "message": _("Unknown claim.")}])
    problems = []
    for claim in claims:
        workflow.refuse_own_claim(claim, officer)
        if claim.status != "approved" or claim.payment_batch_id is not None:
            problems.append(_("%(ref)s is not an approved claim waiting for payment.", ref=claim.reference))
        elif not claim.mentor.iban:
            problems.append(_("%(name)s has not given a bank account (IBAN).", name=claim.mentor.name))
    if problems:
        raise WrongState(" ".join(problems), problems=problems)
    return claims


def export_batch(claim_ids: list[int], officer: User, execution_date: date | None = None) -> PaymentBatch:
    """Make the pain.001 file of the chosen approved claims and remember it as a batch.

    One unit of work of the workflow: two officers putting the same claim in a file at once meet at its
    version column, and the second gets `Stale` (409) like any other conflict."""
    if officer.role != "finance":
        raise workflow.Forbidden(_("Only ministry finance can do this."))
    claims = _payable(claim_ids, officer)
    config = current_app.config
    payer = IBAN(config["PAYER_IBAN"])
    transfer = SepaTransfer(
        {
            "name": config["PAYER_NAME"],
            "IBAN": payer.compact,
            "BIC": str(payer.bic or config["PAYER_BIC"]),
            "batch": True,
            "currency": "EUR",
        },
        clean=True,
    )
    when = execution_date or utcnow().date()
    for claim in claims:
        account = IBAN(claim.mentor.iban)
        transfer.add_payment(
            {
                "name": claim.mentor.name,
                "IBAN": account.compact,
                "BIC": str(account.bic) if account.bic else "NOTPROVIDED",
                "amount": int(claim.total * 100),
                "execution_date": when,
                "description": _("Travel claim %(ref)s", ref=claim.reference),
                "endtoend_id": claim.reference.replace("-", ""),
            }
        )
    xml = transfer.export(validate=True)
    total = sum((c.total for c in claims), Decimal("0.00"))
    batch = PaymentBatch(
        message_id=transfer.msg_id[:35],
        created_by_id=officer.id,
        count=len(claims),
        total=total,
        xml=xml,
    )
    with workflow.transaction():
        db.session.add(batch)
        for claim in claims:
            claim.payment_batch = batch
    return batch


def mark_batch_paid(batch_id: int, officer: User, reference: str) -> PaymentBatch:
    """Record the bank's reference: every claim of the batch becomes paid, through the workflow.

    All or nothing: one claim refused (the officer's own, one changed meanwhile) leaves the whole file
    unpaid, so a file is never half paid."""
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        raise workflow.NotFound(_("There is no such payment batch."))
    if batch.paid_at is not None:
        raise WrongState(_("This payment file is already marked paid."))
    with workflow.transaction():
        for claim in list(batch.claims):
            if claim.status == "approved":
                workflow.pay(claim.id, officer, reference)
        batch.paid_reference, batch.paid_at = reference.strip(), utcnow()
    return batch
