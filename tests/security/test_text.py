"""Text that cannot be stored: control characters and over-long values get 422 or a form error, never a 500.

PostgreSQL refuses NUL in text and values longer than their column; SQLite stores both. So every
test here runs on both databases and expects the same refusal, wherever the text comes in.
"""


import pytest

from expenses.accounts import AccountError, create_user, find_user
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, User
from expenses.text import TextRefused, limit
from tests.factories import (
    csrf_token,
    make_claim,
    make_receipt,
    make_token,
    make_user,
    new_client,
    post_form,
    sign_in,
    train_body,
)
from tests.web.test_admin import admin_client, upload, user_count


def _api(client, token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def mentor(app):
    return make_user("mentor")


def _rows() -> tuple[int, int]:
    return db.session.query(Claim).count(), db.session.query(AuditEvent).count()


def test_sign_in_with_nul_in_the_email_is_a_form_error(app, client):
    token = csrf_token(client)
    form = {"email": "a\x00@test.fi", "password": "whatever-password", "csrf_token": token}
    answer = client.post("/login", data=form)
    assert answer.status_code == 200
    assert "Remove the control character U+0000" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims?session=%00",
        "/api/v1/claims?status=submitted&session=2023%0A",
        "/api/v1/claims?%00=1",
    ],
)
def test_api_query_parameters_with_control_characters_get_422(app, client, mentor, path):
    answer = client.get(path, headers=_api(client, make_token(mentor)))
    assert answer.status_code == 422 and answer.is_json
    assert answer.json["code"] == "invalid" and "U+00" in answer.json["errors"][0]["message"]


@pytest.mark.parametrize("path", ["/audit/?mentor=%00", "/audit/export.zip?mentor=%00", "/audit/?mentor=a%1Bb"])
def test_auditor_filters_with_control_characters_get_422(app, client, path):
    assert sign_in(client, make_user("auditor")).status_code == 302
    answer = client.get(path)
    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert "Remove the control character" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(session="2023\u0000"), "session"),
        (lambda b: b["trip"].update(start_place="Oulu\u0000"), "trip.start_place"),
        (lambda b: b["expenses"][0].update(description="a\u007fb"), "expenses[0].description"),
        (lambda b: b.update({"x\u0000": 1}), "x\u0000"),
        (lambda b: b["trip"].update(start_place="\ud800"), "trip.start_place"),
    ],
)
def test_api_claim_bodies_with_control_characters_get_422(app, client, mentor, change, field):
    body = train_body(None)
    change(body)
    before = _rows()
    headers = _api(client, make_token(mentor))
    for path in ("/api/v1/claims", "/api/v1/claims/preview"):
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == 422, (path, answer.get_data(as_text=True))
        assert answer.json["errors"][0]["field"] == field
    assert _rows() == before


def test_preview_with_nul_in_a_receipt_id_gets_422(app, client, mentor):
    body = train_body("a\u0000b")
    answer = client.post("/api/v1/claims/preview", json=body, headers=_api(client, make_token(mentor)))
    assert answer.status_code == 422 and answer.json["errors"][0]["field"] == "expenses[0].receipt"


def test_a_reason_keeps_its_line_breaks_but_not_a_nul(app, client):
    claim = make_claim(status="submitted")
    officer = make_user("finance")
    headers = _api(client, make_token(officer))
    refused = client.post(f"/api/v1/claims/{claim.id}/return", json={"reason": "check\u0000this"}, headers=headers)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "reason"
    assert db.session.get(Claim, claim.id).status == "submitted"
    kept = client.post(f"/api/v1/claims/{claim.id}/return", json={"reason": "check\r\nthis"}, headers=headers)
    assert kept.status_code == 200 and kept.json["status"] == "returned"


def test_an_over_long_session_gets_422_naming_the_session(app, client, mentor):
    body = train_body(None)
    body["session"] = "2023-09-22" + 30 * "x"
    before = _rows()
    answer = client.post("/api/v1/claims", json=body, headers=_api(client, make_token(mentor)))
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.json["errors"] == [{"field": "session", "message": "At most 20 characters."}]
    assert _rows() == before


@pytest.mark.parametrize("name", ["Evil\x00Name", "Evil\r\nBcc: all@example.fi", "x" * 201])
def test_admin_form_refuses_names_that_cannot_be_stored(app, name):
    client, _admin = admin_client(app)
    before = user_count()
    answer = post_form(client, "/admin/users", {"email": "new@example.fi", "name": name, "role": "mentor"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Remove the control character" in page or "200 characters" in page
    assert user_count() == before


@pytest.mark.parametrize(
    "line", [b"maija@example.fi,Maija\x00M,mentor", b'maija@example.fi,"Maija\nBcc: x@y.fi",mentor']
)
def test_roster_import_refuses_control_characters(app, line):
    client, _admin = admin_client(app)
    before = user_count()
    answer = upload(client, b"email,name,role\n" + line + b"\n")
    assert answer.status_code == 422
    assert "Remove the control character" in answer.get_data(as_text=True)
    assert user_count() == before


def test_cli_refuses_a_name_with_a_line_break(app, runner):
    result = runner.invoke(
        args=["users", "create", "k@example.fi", "--name", "K\nBcc: x@y.fi", "--role", "mentor"],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 1 and "U+000A" in result.output
    assert find_user("k@example.fi") is None


def test_accounts_refuse_names_and_emails_past_their_columns(app):
    with pytest.raises(AccountError, match="200"):
        create_user("long@example.fi", "x" * 201, "mentor")
    with pytest.raises(AccountError, match=r"U\+0000"):
        create_user("a\x00@example.fi", "A", "mentor")


def test_the_flush_refuses_what_slipped_past_every_form(app):
    """The last line: a column's limit comes from the model, and nothing over it reaches the database."""
    assert limit(User.name) == 200 and limit(Claim.session_id) == 20
    user = make_user("mentor")
    user.name = "x" * 201
    with pytest.raises(TextRefused, match=r"name: .*200"):
        db.session.flush()
    db.session.rollback()
    user.name = "Tab\tName"
    with pytest.raises(TextRefused, match=r"U\+0009"):
        db.session.flush()
    db.session.rollback()
    claim = make_claim(user)
    claim.status_reason = "two\nlines"  # a Text column may have several lines
    db.session.commit()


def test_a_receipt_upload_name_with_control_characters_is_stored(app, mentor):
    """An upload's own name is the browser's: it is cleaned, never refused, so no receipt is lost."""
    receipt = make_receipt(mentor, filename="kuitti\x00\n.pdf")
    assert "\x00" not in receipt.filename and "\n" not in receipt.filename


def test_a_web_claim_form_with_a_control_character_keeps_what_was_typed(app, mentor):
    client = new_client(app)
    assert sign_in(client, mentor).status_code == 302
    answer = post_form(client, "/claims/new", {"start_place": "Oulu\x00", "session": "2023-09-22"})
    assert answer.status_code in (200, 422)
    page = answer.get_data(as_text=True)
    assert "Remove the control character U+0000" in page
    assert db.session.query(Claim).count() == 0
