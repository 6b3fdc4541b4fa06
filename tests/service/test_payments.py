"""Payments: IBAN validation and the pain.001 SEPA credit-transfer export."""

from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema

from expenses import payments, workflow
from expenses.extensions import db
from expenses.models import Claim, Payment, PaymentBatch, User
from tests.factories import car_body, make_claim, make_user

SCHEMA = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"


def _approved_with_iban(iban: str, session: str = "2024-04-23", **kw) -> Claim:
    mentor = make_user("mentor")
    payments.set_iban(mentor, iban)
    return make_claim(mentor, "approved", body=car_body(session), **kw)


@pytest.mark.parametrize("text", ["FI21 1234 5600 0007 85", "fi2112345600000785"])
def test_valid_iban_is_stored_compact(app, text):
    mentor = make_user("mentor")
    payments.set_iban(mentor, text)
    assert mentor.iban == "FI2112345600000785"


@pytest.mark.parametrize("text", ["FI21 1234 5600 0007 86", "not an iban", "FI21"])
def test_invalid_iban_is_refused_with_a_message(app, text):
    mentor = make_user("mentor")
    with pytest.raises(workflow.Invalid) as refused:
        payments.set_iban(mentor, text)
    assert refused.value.details["errors"][0]["field"] == "iban"
    assert mentor.iban is None


def test_pain001_validates_and_sums_to_the_claims(app):
    officer = make_user("finance")
    claims = [_approved_with_iban("FI4950009420028730"), _approved_with_iban("FI2112345600000785")]
    batch = payments.export_batch([c.id for c in claims], officer)
    schema = xmlschema.XMLSchema(str(SCHEMA))
    schema.validate(batch.xml.decode())
    document = schema.to_dict(batch.xml.decode())
    header = document["CstmrCdtTrfInitn"]["GrpHdr"]
    assert header["NbOfTxs"] == "2"
    assert Decimal(str(header["CtrlSum"])) == sum(c.total for c in claims) == batch.total
    assert all(c.payment_batch == batch for c in claims)


def test_claim_without_iban_or_not_approved_cannot_be_exported(app):
    officer = make_user("finance")
    without_iban = make_claim(status="approved")
    submitted = make_claim(status="submitted")
    with pytest.raises(workflow.WrongState) as refused:
        payments.export_batch([without_iban.id, submitted.id], officer)
    assert len(refused.value.details["problems"]) == 2


def test_marking_batch_paid_pays_every_claim_with_the_reference(app):
    officer = make_user("finance")
    claims = [_approved_with_iban("FI4950009420028730"), _approved_with_iban("FI2112345600000785")]
    batch = payments.export_batch([c.id for c in claims], officer)
    payments.mark_batch_paid(batch.id, officer, "BANK-REF-2024-04")
    assert [c.status for c in batch.claims] == ["paid", "paid"]
    assert {c.payment_reference for c in batch.claims} == {"BANK-REF-2024-04"}
    assert batch.paid_reference == "BANK-REF-2024-04"


def test_only_finance_exports(app):
    claim = _approved_with_iban("FI4950009420028730")
    with pytest.raises(workflow.Forbidden):
        payments.export_batch([claim.id], make_user("auditor"))


def _officer_who_was_a_mentor() -> tuple[User, Claim]:
    """Issue 17, defect 8: a mentor's claim approved, then an admin makes the mentor a finance officer."""
    officer = make_user("mentor")
    claim = _approved_with_iban_of(officer)
    officer.role = "finance"
    db.session.commit()
    return officer, claim


def _approved_with_iban_of(mentor: User) -> Claim:
    payments.set_iban(mentor, "FI2112345600000785")
    return make_claim(mentor, "approved", body=car_body("2024-04-23"))


def test_an_officer_cannot_put_their_own_claim_in_a_payment_file(app):
    officer, own = _officer_who_was_a_mentor()
    other = _approved_with_iban("FI4950009420028730")
    with pytest.raises(workflow.Forbidden) as refused:
        payments.export_batch([other.id, own.id], officer)
    assert own.reference in refused.value.message  # which claim, so the officer knows what to leave out
    assert PaymentBatch.query.count() == 0 and other.payment_batch_id is None and own.payment_batch_id is None


def test_marking_a_file_paid_is_all_or_nothing(app):
    """Another officer's file holds the officer's own claim: their marking it paid pays nothing at all."""
    officer, own = _officer_who_was_a_mentor()
    other = _approved_with_iban("FI4950009420028730")
    batch = payments.export_batch([other.id, own.id], make_user("finance"))
    with pytest.raises(workflow.Forbidden):
        payments.mark_batch_paid(batch.id, officer, "BANK-REF-9")
    db.session.expire_all()
    assert [c.status for c in batch.claims] == ["approved", "approved"]
    assert Payment.query.count() == 0 and batch.paid_reference is None and batch.paid_at is None


def test_a_paid_file_cannot_be_marked_paid_again(app):
    officer = make_user("finance")
    batch = payments.export_batch([_approved_with_iban("FI4950009420028730").id], officer)
    payments.mark_batch_paid(batch.id, officer, "BANK-1")
    with pytest.raises(workflow.WrongState):
        payments.mark_batch_paid(batch.id, officer, "BANK-2")
    assert batch.paid_reference == "BANK-1"
