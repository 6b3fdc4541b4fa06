"""Input limits: oversize requests get 413; uploads are judged by content and size; file names are never trusted."""

import io
from pathlib import Path

import pytest

from expenses.models import AuditEvent, Claim, Receipt
from tests.factories import PDF_BYTES, csrf_token, make_token, make_user, sign_in, train_body

TOO_LARGE = "The upload is too large."
BODY_TOO_LARGE = "The request is too large: at most 4096 B can be sent at once."
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
NOT_RECEIPTS = {
    "program named .pdf": (EXE, "receipt.pdf"),
    "html named .pdf": (b"<html><script>alert(1)</script></html>", "receipt.pdf"),
    "gif named .png": (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, "receipt.png"),
    "svg named .png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "receipt.png"),
    "zip named .jpg": (b"PK\x03\x04" + b"\x00" * 40, "receipt.jpg"),
    "pdf signature too late": (b" %PDF-1.4\n%%EOF", "receipt.pdf"),
    "empty": (b"", "receipt.pdf"),
}


def _rows() -> tuple[int, int, int]:
    return Claim.query.count(), Receipt.query.count(), AuditEvent.query.count()


def _store_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["RECEIPTS_DIR"]).rglob("*") if p.is_file())


@pytest.fixture
def mentor_client(app, client):
    mentor = make_user("mentor")
    sign_in(client, mentor)
    client.mentor = mentor
    client.token = make_token(mentor)
    return client


# --- 413 -----------------------------------------------------------------------------------------


def test_oversize_form_gets_a_413_page(app, mentor_client):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = _rows()
    token = csrf_token(mentor_client, "/password")
    upload = mentor_client.post(
        "/claims/receipts",
        data={"csrf_token": token, "file": (io.BytesIO(PDF_BYTES + b"0" * 8000), "big.pdf")},
        content_type="multipart/form-data",
    )
    form = mentor_client.post("/claims/new", data={"csrf_token": token, "trip-start_place": "x" * 8000})
    for answer, message in ((upload, TOO_LARGE), (form, BODY_TOO_LARGE)):
        assert answer.status_code == 413 and answer.mimetype == "text/html"
        page = answer.get_data(as_text=True)
        assert message in page and '<html lang="en">' in page and "<h1>" in page
    assert _rows() == before and _store_files(app) == []


def test_oversize_api_request_gets_413_json(app, mentor_client):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = _rows()
    headers = {"Authorization": f"Bearer {mentor_client.token}"}
    body = train_body(None)
    body["trip"]["start_place"] = "x" * 8000
    answers = [
        mentor_client.post("/api/v1/claims", json=body, headers=headers),
        mentor_client.post("/api/v1/claims/preview", json=body, headers=headers),
        mentor_client.post(
            "/api/v1/receipts",
            data={"file": (io.BytesIO(PDF_BYTES + b"0" * 8000), "big.pdf")},
            content_type="multipart/form-data",
            headers=headers,
        ),
    ]
    # Receipts are named only for the upload; a JSON body is told its own limit.
    for answer, message in zip(answers, (BODY_TOO_LARGE, BODY_TOO_LARGE, TOO_LARGE), strict=True):
        assert answer.status_code == 413 and answer.is_json
        assert message in answer.json["error"]
    assert _rows() == before and _store_files(app) == []


# --- uploads --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(NOT_RECEIPTS))
def test_files_that_are_not_receipts_are_refused_on_every_upload_path(app, mentor_client, case):
    data, filename = NOT_RECEIPTS[case]
    headers = {"Authorization": f"Bearer {mentor_client.token}"}
    token = csrf_token(mentor_client, "/password")
    api = mentor_client.post(
        "/api/v1/receipts",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )
    page = mentor_client.post(
        "/claims/receipts",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert api.status_code == 422 and api.json["errors"][0]["field"] == "file"
    assert page.status_code == 400 and page.json["error"]
    for message in (api.json["errors"][0]["message"], page.json["error"]):
        assert "PDF, JPEG and PNG" in message or "empty" in message
    assert Receipt.query.count() == 0 and _store_files(app) == []


def test_oversize_receipt_is_refused_and_leaves_no_file(app, mentor_client):
    app.config["MAX_RECEIPT_BYTES"] = 1024
    big = PDF_BYTES + b"0" * 4096
    headers = {"Authorization": f"Bearer {mentor_client.token}"}
    api = mentor_client.post(
        "/api/v1/receipts",
        data={"file": (io.BytesIO(big), "big.pdf")},
        content_type="multipart/form-data",
        headers=headers,
    )
    page = mentor_client.post(
        "/claims/receipts",
        data={"csrf_token": csrf_token(mentor_client, "/password"), "file": (io.BytesIO(big), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert api.status_code == 422 and "larger than" in api.json["errors"][0]["message"]
    assert page.status_code == 400 and "larger than" in page.json["error"]
    assert Receipt.query.count() == 0
    # Not even a half-written temporary file is left behind.
    assert list(Path(app.config["RECEIPTS_DIR"]).rglob("*.*")) == [] and _store_files(app) == []


HOSTILE_NAMES = [
    "../../../../etc/passwd.pdf",
    "..\\..\\windows\\system32\\evil.pdf",
    "/absolute/path/receipt.pdf",
    "receipt\t\x1b[31m\u202egpj.pdf",  # a tab, a terminal escape and a right-to-left override
    "nul\x00byte.pdf",
    "a" * 400 + ".pdf",
    "",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_file_names_are_never_trusted(app, mentor_client, name):
    headers = {"Authorization": f"Bearer {mentor_client.token}"}
    answer = mentor_client.post(
        "/api/v1/receipts",
        data={"file": (io.BytesIO(PDF_BYTES), name)},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert answer.status_code == 201, answer.json
    receipt = Receipt.query.one()
    stored = receipt.filename
    assert "/" not in stored and "\\" not in stored and stored.isprintable() and 0 < len(stored) <= 120
    # The bytes are kept under their hash, inside the store, whatever the name said.
    store = Path(app.config["RECEIPTS_DIR"]).resolve()
    assert _store_files(app) == [store / receipt.sha256[:2] / receipt.sha256]
    with mentor_client.get(f"/receipts/{receipt.id}") as served:
        disposition = served.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split("filename")[-1]
        assert served.get_data() == PDF_BYTES
