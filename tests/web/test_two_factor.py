"""Two-factor sign-in: enrolment with a QR code, codes at sign-in (once each), recovery codes, the requirement."""

import re
import time

import pyotp
from sqlalchemy import select

from expenses.extensions import db
from expenses.models import AccountEvent
from tests.factories import csrf_token, make_user, new_client, post_form, sign_in
from tests.mail import body_of


def _code(secret: str, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(time.time()) // totp.interval + steps)


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, allowed by the CSP's img-src data:
    secret = re.search(r'<code id="totp-key">([A-Z2-7]+)</code>', page).group(1)
    token = csrf_token(client, "/account/two-factor")
    done = client.post("/account/two-factor", data={"code": _code(secret), "csrf_token": token})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _code_step(client, code: str):
    return client.post("/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")})


def test_officer_enrols_and_then_signs_in_with_a_code(app):
    officer = make_user("finance")
    client = new_client(app)
    sign_in(client, officer)
    secret, codes = _enrol(client)
    db.session.refresh(officer)
    assert officer.totp_secret == secret and codes[0] not in str(officer.recovery_codes)  # stored hashed
    assert client.get("/account/two-factor").status_code == 200
    later = new_client(app)
    half = sign_in(later, officer)
    assert half.headers["Location"] == "/login/code"
    assert later.get("/finance/").status_code == 302  # not signed in before the code
    wrong = _code_step(later, "000000" if _code(secret) != "000000" else "111111")
    assert wrong.status_code == 422 and "The code is wrong" in wrong.get_data(as_text=True)
    code = _code(secret, 1)
    assert _code_step(later, code).status_code == 302
    assert later.get("/finance/").status_code == 200
    # The same code is not taken twice.
    third = new_client(app)
    sign_in(third, officer)
    assert _code_step(third, code).status_code == 422
    actions = db.session.scalars(select(AccountEvent.action).where(AccountEvent.user_id == officer.id)).all()
    assert actions == ["totp_enrolled"]


def test_a_recovery_code_signs_in_once(app):
    officer = make_user("admin")
    client = new_client(app)
    sign_in(client, officer)
    _secret, codes = _enrol(client)
    for expected in (302, 422):
        other = new_client(app)
        sign_in(other, officer)
        assert _code_step(other, codes[3]).status_code == expected


def test_a_wrong_enrolment_code_is_refused(app):
    client = new_client(app)
    sign_in(client, make_user("auditor"))
    client.get("/account/two-factor")
    response = post_form(client, "/account/two-factor", {"code": "12345x"})
    assert response.status_code == 422 and "The code does not match" in response.get_data(as_text=True)


def test_code_attempts_count_with_the_sign_in_limits(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    officer = make_user("finance")
    client = new_client(app)
    sign_in(client, officer)
    _enrol(client)
    other = new_client(app)
    sign_in(other, officer)
    statuses = [_code_step(other, "999999x").status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_required_roles_enrol_before_anything_else(app):
    app.config["REQUIRE_2FA_ROLES"] = "finance,admin"
    officer = make_user("finance")
    client = new_client(app)
    sign_in(client, officer)
    first = client.get("/finance/")
    assert first.status_code == 302 and first.headers["Location"] == "/account/two-factor"
    _enrol(client)
    assert client.get("/finance/").status_code == 200
    # Roles not listed, and mentors, are not asked.
    auditor, mentor = new_client(app), new_client(app)
    sign_in(auditor, make_user("auditor"))
    sign_in(mentor, make_user("mentor"))
    assert auditor.get("/audit/").status_code == 200 and mentor.get("/claims/").status_code == 200
    assert mentor.get("/account/two-factor").status_code == 403


def test_without_a_password_first_the_code_page_sends_to_sign_in(app, client):
    assert client.get("/login/code").headers["Location"] == "/login"


def test_an_admin_turns_off_an_officers_lost_two_factor_sign_in(app, inbox):
    app.config["REQUIRE_2FA_ROLES"] = "finance"
    officer, admin = make_user("finance", email="olli@example.fi"), make_user("admin", name="Anna Admin")
    phone = new_client(app)
    sign_in(phone, officer)
    _enrol(phone)
    desk = new_client(app)
    sign_in(desk, admin)
    listed = desk.get("/admin/?lang=en").get_data(as_text=True)
    assert f'action="/admin/users/{officer.id}/two-factor/reset"' in listed
    assert f'action="/admin/users/{admin.id}/two-factor/reset"' not in listed  # no secret to turn off
    answer = post_form(desk, f"/admin/users/{officer.id}/two-factor/reset", {"two_factor": "reset"})
    assert answer.status_code == 302
    shown = desk.get("/admin/?lang=en").get_data(as_text=True)
    assert "Two-factor sign-in of" in shown and f'/admin/users/{officer.id}/two-factor/reset"' not in shown
    db.session.refresh(officer)
    assert officer.totp_secret is None and officer.recovery_codes is None
    assert phone.get("/finance/").status_code == 302  # signed out everywhere
    [notice] = inbox.to("olli@example.fi")
    assert "poisti tililtäsi kaksivaiheisen kirjautumisen" in body_of(notice)  # in the officer's language, Finnish
    event = db.session.scalar(select(AccountEvent).where(AccountEvent.action == "totp_removed"))
    assert (event.user_id, event.actor_id) == (officer.id, admin.id)
    # The next sign-in asks for a password only, then for a new enrolment, as the role requires.
    again = new_client(app)
    assert sign_in(again, officer).headers["Location"] != "/login/code"
    assert again.get("/finance/").headers["Location"] == "/account/two-factor"


def test_turning_off_two_factor_is_refused_for_oneself_without_a_secret_or_with_a_half_form(app):
    admin, other_admin, plain_officer = make_user("admin"), make_user("admin"), make_user("finance")
    for user in (admin, other_admin):
        client = new_client(app)
        sign_in(client, user)
        _enrol(client)
    desk = new_client(app)
    sign_in(desk, admin)
    db.session.refresh(admin)
    assert _code_step(desk, _code(admin.totp_secret, 1)).status_code == 302  # the enrolment used this step's code
    refusals = {
        "yourself": (admin.id, {"two_factor": "reset"}, "You cannot turn off your own two-factor sign-in"),
        "no secret": (plain_officer.id, {"two_factor": "reset"}, "has no two-factor sign-in to turn off"),
        "half form": (other_admin.id, {}, "The form was incomplete"),
    }
    for case, (user_id, data, message) in refusals.items():
        answer = post_form(desk, f"/admin/users/{user_id}/two-factor/reset", data)
        assert answer.status_code == 302, case
        assert message in desk.get("/admin/?lang=en").get_data(as_text=True), case
    for user in (admin, other_admin):
        db.session.refresh(user)
        assert user.totp_secret is not None
