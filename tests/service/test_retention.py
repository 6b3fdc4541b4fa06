"""Retention: past the period a closed claim loses receipts, PDF and personal text, and keeps its ledger figures."""

import csv
import io
import zipfile
from datetime import date

import pytest

from expenses import audit, documents, payments, retention, workflow
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, ClaimDocument, PaymentBatch, Receipt, User, utcnow
from expenses.storage import receipt_store
from tests.factories import PNG_BYTES, car_body, make_claim, make_receipt, make_token, make_user, sign_in

OTHER_BYTES = PNG_BYTES + b"rejected"


def _body(receipt_id: str, session: str = "2023-09-22") -> dict:
    return {
        "session": session,
        "trip": {"start_place": "Oulu, Kotikatu 5", "distance_km": 607,
                 "departure": f"{session}T06:00", "return": f"{session}T21:30"},
        "expenses": [
            {"type": "public_transport", "date": session, "description": "Juna Oulu–Helsinki",
             "amount": "160.00", "receipt": receipt_id},
            {"type": "own_car", "date": session, "km": 12, "passengers": 0, "route": "Kotikatu 5 – asema"},
        ],
    }  # fmt: skip


@pytest.fixture
def old(app):
    """Mentor A: a paid claim (in a payment file) and a rejected one; mentor C: a draft sharing a receipt's bytes."""
    admin = make_user("admin")
    a = make_user("mentor", name="Anna Arkisto")
    payments.set_iban(a, "FI21 1234 5600 0007 85")
    ticket, other, loose = make_receipt(a, PNG_BYTES), make_receipt(a, OTHER_BYTES), make_receipt(a, PNG_BYTES)
    checker, approver = make_user("finance"), make_user("finance")
    paid = make_claim(a, "approved", _body(ticket.id), checker=checker, approver=approver)
    batch = payments.export_batch([paid.id], approver)
    payments.mark_batch_paid(batch.id, approver, "RF18 1234")
    rejected = workflow.create(_body(other.id, "2024-04-23"), a, "fi")
    workflow.submit(rejected.id, a, "fi")
    workflow.reject(rejected.id, checker, "Matka ei koskenut tapaamista.")
    c = make_user("mentor")
    payments.set_iban(c, "FI21 1234 5600 0007 85")
    shared = make_receipt(c, PNG_BYTES)  # the same bytes as A's ticket: one file in the store
    draft = make_claim(c, "draft", _body(shared.id))
    year = utcnow().year
    return {
        "admin": admin, "a": a, "c": c, "paid": paid, "rejected": rejected, "draft": draft, "batch": batch,
        "ticket": ticket, "other": other, "loose": loose, "shared": shared, "year": year,
        "due_day": date(year + 11, 1, 1), "last_kept_day": date(year + 10, 12, 31),
    }  # fmt: skip


def _figures(claim_id: int) -> tuple:
    claim = db.session.get(Claim, claim_id)
    return claim.reference, claim.session_id, claim.status, claim.total, repr(claim.decision), claim.payment_reference


def test_nothing_is_removed_within_the_period(app, old):
    outcome = retention.run(old["admin"], old["last_kept_day"])
    assert outcome.claims == [] and outcome.receipts == 0
    assert db.session.get(User, old["a"].id).iban is not None


def test_dry_run_tells_and_changes_nothing(app, old):
    events = AuditEvent.query.count()
    outcome = retention.run(old["admin"], old["due_day"], dry_run=True)
    assert outcome.claims == [old["paid"].reference, old["rejected"].reference]
    assert (outcome.receipts, outcome.receipt_files, outcome.documents, outcome.ibans) == (3, 1, 1, 1)
    assert outcome.payment_files == 1
    db.session.expire_all()
    assert AuditEvent.query.count() == events and Receipt.query.count() == 4
    assert documents.stored(db.session.get(Claim, old["paid"].id).document)


def test_past_the_period_personal_data_goes_and_the_ledger_stays(app, old):
    paid_id, rejected_id, draft_id = old["paid"].id, old["rejected"].id, old["draft"].id
    figures = {i: _figures(i) for i in (paid_id, rejected_id)}
    draft_before = repr(db.session.get(Claim, draft_id).body)
    pdf_hash = db.session.get(Claim, paid_id).document.sha256
    ticket_sha, other_sha = old["ticket"].sha256, old["other"].sha256

    outcome = retention.run(old["admin"], old["due_day"])
    db.session.expire_all()

    assert outcome.claims == [old["paid"].reference, old["rejected"].reference]
    for claim_id in (paid_id, rejected_id):
        claim = db.session.get(Claim, claim_id)
        assert _figures(claim_id) == figures[claim_id]  # reference, session, status, totals, decision, payment
        assert claim.body["trip"]["start_place"] == "" and claim.status_reason is None
        assert claim.decision_texts is None  # the other languages' copies of the texts go too
        text = repr(claim.body)
        assert "Kotikatu" not in text and "Juna" not in text and old["ticket"].id not in text
        assert claim.body["trip"]["departure"] and claim.body["expenses"][1]["km"] == 12
        assert claim.events[-1].action == "retention" and claim.events[-1].actor_id == old["admin"].id
    # Receipts: A's rows are gone; the file with C's bytes stays for C's draft, the other file is gone.
    assert {r.id for r in Receipt.query.all()} == {old["shared"].id}
    assert receipt_store().exists(ticket_sha) and not receipt_store().exists(other_sha)
    # The PDF file is gone, its row and hash stay; the payment file is emptied, its figures stay.
    document = ClaimDocument.query.filter_by(claim_id=paid_id).one()
    assert document.sha256 == pdf_hash and not documents.stored(document)
    batch = db.session.get(PaymentBatch, old["batch"].id)
    assert batch.xml == b"" and batch.count == 1 and batch.paid_reference == "RF18 1234"
    # A has nothing left open: the IBAN goes. C's draft is untouched and C keeps theirs.
    assert db.session.get(User, old["a"].id).iban is None
    assert db.session.get(User, old["c"].id).iban is not None
    assert repr(db.session.get(Claim, draft_id).body) == draft_before
    # The audit trail stays whole and says what happened.
    assert audit.verify_chain() == []
    # A second run finds nothing more to do.
    again = retention.run(old["admin"], old["due_day"])
    assert again.claims == [] and again.receipts == 0 and again.documents == 0


def test_iban_stays_while_the_mentor_has_a_newer_claim(app, old):
    make_claim(old["a"], "draft", car_body("2024-04-23"))
    retention.run(old["admin"], old["due_day"])
    assert db.session.get(User, old["a"].id).iban is not None


def test_removed_documents_answer_410_with_a_clear_message(app, client, old):
    paid_id = old["paid"].id
    retention.run(old["admin"], old["due_day"])
    mentor_token = make_token(old["a"])
    api = client.get(f"/api/v1/claims/{paid_id}/summary.pdf", headers={"Authorization": f"Bearer {mentor_token}"})
    assert api.status_code == 410 and "retention period" in api.json["error"]
    sign_in(client, old["a"])
    page = client.get(f"/claims/{paid_id}/summary.pdf")
    assert page.status_code == 410 and "retention period" in page.get_data(as_text=True)
    # The claim itself is still shown, saying why there is no PDF to download, with the kept fingerprint.
    shown = client.get(f"/claims/{paid_id}").get_data(as_text=True)
    assert f"/claims/{paid_id}/summary.pdf" not in shown and "removed at the end of its retention period" in shown
    assert ClaimDocument.query.filter_by(claim_id=paid_id).one().sha256 in shown
    auditor = app.test_client()
    sign_in(auditor, make_user("auditor"))
    with auditor.get("/audit/export.zip") as answer:
        archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    assert sorted(archive.namelist()) == ["ledger-data.csv", "ledger.csv", "manifest.sha256"]  # no PDF: removed
    [row] = csv.DictReader(io.StringIO(archive.read("ledger-data.csv").decode("utf-8-sig")))
    assert row["pdf_sha256"] == ClaimDocument.query.filter_by(claim_id=paid_id).one().sha256
    finance = app.test_client()
    sign_in(finance, make_user("finance"))
    assert finance.get(f"/finance/payments/{old['batch'].id}/pain001.xml").status_code == 410


def test_command(app, runner, old):
    day = old["due_day"].isoformat()
    dry = runner.invoke(args=["retention", "--by", old["admin"].email, "--dry-run", "--as-of", day])
    assert dry.exit_code == 0, dry.output
    assert "Would remove the personal data of 2 claim(s)" in dry.output and old["paid"].reference in dry.output
    refused = runner.invoke(args=["retention", "--by", old["a"].email])
    assert refused.exit_code == 1 and "not an admin" in refused.output
    done = runner.invoke(args=["retention", "--by", old["admin"].email, "--as-of", day])
    assert done.exit_code == 0 and "Removed the personal data of 2 claim(s)" in done.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_retention_years_are_configurable(app, old):
    app.config["RETENTION_YEARS"] = 1
    assert retention.run(old["admin"], date(old["year"] + 1, 12, 31)).claims == []
    assert len(retention.run(old["admin"], date(old["year"] + 2, 1, 1)).claims) == 2


@pytest.mark.parametrize("value", ["ten", "-"])
def test_bad_retention_setting_is_named(value, monkeypatch, tmp_path):
    from expenses import create_app
    from expenses.config import ConfigError

    monkeypatch.setenv("EXPENSES_RETENTION_YEARS", value)
    with pytest.raises(ConfigError, match="EXPENSES_RETENTION_YEARS"):
        create_app({"TESTING": True, "ENV_NAME": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
