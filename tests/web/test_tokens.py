"""API tokens under the owner's and the admin's control; what deactivation and a new password end."""

import re
from datetime import timedelta

from sqlalchemy import select

from expenses.extensions import db
from expenses.models import AccountEvent, ApiToken, utcnow
from tests.factories import PASSWORD, make_token, make_user, new_client, post_form, sign_in

NEW = "a brand new passphrase"


def _api(client, token: str):
    return client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {token}"})


def _signed_in_client(app, user):
    client = new_client(app)
    sign_in(client, user)
    return client


def test_user_makes_sees_and_revokes_a_token(app):
    user = make_user("mentor")
    client = _signed_in_client(app, user)
    made = post_form(client, "/account/tokens", {"name": "laptop script", "expires": ""})
    assert made.status_code == 200
    page = made.get_data(as_text=True)
    token = re.search(r'<code class="token"[^>]*>([^<]+)</code>', page).group(1)
    assert _api(client, token).status_code == 200
    listed = client.get("/account/").get_data(as_text=True)
    assert "laptop script" in listed and token not in listed  # the secret is never shown again
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.last_used_at is not None
    assert post_form(client, "/account/tokens/revoke", {"token": stored.id}).status_code == 302
    assert _api(client, token).status_code == 401
    assert "You have no API tokens." in client.get("/account/").get_data(as_text=True)
    actions = db.session.scalars(select(AccountEvent.action).where(AccountEvent.user_id == user.id)).all()
    assert actions == ["token_created", "token_revoked"]


def test_a_token_expires_at_the_end_of_its_day(app):
    user = make_user("mentor")
    client = _signed_in_client(app, user)
    token = make_token(user)
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _api(client, token).status_code == 401
    assert "expired" in client.get("/account/").get_data(as_text=True)


def test_token_form_says_what_to_fix(app):
    client = _signed_in_client(app, make_user("mentor"))
    response = post_form(client, "/account/tokens", {"name": "", "expires": "2001-01-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the token a name." in page and "The date has passed" in page


def test_nobody_revokes_another_users_token(app):
    owner = make_user("mentor")
    token = make_token(owner)
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    other = _signed_in_client(app, make_user("mentor"))
    assert post_form(other, "/account/tokens/revoke", {"token": stored.id}).status_code == 404
    assert _api(other, token).status_code == 200


def test_admin_revokes_a_users_tokens(app):
    admin = make_user("admin")
    user = make_user("mentor")
    token = make_token(user)
    client = _signed_in_client(app, admin)
    assert "the API tokens of" in client.get("/admin/").get_data(as_text=True)
    assert post_form(client, f"/admin/users/{user.id}/tokens/revoke", {"tokens": "all"}).status_code == 302
    assert _api(client, token).status_code == 401
    event = db.session.scalar(select(AccountEvent).where(AccountEvent.action == "tokens_revoked"))
    assert event.actor_id == admin.id and event.user_id == user.id


def test_deactivation_ends_session_and_token_and_reactivation_revives_neither(app):
    admin = make_user("admin")
    user = make_user("mentor")
    token = make_token(user)
    browser = _signed_in_client(app, user)
    assert browser.get("/claims/").status_code == 200 and _api(browser, token).status_code == 200
    admin_client = _signed_in_client(app, admin)
    post_form(admin_client, f"/admin/users/{user.id}/active", {"active": "0"})
    assert browser.get("/claims/").status_code == 302
    assert _api(browser, token).status_code == 401
    post_form(admin_client, f"/admin/users/{user.id}/active", {"active": "1"})
    assert browser.get("/claims/").status_code == 302  # the old session stays ended
    assert _api(browser, token).status_code == 401  # and so does the old token
    assert sign_in(browser, user).status_code == 302  # signing in again works
    actions = db.session.scalars(select(AccountEvent.action).where(AccountEvent.user_id == user.id)).all()
    assert actions == ["deactivated", "reactivated"]


def test_a_password_change_ends_the_tokens(app, inbox):
    user = make_user("mentor")
    token = make_token(user)
    client = _signed_in_client(app, user)
    response = post_form(client, "/password", {"current": PASSWORD, "new": NEW, "repeat": NEW})
    assert response.status_code == 302
    assert _api(client, token).status_code == 401
    assert len(inbox.to(user.email)) == 1  # the notice of the change


def test_an_iban_change_is_told_to_the_owner(app, inbox):
    user = make_user("mentor")
    client = _signed_in_client(app, user)
    post_form(client, "/account/", {"iban": "FI21 1234 5600 0007 85", "language": "en"})
    post_form(client, "/account/", {"iban": "FI21 1234 5600 0007 85", "language": "fi"})  # unchanged: no notice
    [notice] = inbox.to(user.email)
    assert "bank account" in notice.get_body().get_content()
