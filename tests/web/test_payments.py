"""Finance's payment pages: a pain.001 file for chosen approved claims, then the whole file marked paid."""

import re

from expenses import payments
from expenses.extensions import db
from expenses.models import PaymentBatch
from tests.factories import car_body, make_claim, make_user, post_form, sign_in


def _approved(iban: str | None):
    mentor = make_user("mentor")
    if iban:
        payments.set_iban(mentor, iban)
    return make_claim(mentor, "approved")


def test_finance_makes_a_file_downloads_it_and_marks_it_paid(client):
    with_iban = _approved("FI4950009420028730")
    without = _approved(None)
    sign_in(client, make_user("finance"))
    page = client.get("/finance/payments/").get_data(as_text=True)
    assert with_iban.reference in page and "Missing: the mentor must add a bank account" in page
    assert '<code class="iban">FI49 5000 9420 0287 30</code>' in page  # in fours, to compare with the bank's
    made = post_form(client, "/finance/payments/", {"claim": [str(with_iban.id)]})
    assert made.status_code == 302
    assert "The payment file has 1 claim. Download it" in client.get(made.headers["Location"]).get_data(as_text=True)
    batch = PaymentBatch.query.one()
    xml = client.get(f"/finance/payments/{batch.id}/pain001.xml")
    assert xml.mimetype == "application/xml" and b"pain.001.001.03" in xml.data
    assert re.search(rb"<CtrlSum>" + str(with_iban.total).encode(), xml.data)
    post_form(client, f"/finance/payments/{batch.id}", {"reference": "BANK-7"})
    assert with_iban.status == "paid" and with_iban.payment_reference == "BANK-7"
    assert without.status == "approved"


def test_claim_of_a_mentor_without_iban_is_refused_with_a_message(client):
    claim = _approved(None)
    sign_in(client, make_user("finance"))
    answer = post_form(client, "/finance/payments/", {"claim": [str(claim.id)]}, follow_redirects=True)
    assert "has not given a bank account" in answer.get_data(as_text=True)
    assert PaymentBatch.query.count() == 0


def test_payments_are_for_finance_only(client):
    sign_in(client, make_user("auditor"))
    assert client.get("/finance/payments/").status_code == 403


def test_a_file_is_marked_paid_straight_from_the_list_with_one_bank_reference(client):
    claims = [_approved("FI4950009420028730") for _ in range(2)]
    sign_in(client, make_user("finance"))
    post_form(client, "/finance/payments/", {"claim": [str(c.id) for c in claims]})
    batch = PaymentBatch.query.one()

    page = client.get("/finance/payments/").get_data(as_text=True)
    assert f'<form method="post" action="/finance/payments/{batch.id}" class="row-form"' in page
    assert f'<label for="reference-{batch.id}">' in page and f'id="reference-{batch.id}"' in page
    answer = post_form(client, f"/finance/payments/{batch.id}", {"reference": "BANK-8"}, follow_redirects=True)

    assert "2 claims of the file are marked paid." in answer.get_data(as_text=True)
    assert [(c.status, c.payment_reference) for c in claims] == [("paid", "BANK-8"), ("paid", "BANK-8")]
    assert f'id="reference-{batch.id}"' not in client.get("/finance/payments/").get_data(as_text=True)


def test_plural_forms_are_right_in_finnish_and_swedish(app):
    from flask_babel import force_locale, ngettext

    one, many = (
        "The payment file has %(num)d claim. Download it for the bank.",
        ("The payment file has %(num)d claims. Download it for the bank."),
    )
    with force_locale("fi"):
        assert ngettext(one, many, 1).startswith("Maksuaineistossa on 1 matkalasku.")
        assert ngettext(one, many, 2).startswith("Maksuaineistossa on 2 matkalaskua.")
    with force_locale("sv"):
        assert ngettext(one, many, 1).startswith("Betalningsfilen har 1 reseräkning.")
        assert ngettext(one, many, 3).startswith("Betalningsfilen har 3 reseräkningar.")


def test_the_waiting_claims_are_found_by_mentor_and_session(client):
    aino = make_user("mentor", name="Aino Aalto")
    payments.set_iban(aino, "FI4950009420028730")
    closing, kickoff = make_claim(aino, "approved"), make_claim(aino, "approved", car_body("2023-09-22"))
    other = _approved("FI4950009420028730")
    sign_in(client, make_user("finance"))
    html = client.get("/finance/payments/?q=Aalto").get_data(as_text=True)
    assert closing.reference in html and kickoff.reference in html and other.reference not in html
    html = client.get("/finance/payments/?q=aalto&session=2023-09-22").get_data(as_text=True)
    assert kickoff.reference in html and closing.reference not in html
    html = client.get("/finance/payments/?q=nobody").get_data(as_text=True)
    assert "No approved claims waiting for a payment file match the search." in html


def test_an_officers_own_claim_is_offered_to_other_officers_only(client):
    officer = make_user("mentor")
    payments.set_iban(officer, "FI4950009420028730")
    own = make_claim(officer, "approved")
    officer.role = "finance"  # an admin changed the role after the claim was approved
    db.session.commit()
    sign_in(client, officer)
    page = client.get("/finance/payments/").get_data(as_text=True)
    assert f'id="claim-{own.id}" disabled aria-describedby="own-{own.id}"' in page
    assert "Your own claim: another officer pays it." in page
    answer = post_form(client, "/finance/payments/", {"claim": [str(own.id)]})
    assert answer.status_code == 403 and "is your own claim" in answer.get_data(as_text=True)
    assert PaymentBatch.query.count() == 0
