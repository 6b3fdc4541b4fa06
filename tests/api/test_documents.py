"""GET /claims/{id}/summary.pdf and POST /verify."""

import io

from expenses import documents
from tests.factories import make_claim, make_user


def _verify(api, data: bytes):
    return api.post("/verify", data={"file": (io.BytesIO(data), "summary.pdf")}, content_type="multipart/form-data")


def test_summary_is_the_stored_bytes_every_time(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "approved")
    stored = documents.read(claim.document)
    for user in (mentor, make_user("finance"), make_user("auditor")):
        answer = api_as(user).get(f"/claims/{claim.id}/summary.pdf")
        assert answer.status_code == 200
        assert answer.mimetype == "application/pdf"
        assert answer.data == stored
        assert answer.headers["ETag"] == f'"{claim.document.sha256}"'


def test_claim_answer_names_its_document(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "paid")
    document = api_as(mentor).get(f"/claims/{claim.id}").json["document"]
    assert document["sha256"] == claim.document.sha256
    assert document["url"].endswith(f"/claims/{claim.id}/summary.pdf")


def test_no_summary_before_approval_and_none_of_someone_elses(api_as):
    mentor = make_user("mentor")
    checked = make_claim(mentor, "checked")
    assert api_as(mentor).get(f"/claims/{checked.id}/summary.pdf").status_code == 409
    approved = make_claim(status="approved")
    assert api_as(mentor).get(f"/claims/{approved.id}/summary.pdf").status_code == 404


def test_verify_tells_genuine_from_changed(api_as):
    claim = make_claim(status="approved")
    data = documents.read(claim.document)
    api = api_as(make_user("auditor"))
    answer = _verify(api, data)
    assert answer.status_code == 200
    assert answer.json == answer.json | {"valid": True, "verdict": "unsigned", "signed": False, "signature_valid": None}
    assert answer.json["claim"] == {"id": claim.id, "reference": claim.reference}
    changed = bytearray(data)
    changed[100] ^= 0x20
    forged = _verify(api, bytes(changed)).json
    assert forged == forged | {"valid": False, "verdict": "changed"}
    assert _verify(api, b"not a pdf at all").json == {
        "valid": False, "verdict": "changed", "claim": None, "signed": False, "signature_valid": None, "signer": None,
        "sha256": answer.json["sha256"] and _verify(api, b"not a pdf at all").json["sha256"],
    }  # fmt: skip


def test_verify_is_for_finance_and_auditors(api_as):
    assert _verify(api_as(make_user("mentor")), b"%PDF-").status_code == 403
    assert _verify(api_as(make_user("finance")), b"%PDF-").status_code == 200


def test_verify_without_file_names_the_field(api_as):
    answer = api_as(make_user("auditor")).post("/verify", data={}, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json["errors"]] == ["file"]
