"""The approval PDF: its content, its embedded data, PDF/A-3b, storage, signing and verification."""

import datetime as dt
import io
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from expenses import documents, pdf, workflow
from expenses.models import AuditEvent
from tests.factories import make_claim, make_receipt, make_user, train_body


def _text(data: bytes) -> str:
    # Babel puts a no-break space between the amount and the euro sign; compare with plain spaces.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def approved(app):
    mentor = make_user("mentor", name="Åsa O'Brien-Ääninen")
    body = train_body(make_receipt(mentor, filename="juna.pdf").id)
    body["expenses"].append(
        {
            "type": "other",
            "date": "2023-09-22",
            "description": "Parking",
            "amount": "22.30",
            "receipt": make_receipt(mentor, filename="parking.pdf").id,
        }
    )
    approver = make_user("finance", name="Heikki Hyväksyjä")
    return make_claim(mentor, "approved", body=body, approver=approver)


def test_summary_shows_every_line_total_people_and_identifier(approved):
    text = _text(documents.read(approved.document))
    for line in approved.decision["lines"]:
        assert line["amount"].replace(".", ",") + " €" in text
    assert "230,30 €" in text  # 48.00 + 160.00 + 22.30, in Finnish format
    assert "Åsa O'Brien-Ääninen" in text
    assert "Heikki Hyväksyjä" in text
    assert approved.reference in text
    assert approved.document.id in text
    assert "Yhteinen aloitustapaaminen" in text  # the session, in the claimant's language


def test_summary_lists_receipts_with_their_hashes(approved):
    text = _text(documents.read(approved.document)).replace("\n", "")
    assert "juna.pdf" in text and "parking.pdf" in text


def test_embedded_json_equals_stored_claim_and_decision(approved):
    reader = PdfReader(io.BytesIO(documents.read(approved.document)))
    [embedded] = reader.attachments[pdf.ATTACHMENT_NAME]
    data = json.loads(embedded)
    assert data["decision"] == approved.decision
    assert data["claim"]["trip"] == approved.body["trip"]
    assert data["claim"]["claimant"]["name"] == approved.mentor.name


def test_xmp_metadata_declares_pdf_a_3b(approved):
    xmp = PdfReader(io.BytesIO(documents.read(approved.document))).xmp_metadata
    raw = xmp.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in raw or 'pdfaid:part="3"' in raw
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in raw or 'pdfaid:conformance="B"' in raw


def test_stored_document_is_recorded_with_its_hash_and_verifies(approved):
    data = documents.read(approved.document)
    assert approved.document.size == len(data)
    result = documents.verify(data)
    assert result["valid"] is True
    assert result["claim"]["reference"] == approved.reference
    assert result["signed"] is False


def test_changed_byte_fails_verification(approved):
    data = bytearray(documents.read(approved.document))
    data[len(data) // 2] ^= 0x01
    assert documents.verify(bytes(data))["valid"] is False


def test_failed_rendering_leaves_claim_checked_without_approval(app, monkeypatch):
    claim = make_claim(status="checked")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pdf, "render", broken)
    with pytest.raises(workflow.NotApproved):
        workflow.approve(claim.id, make_user("finance"))
    claim = workflow.get_claim(claim.id, claim.mentor)
    assert claim.status == "checked"
    assert claim.document is None
    assert AuditEvent.query.filter_by(claim_id=claim.id, action="approve").count() == 0


def _test_certificate(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test signer, Ministry of Finance")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def test_signed_summary_verifies_offline(app, tmp_path):
    app.config["SIGNING_KEY"], app.config["SIGNING_CERT"] = _test_certificate(tmp_path)
    claim = make_claim(status="approved")
    assert claim.document.signed is True
    data = documents.read(claim.document)
    result = documents.verify(data)
    assert result == result | {"valid": True, "signed": True, "signature_valid": True}
    tampered = bytearray(data)
    tampered[len(tampered) // 3] ^= 0x01
    assert documents.verify(bytes(tampered))["valid"] is False
