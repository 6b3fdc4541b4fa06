"""Invitations and password resets by mail: the links, their single use and expiry, and what they end."""

import time
from unittest import mock

import pytest
from sqlalchemy import select

from expenses.extensions import db
from expenses.models import AccountEvent, User
from tests.factories import PASSWORD, csrf_token, make_token, make_user, new_client, post_form, sign_in
from tests.mail import body_of, link_in

NEW = "a brand new passphrase"


def _admin_client(app):
    admin = make_user("admin")
    client = new_client(app)
    sign_in(client, admin)
    return admin, client


def _set_password(client, path: str, password: str = NEW):
    return client.post(path, data={"new": password, "repeat": password, "csrf_token": csrf_token(client, path)})


def _actions(user: User) -> list[str]:
    return list(
        db.session.scalars(select(AccountEvent.action).where(AccountEvent.user_id == user.id).order_by(AccountEvent.id))
    )


def test_admin_adds_a_mentor_with_an_invitation_and_the_mentor_sets_a_password(app, inbox):
    admin, client = _admin_client(app)
    response = post_form(
        client, "/admin/users", {"email": "maija@example.fi", "name": "Maija Mentori", "role": "mentor", "invite": "y"}
    )
    assert response.status_code == 302
    mentor = db.session.scalar(select(User).where(User.email == "maija@example.fi"))
    assert mentor.invited_at is not None and mentor.password_hash is None
    [mail] = inbox.to("maija@example.fi")
    assert "Set your password" in mail["Subject"] or "salasana" in mail["Subject"].lower()
    path = link_in(mail)
    assert path.startswith("/welcome/")
    # The admin sees that the invitation is open.
    assert "not accepted yet" in client.get("/admin/").get_data(as_text=True)

    person = new_client(app)
    page = person.get(path)
    assert page.status_code == 200 and "maija@example.fi" in page.get_data(as_text=True)
    done = _set_password(person, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert sign_in(person, mentor, NEW).status_code == 302
    assert _actions(mentor) == ["invited", "password_set"]
    assert db.session.scalar(select(AccountEvent.actor_id).where(AccountEvent.action == "invited")) == admin.id
    # Used once: the same link now says so.
    again = new_client(app).get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_invitation_is_resent_and_refused_once_a_password_is_set(app, inbox):
    _admin, client = _admin_client(app)
    newcomer = make_user("mentor")
    newcomer.password_hash = None
    db.session.commit()
    assert post_form(client, f"/admin/users/{newcomer.id}/invite").status_code == 302
    assert post_form(client, f"/admin/users/{newcomer.id}/invite").status_code == 302
    assert len(inbox.to(newcomer.email)) == 2
    with_password = make_user("mentor")
    post_form(client, f"/admin/users/{with_password.id}/invite")
    assert inbox.to(with_password.email) == []
    assert "already has a password" in client.get("/admin/").get_data(as_text=True)


def test_roster_import_invites_the_new_people(app, inbox):
    _admin, client = _admin_client(app)
    known = make_user("mentor", email="known@example.fi")
    data = b"email;name;role\nknown@example.fi;Known;mentor\nnew@example.fi;New Person;mentor\n"
    import io

    response = client.post(
        "/admin/roster/import",
        data={
            "csrf_token": csrf_token(client, "/admin/"),
            "programme": "hankinta-suomi-2023-2024",
            "invite": "y",
            "file": (io.BytesIO(data), "roster.csv"),
        },
    )
    assert response.status_code == 200
    assert len(inbox.to("new@example.fi")) == 1 and inbox.to(known.email) == []


def test_users_invite_command_mails_the_link(app, inbox, runner):
    newcomer = make_user("finance")
    newcomer.password_hash = None
    db.session.commit()
    result = runner.invoke(args=["users", "invite", newcomer.email])
    assert result.exit_code == 0, result.output
    assert "7 days" in result.output
    assert link_in(inbox.to(newcomer.email)[0]).startswith("/welcome/")
    assert runner.invoke(args=["users", "invite", "nobody@example.fi"]).exit_code == 1


def _ask_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(client, "/password/forgot")})


def test_reset_answers_the_same_for_unknown_addresses_and_mails_only_real_ones(app, inbox, client):
    user = make_user("mentor")
    known = _ask_reset(client, user.email)
    unknown = _ask_reset(client, "nobody@example.fi")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "a link to set a new password is on its way" in page
    assert len(inbox.mails) == 1 and inbox.to(user.email)


def test_reset_sets_the_password_ends_other_sessions_and_tokens_and_tells_the_owner(app, inbox):
    user = make_user("mentor")
    elsewhere = new_client(app)
    sign_in(elsewhere, user)
    token = make_token(user)
    me = new_client(app)
    _ask_reset(me, user.email)
    path = link_in(inbox.to(user.email)[0])
    assert path.startswith("/password/reset/")
    assert _set_password(me, path).status_code == 302
    assert elsewhere.get("/claims/").status_code == 302  # signed out: back to sign-in
    assert me.get("/api/v1/sessions", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sign_in(me, user, PASSWORD).status_code == 200  # the old password is gone
    assert sign_in(me, user, NEW).status_code == 302
    notice = inbox.to(user.email)[-1]
    assert "password" in body_of(notice).lower() or "salasana" in body_of(notice).lower()
    assert _actions(user) == ["reset_requested", "password_reset"]


def test_expired_reused_and_altered_links_get_a_clear_page(app, inbox, client):
    user = make_user("mentor")
    _ask_reset(client, user.email)
    path = link_in(inbox.to(user.email)[0])
    later = time.time() + 61 * 60
    with mock.patch("itsdangerous.timed.time.time", return_value=later):
        expired = client.get(path)
    assert expired.status_code == 410 and "The link has expired." in expired.get_data(as_text=True)
    altered = client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert altered.status_code == 400 and "The link is not valid." in altered.get_data(as_text=True)
    assert _set_password(client, path).status_code == 302
    reused = client.get(path)
    assert reused.status_code == 410 and "already been used" in reused.get_data(as_text=True)
    # Posting to a spent link changes nothing either.
    stranger = new_client(app)
    again = {"new": "another new passphrase", "repeat": "another new passphrase", "csrf_token": csrf_token(stranger)}
    assert stranger.post(path, data=again).status_code == 410


def test_an_invitation_is_not_a_reset_link(app, inbox, client):
    user = make_user("mentor")
    _ask_reset(client, user.email)
    token = link_in(inbox.to(user.email)[0]).rsplit("/", 1)[1]
    assert client.get(f"/welcome/{token}").status_code == 400


def test_reset_is_refused_for_a_short_password_with_the_reason(app, inbox, client):
    user = make_user("mentor")
    _ask_reset(client, user.email)
    path = link_in(inbox.to(user.email)[0])
    response = _set_password(client, path, "short")
    assert response.status_code == 422 and "at least 12 characters" in response.get_data(as_text=True)


def test_reset_requests_are_limited_per_account(app, inbox, client):
    app.config["RESET_LIMIT_PER_ACCOUNT"] = "2 per hour"
    user = make_user("mentor")
    answers = [_ask_reset(new_client(app), user.email).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert len(inbox.to(user.email)) == 2


def test_reset_requests_are_limited_per_address(app, inbox, client):
    app.config["RESET_LIMIT_PER_ADDRESS"] = "2 per hour"
    answers = [_ask_reset(client, f"someone{n}@example.fi").status_code for n in range(3)]
    assert answers == [302, 302, 429]


@pytest.mark.parametrize("language, words", [("fi", "Unohditko salasanasi?"), ("sv", "Glömt ditt lösenord?")])
def test_the_forgot_page_is_translated(app, language, words):
    assert words in new_client(app, language).get("/login").get_data(as_text=True)


def test_admin_sends_a_reset_link(app, inbox):
    admin, client = _admin_client(app)
    user = make_user("mentor")
    assert post_form(client, f"/admin/users/{user.id}/reset").status_code == 302
    assert link_in(inbox.to(user.email)[0]).startswith("/password/reset/")
    assert db.session.scalar(select(AccountEvent.actor_id).where(AccountEvent.action == "reset_sent")) == admin.id
