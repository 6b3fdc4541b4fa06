"""The PDF download and the verify page, as finance, auditors and mentors use them."""

import csv
import io
import zipfile

from expenses import documents, signing
from tests.factories import make_claim, make_user, post_form, sign_in


def test_mentor_downloads_own_summary_byte_for_byte_twice(client):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "approved")
    sign_in(client, mentor)
    first = client.get(f"/claims/{claim.id}/summary.pdf")
    second = client.get(f"/claims/{claim.id}/summary.pdf")
    assert first.status_code == 200 and first.data == second.data == documents.read(claim.document)
    assert f"{claim.reference}.pdf" in first.headers["Content-Disposition"]
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert claim.document.sha256 in page


def test_other_mentor_gets_404_for_the_summary(client):
    claim = make_claim(status="approved")
    sign_in(client, make_user("mentor"))
    assert client.get(f"/claims/{claim.id}/summary.pdf").status_code == 404


def test_auditor_page_shows_hash_and_unsigned_state(client):
    claim = make_claim(status="paid")
    sign_in(client, make_user("auditor"))
    page = client.get(f"/audit/claims/{claim.id}").get_data(as_text=True)
    assert claim.document.sha256 in page
    assert "Not signed" in page
    assert f"/claims/{claim.id}/summary.pdf" in page


def test_verify_page_says_genuine_or_not(client):
    claim = make_claim(status="approved")
    data = documents.read(claim.document)
    sign_in(client, make_user("auditor"))
    genuine = post_form(client, "/verify", {"file": (io.BytesIO(data), "x.pdf")}, content_type="multipart/form-data")
    assert "Genuine:" in genuine.get_data(as_text=True)
    assert claim.reference in genuine.get_data(as_text=True)
    changed = data.replace(b"%PDF-1.7", b"%PDF-1.6", 1) if b"%PDF-1.7" in data else data + b"\n"
    forged = post_form(client, "/verify", {"file": (io.BytesIO(changed), "x.pdf")}, content_type="multipart/form-data")
    assert "Not genuine:" in forged.get_data(as_text=True)


def _check(client, data: bytes, lang: str = "en") -> str:
    answer = post_form(
        client, f"/verify?lang={lang}", {"file": (io.BytesIO(data), "x.pdf")}, content_type="multipart/form-data"
    )
    assert answer.status_code == 200
    return " ".join(answer.get_data(as_text=True).split())


def test_verify_page_tells_signed_unsigned_and_changed_apart_in_words(app, client, tmp_path):
    unsigned = documents.read(make_claim(status="approved").document)
    key, cert = signing.make_trial_key(tmp_path / "keys", "Trial signer", days=30)
    app.config["SIGNING_KEY"], app.config["SIGNING_CERT"] = str(key), str(cert)
    signed = documents.read(make_claim(status="approved").document)
    changed = bytearray(signed)
    changed[len(changed) // 3] ^= 0x01
    sign_in(client, make_user("auditor"))

    page = _check(client, signed)
    assert "its electronic signature is valid: nobody has changed it since it was signed." in page
    assert "Trial signer" in page
    page = _check(client, unsigned)
    assert "It carries no electronic signature, because none was set up when it was approved" in page
    page = _check(client, bytes(changed))
    assert "Not genuine:" in page and "it has been changed since." in page
    assert "Its electronic signature no longer matches its content" in page
    # The same three in Finnish and Swedish.
    assert "sen sähköinen allekirjoitus on voimassa" in _check(client, signed, "fi")
    assert "Den har ingen elektronisk signatur" in _check(client, unsigned, "sv")
    assert "den här filen är inte en sammanfattning så som tjänsten utfärdade den" in _check(
        client, bytes(changed), "sv"
    )


def test_verify_page_needs_a_file_and_the_right_role(client):
    sign_in(client, make_user("finance"))
    answer = post_form(client, "/verify", {}, content_type="multipart/form-data")
    assert "Choose the PDF file to check." in answer.get_data(as_text=True)
    client.post("/logout")
    sign_in(client, make_user("mentor"))
    assert client.get("/verify").status_code == 403


def test_auditor_downloads_the_filtered_selection_as_zip(client):
    paid = make_claim(status="paid")
    approved = make_claim(status="approved")
    sign_in(client, make_user("auditor"))
    listing = client.get("/audit/?status=paid").get_data(as_text=True)
    assert "/audit/export.zip?status=paid" in listing
    answer = client.get("/audit/export.zip?status=paid")
    assert answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert sorted(archive.namelist()) == sorted(
        ["ledger.csv", "ledger-data.csv", "manifest.sha256", f"{paid.reference}/{paid.reference}.pdf"]
    )
    [row] = csv.DictReader(io.StringIO(archive.read("ledger-data.csv").decode("utf-8-sig")))
    assert row["reference"] == paid.reference != approved.reference
