"""POST /receipts: a mentor's receipt file, checked by its content, refused with 422 naming `file`."""

import hashlib

import pytest

from expenses.models import Receipt
from tests.api.client import field_names
from tests.factories import PDF_BYTES, PNG_BYTES, javascript_pdf, make_user, png_header


def test_mentor_uploads_a_receipt(api_as):
    mentor = make_user("mentor")
    answer = api_as(mentor).upload(PDF_BYTES)
    assert answer.status_code == 201
    assert set(answer.json) == {"id", "sha256", "content_type", "size"}
    assert answer.json["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert answer.json["content_type"] == "application/pdf"
    assert answer.json["size"] == len(PDF_BYTES)
    stored = Receipt.query.filter_by(id=answer.json["id"]).one()
    assert stored.owner_id == mentor.id


def test_type_comes_from_the_content_not_the_name(api_as):
    answer = api_as(make_user("mentor")).upload(PNG_BYTES, "receipt.pdf")
    assert answer.status_code == 201
    assert answer.json["content_type"] == "image/png"


@pytest.mark.parametrize(
    "data", [b"", b"just some text, not a receipt", b"GIF89a........"], ids=["empty", "text", "gif"]
)
def test_unusable_file_is_422_naming_file(api_as, data):
    answer = api_as(make_user("mentor")).upload(data, "receipt.pdf")
    assert field_names(answer) == ["file"]
    assert answer.json["errors"][0]["message"]
    assert Receipt.query.count() == 0


def test_file_over_the_limit_is_422(app, api_as):
    app.config["MAX_RECEIPT_BYTES"] = 1024
    answer = api_as(make_user("mentor")).upload(PDF_BYTES + b"0" * 1024)
    assert field_names(answer) == ["file"]
    assert "larger than" in answer.json["errors"][0]["message"]
    assert Receipt.query.count() == 0


def test_file_at_the_limit_is_accepted(app, api_as):
    app.config["MAX_RECEIPT_BYTES"] = 1024
    data = PDF_BYTES + b"0" * (1024 - len(PDF_BYTES))
    assert api_as(make_user("mentor")).upload(data).status_code == 201


def test_missing_file_field_is_422(api_as):
    answer = api_as(make_user("mentor")).post("/receipts", json={"file": "receipt.pdf"})
    assert field_names(answer) == ["file"]


@pytest.mark.parametrize("role", ["actor", "finance", "auditor", "admin"])
def test_only_mentors_upload(api_as, role):
    answer = api_as(make_user(role)).upload()
    assert answer.status_code == 403
    assert answer.json["error"]


def test_upload_needs_a_token(api_as):
    assert api_as(None).upload().status_code == 401


@pytest.mark.parametrize(
    ("build", "says"),
    [(javascript_pdf, "JavaScript"), (lambda: png_header(65535, 65535), "65535 × 65535 pixels")],
)
def test_a_hostile_file_is_refused_with_422_saying_why(api_as, build, says):
    answer = api_as(make_user("mentor")).upload(build(), "receipt.pdf")
    assert answer.status_code == 422
    assert says in answer.json["errors"][0]["message"] and answer.json["errors"][0]["field"] == "file"
