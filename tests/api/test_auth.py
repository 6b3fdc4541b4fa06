"""Bearer tokens sign API requests; nothing else does (not the web session cookie)."""

import pytest
from flask import session

from expenses.extensions import db
from tests.factories import make_token, make_user, sign_in


def test_no_token_is_401_with_bearer_challenge(api_as):
    answer = api_as(None).get("/sessions")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in answer.json["error"]


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "token"])
def test_bad_authorization_header_is_401(client, header):
    answer = client.get("/api/v1/sessions", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json["error"]


def test_invalid_token_says_so_in_the_challenge(client):
    answer = client.get("/api/v1/sessions", headers={"Authorization": "Bearer nope"})
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_signed_in_web_session_does_not_open_the_api(app, client):
    mentor = make_user("mentor")
    assert sign_in(client, mentor).status_code == 302
    assert client.get("/claims/").status_code == 200  # the cookie does sign in the web pages
    answer = client.get("/api/v1/claims")
    assert answer.status_code == 401


def test_the_api_neither_reads_nor_renews_the_session_cookie(app, client):
    """With a token, a call that brings a browser's session along answers as the token's user and
    sends no cookie back: the session is the pages' alone."""
    mentor, officer = make_user("mentor"), make_user("finance")
    assert sign_in(client, officer).status_code == 302
    with client.session_transaction() as browser:
        browser["lang"] = "sv"
    token = make_token(mentor)
    with client:
        answer = client.get("/api/v1/claims", headers={"Authorization": f"Bearer {token}"})
        assert dict(session) == {}  # the browser's session, sent along, was not opened
    assert answer.status_code == 200 and answer.json == []  # the mentor's own claims: none
    assert "Set-Cookie" not in answer.headers


def test_token_of_a_deactivated_user_is_refused(client):
    mentor = make_user("mentor")
    token = make_token(mentor)
    mentor.active = False
    db.session.commit()
    answer = client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_scheme_name_is_case_insensitive(client):
    token = make_token(make_user("auditor"))
    assert client.get("/api/v1/sessions", headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_api_answers_are_not_cached(api_as):
    answer = api_as(make_user("mentor")).get("/claims")
    assert answer.headers["Cache-Control"] == "no-store"


def test_openapi_needs_no_token(api_as):
    answer = api_as(None).get("/openapi.json")
    assert answer.status_code == 200
    assert answer.json["openapi"].startswith("3.")


def test_unknown_api_address_is_json_404(api_as):
    answer = api_as(make_user("mentor")).get("/nothing-here")
    assert answer.status_code == 404
    assert answer.json["error"]
