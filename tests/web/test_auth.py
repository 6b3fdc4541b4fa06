"""Sign-in, sign-out, password change, each role's home page and the language of the pages."""

import re
from urllib.parse import quote

import pytest

from expenses.extensions import db
from tests.factories import PASSWORD, csrf_token, make_user, new_client, sign_in

WRONG = "The e-mail or the password is wrong."
NEW_PASSWORD = "a brand new passphrase"


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def signed_in(client) -> bool:
    return client.get("/").headers.get("Location", "") != "/login"


# --- signing in ---------------------------------------------------------------------------------


def test_sign_in_leads_home(app, client):
    mentor = make_user("mentor")
    response = sign_in(client, mentor)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/claims/"


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    user = make_user("mentor")
    wrong_password = client.post(
        "/login", data={"email": user.email, "password": "not the password", "csrf_token": csrf_token(client)}
    )
    unknown = client.post(
        "/login", data={"email": "nobody@example.fi", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    for response in (wrong_password, unknown):
        assert response.status_code == 200
        assert WRONG in response.get_data(as_text=True)
    # Nothing else on the page differs either (the e-mail typed is echoed back, and the CSRF token).
    scrub = re.compile(r'value="[^"]*"')
    assert scrub.sub("", wrong_password.get_data(as_text=True)) == scrub.sub("", unknown.get_data(as_text=True))
    assert not signed_in(client)


def test_empty_form_says_what_to_fill_in(app, client):
    page = client.post("/login", data={"csrf_token": csrf_token(client)}).get_data(as_text=True)
    assert "Enter your e-mail address." in page and "Enter your password." in page


def test_inactive_user_is_refused(app, client):
    user = make_user("finance")
    user.active = False
    db.session.commit()
    page = sign_in(client, user).get_data(as_text=True)
    assert "This account has been closed." in page
    assert not signed_in(client)
    # With a wrong password the closed account looks like any other wrong attempt.
    assert WRONG in sign_in(client, user, "not the password").get_data(as_text=True)


def test_closing_an_account_ends_its_sessions(app, client):
    user = make_user("finance")
    sign_in(client, user)
    assert signed_in(client)
    user.active = False
    db.session.commit()
    assert not signed_in(client)


def test_sign_in_without_csrf_token_is_refused(app, client):
    user = make_user("mentor")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)


def test_sign_in_starts_a_new_session_but_keeps_the_language(app, client):
    client.get("/login?lang=sv")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, make_user("mentor"))
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "sv"
        assert "_user_id" in session


def test_language_chosen_before_sign_in_becomes_the_users(app, client):
    user = make_user("mentor")
    sign_in(client, user)
    assert user.language is None  # no choice made: mail follows each claim's language
    client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    client.get("/login?lang=sv")
    sign_in(client, user)
    assert user.language == "sv"


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/claims/", "/claims/"),
        ("/claims/?status=draft", "/claims/?status=draft"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("claims", "/"),
    ],
)
def test_next_only_leads_within_the_site(app, client, target, lands):
    response = sign_in(client, make_user("mentor"), next_path=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == lands


@pytest.mark.parametrize("target", ["/\t/evil.example/", "\n//evil.example/"])
def test_a_next_with_control_characters_is_refused(app, client, target):
    # Like every query parameter holding control characters (expenses.text): 422, nobody is sent anywhere.
    assert client.get(f"/login?next={quote(target, safe='')}").status_code == 422


def test_pages_behind_sign_in_send_back_there_after(app, client):
    mentor = make_user("mentor")
    to_login = client.get("/password")
    assert to_login.status_code == 302 and to_login.headers["Location"].startswith("/login?next=")
    next_path = to_login.headers["Location"].split("next=", 1)[1]
    assert sign_in(client, mentor, next_path=next_path).headers["Location"] == "/password"


# --- signing out --------------------------------------------------------------------------------


def test_sign_out_is_post_only(app, client):
    sign_in(client, make_user("mentor"))
    assert client.get("/logout").status_code == 405
    assert signed_in(client)
    assert client.post("/logout").status_code == 400  # no CSRF token: a link elsewhere cannot sign you out
    assert signed_in(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client)
    assert "You have signed out." in client.get("/login").get_data(as_text=True)


# --- changing the password ----------------------------------------------------------------------


def change_password(client, current: str, new: str, repeat: str | None = None):
    return client.post(
        "/password",
        data={
            "current": current,
            "new": new,
            "repeat": new if repeat is None else repeat,
            "csrf_token": csrf_token(client, "/password"),
        },
    )


@pytest.mark.parametrize(
    ("current", "new", "repeat", "says"),
    [
        ("not the password", NEW_PASSWORD, None, "The current password is wrong."),
        (PASSWORD, "short", None, "The password must be at least 12 characters long."),
        (PASSWORD, "aaaaaaaaaaaa", None, "This password is too easy to guess"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "The passwords differ."),
        (PASSWORD, "", "", "Enter a new password."),
    ],
)
def test_password_change_refusals(app, client, current, new, repeat, says):
    user = make_user("mentor")
    sign_in(client, user)
    response = change_password(client, current, new, repeat)
    assert response.status_code == 200
    assert says in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.session_epoch == 1  # unchanged
    client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    assert sign_in(client, user).headers["Location"] == "/"  # the old password still works


def test_password_change_signs_out_other_sessions(app):
    user = make_user("finance")
    here, elsewhere = new_client(app), new_client(app)
    sign_in(here, user)
    sign_in(elsewhere, user)

    response = change_password(here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert "Your password has been changed." in here.get(response.headers["Location"], follow_redirects=True).text

    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert WRONG in sign_in(elsewhere, user).get_data(as_text=True)
    assert sign_in(elsewhere, user, NEW_PASSWORD).headers["Location"] == "/"


# --- homes and the actor's page ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("mentor", "/claims/"),
        ("actor", "/actor"),
        ("finance", "/finance/"),
        ("auditor", "/audit/"),
        ("admin", "/admin/"),
    ],
)
def test_front_page_leads_each_role_home(app, client, role, home):
    sign_in(client, make_user(role))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_front_page_sends_strangers_to_sign_in(app, client):
    assert client.get("/").headers["Location"] == "/login"


def test_actor_is_told_plainly_that_only_mentors_are_reimbursed(app, client):
    sign_in(client, make_user("actor"))
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Travel claims are for mentors only" in page
    assert "Actors' travel is not reimbursed" in page
    assert client.get("/claims/new").status_code == 403


# --- language ----------------------------------------------------------------------------------


def test_language_switch_sets_html_lang_and_is_remembered(app, client):
    assert html_lang(client.get("/login?lang=sv")) == "sv"
    assert html_lang(client.get("/login")) == "sv"
    assert html_lang(client.get("/login?lang=en")) == "en"
    assert html_lang(client.get("/login", headers={"Accept-Language": "sv"})) == "en"  # a choice beats the browser


def test_language_choice_is_remembered_across_a_redirect(app, client):
    assert client.get("/?lang=sv").status_code == 302
    assert html_lang(client.get("/login")) == "sv"


def test_unknown_language_is_ignored(app, client, visitor):
    assert html_lang(visitor.get("/login?lang=de")) == "fi"  # no language stated: the default
    assert html_lang(client.get("/login?lang=de")) == "en"  # the browser's language still decides
    assert html_lang(client.get("/login")) == "en"  # and nothing was remembered


@pytest.mark.parametrize(
    ("accept", "lang"),
    [("sv-FI,sv;q=0.9,en;q=0.5", "sv"), ("en-GB,en;q=0.9", "en"), ("de-DE,de;q=0.9", "fi"), (None, "fi")],
)
def test_browser_language_decides_until_a_choice_is_made(app, visitor, accept, lang):
    headers = {"Accept-Language": accept} if accept else {}
    assert html_lang(visitor.get("/login", headers=headers)) == lang


def test_language_survives_sign_in_and_out(app, client):
    user = make_user("mentor")
    client.get("/login?lang=en")
    sign_in(client, user)
    assert html_lang(client.get("/password")) == "en"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    assert html_lang(client.get("/login")) == "en"


def test_language_links_keep_the_page(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login?lang=sv"' in page and 'hreflang="sv"' in page


def test_signing_out_ends_the_session_on_the_server(app, client):
    user = make_user("mentor")
    sign_in(client, user)
    copy = new_client(app)
    copy.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    assert signed_in(copy)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    assert not signed_in(client)
    assert not signed_in(copy)  # a copied cookie no longer works after /logout
