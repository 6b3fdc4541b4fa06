"""The approval PDF: its content, its embedded data, PDF/A-3b and tagging, storage, signing and verification."""

import io
import json
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from expenses import documents, pdf, signing, workflow
from expenses.extensions import db
from expenses.models import AuditEvent
from expenses.storage import document_store
from rules import describe
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


@pytest.fixture
def signing_key(app, tmp_path):
    """The service signs with a trial key, as `flask documents keygen` makes one."""
    key, cert = signing.make_trial_key(tmp_path / "signing", "Test signer, Ministry of Finance", days=30)
    app.config["SIGNING_KEY"], app.config["SIGNING_CERT"] = str(key), str(cert)


def test_signed_summary_verifies_offline(signing_key):
    claim = make_claim(status="approved")
    assert claim.document.signed is True
    data = documents.read(claim.document)
    result = documents.verify(data)
    assert result == result | {"valid": True, "verdict": "signed", "signed": True, "signature_valid": True}
    assert result["signer"] == "Test signer, Ministry of Finance"
    tampered = bytearray(data)
    tampered[len(tampered) // 3] ^= 0x01
    assert documents.verify(bytes(tampered)) | {"valid": False, "verdict": "changed"} == documents.verify(
        bytes(tampered)
    )


def test_a_signed_summary_changed_after_signing_is_told_apart(signing_key):
    """An incremental update appended after the signature leaves the signed bytes intact, but not the file."""
    from pypdf import PdfWriter

    data = documents.read(make_claim(status="approved").document)
    writer = PdfWriter(io.BytesIO(data), incremental=True)
    writer.add_metadata({"/Title": "Changed"})
    out = io.BytesIO()
    writer.write(out)
    result = documents.verify(out.getvalue())
    assert result["verdict"] == "changed" and result["signed"] is True and result["signature_valid"] is False


def test_unsigned_summary_verifies_as_issued_without_signature(approved):
    result = documents.verify(documents.read(approved.document))
    assert result == result | {"valid": True, "verdict": "unsigned", "signed": False, "signature_valid": None}


def test_summaries_stored_before_tagging_still_verify(approved):
    """The stored hash decides: a PDF archived by an earlier release (here untagged, plain) still verifies."""
    from weasyprint import HTML

    earlier = HTML(string="<p>An earlier summary</p>").write_pdf(pdf_variant="pdf/a-3b")
    approved.document.sha256 = document_store().put(earlier)
    db.session.commit()
    result = documents.verify(earlier)
    assert result["verdict"] == "unsigned" and result["claim"]["reference"] == approved.reference


def _tree(node, depth=0):
    """The structure tree's element types, in reading order."""
    node = node.get_object()
    found = [str(node["/S"])] if "/S" in node else []
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object()
        if hasattr(kid, "get") and kid.get("/Type") != "/MCR":
            found += _tree(kid, depth + 1)
    return found


@pytest.mark.parametrize("signed", [False, True])
def test_summary_is_tagged_for_accessibility_beside_pdf_a(app, tmp_path, signed):
    if signed:
        key, cert = signing.make_trial_key(tmp_path / "signing", "Test signer", days=30)
        app.config["SIGNING_KEY"], app.config["SIGNING_CERT"] = str(key), str(cert)
    claim = make_claim(status="approved")
    reader = PdfReader(io.BytesIO(documents.read(claim.document)))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "fi"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    elements = _tree(root["/StructTreeRoot"])
    assert elements[0] == "/Document"
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/L", "/LI"} <= set(elements)
    assert elements.index("/H1") < elements.index("/H2") < elements.index("/Table")
    raw = reader.xmp_metadata.stream.get_data().decode()
    # PDF/UA-1 declared beside PDF/A-3b, inside the one rdf:RDF (signing keeps only that one).
    assert raw.count("<rdf:RDF") == 1
    assert re.search(r'pdfuaid:part(="1"|>1<)', raw) and re.search(r'pdfaid:part(="3"|>3<)', raw)


def test_summary_says_each_rule_in_words_with_a_legend(approved):
    text = " ".join(_text(documents.read(approved.document)).split())
    for line in approved.decision["lines"]:
        rule = describe(line["rule"], "fi")
        assert line["rule"] not in text  # never the id
        assert " ".join(rule.title.split()) in text
        assert f"palvelun sääntöviitteen kohdat {rule.sections}" in text  # the legend, with its sections
    assert describe("per-diem.full", "fi").url in text.replace(" ", "")


def test_summary_subtotals_by_kind_and_claimed_against_reimbursed(approved):
    text = " ".join(_text(documents.read(approved.document)).split())
    assert "Korvaukset lajeittain" in text
    assert "Päivärahat 48,00 €" in text and "Liput 160,00 €" in text and "Muut kulut 22,30 €" in text
    assert "Haettu Korvattu" in text and "Yhteensä 230,30 € 230,30 €" in text


def test_summary_lines_show_what_was_cut_and_why():
    """A meal row (the per diem covers meals) is claimed, not reimbursed, with the finding's sentence."""
    body = {
        "expenses": [
            {"type": "meal", "amount": "12.50", "description": "Lunch"},
            {"type": "public_transport", "amount": "45.80", "receipt": "r1"},
        ]
    }
    decision = {
        "lines": [
            {"kind": "per_diem_full", "rule": "per-diem.full", "amount": "51.00", "explanation": "x"},
            {"kind": "public_transport", "rule": "travel.public-transport", "amount": "45.80", "explanation": "y"},
        ],
        "findings": [{"code": "expense_not_reimbursable", "severity": "error", "message": "Meals…", "expense": 0}],
    }
    per_diem, ticket, meal = documents.summary_lines(body, decision, "en")[0]
    assert (per_diem.claimed, per_diem.reimbursed, per_diem.cut) == (Decimal("51.00"), Decimal("51.00"), False)
    assert (ticket.claimed, ticket.reimbursed, ticket.why) == (Decimal("45.80"), Decimal("45.80"), "")
    assert (meal.what, meal.rule, meal.claimed, meal.reimbursed) == ("Lunch", None, Decimal("12.50"), Decimal("0.00"))
    assert meal.cut and meal.why == "Meals…"


def test_summary_times_have_no_seconds_and_approvals_run_in_time_order(app):
    mentor = make_user("mentor", name="Maija Mentori")
    checker, approver = make_user("finance", name="Tarja Tarkastaja"), make_user("finance", name="Heikki Hyväksyjä")
    claim = make_claim(mentor, "approved", checker=checker, approver=approver)
    text = _text(documents.read(claim.document))
    assert re.search(r"\b\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d\d\b", text)  # 23.4.2024 klo 6.00
    assert not re.search(r"(?<![\d.])\d{1,2}[.:]\d\d[.:]\d\d(?!\d)", text)  # no 10.00.00 nor 10:00:00
    approval = text[text.index("Hyväksyntä") :]
    steps = [
        approval.index(f"{step} {person}")
        for step, person in (
            ("Lähetetty", "Maija Mentori"),
            ("Tarkastettu", "Tarja Tarkastaja"),
            ("Hyväksytty", "Heikki Hyväksyjä"),
        )
    ]
    assert steps == sorted(steps)


def test_summary_gives_each_finding_code_only_beside_its_sentence(approved):
    text = " ".join(_text(documents.read(approved.document)).split())
    assert approved.decision["findings"], "the train claim is submitted late: it has a warning"
    for finding in approved.decision["findings"]:
        assert text.count(finding["code"]) == 1
        assert re.search(re.escape(" ".join(finding["message"].split())) + r".{0,20}\(" + finding["code"] + r"\)", text)
