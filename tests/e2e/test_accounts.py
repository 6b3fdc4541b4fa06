"""Accounts in a real browser: an invitation by mail, a forgotten password, two-factor sign-in, a revoked token.

Mail goes to a real SMTP server (aiosmtpd) and the links are followed from the messages as received.
"""

import re
import time
import urllib.request
from urllib.error import HTTPError

import pyotp
import pytest
from aiosmtpd.controller import Controller

from tests.e2e.conftest import expect, sign_in
from tests.factories import make_token, make_user
from tests.mail import Inbox, body_of, free_port

pytestmark = pytest.mark.browser

FIRST, SECOND = "my first passphrase tulip", "second passphrase harbour"


@pytest.fixture
def inbox(live_server):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    config = live_server.app.config
    before = {k: config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    config.update(before)
    controller.stop()


def _link(inbox: Inbox, email: str, count: int) -> str:
    deadline = time.monotonic() + 10
    while len(inbox.to(email)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return re.search(r"https?://\S+", body_of(inbox.to(email)[count - 1])).group(0)


def _set_password(page, link: str, password: str) -> None:
    page.goto(link)
    page.fill("input[name=new]", password)
    page.fill("input[name=repeat]", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_invited_mentor_sets_forgets_and_resets_the_password(browser, live_server, inbox):
    admin = live_server.seed(lambda: make_user("admin").email)
    email = "irma.invited@example.fi"
    page = browser.new_page("admin", "en")
    with browser.step("the admin adds a mentor with an invitation"):
        sign_in(page, admin, "en")
        page.goto("/admin/")
        page.fill("#email", email)
        page.fill("#name", "Irma Invited")
        page.select_option("#role", "mentor")
        page.check("input[name=invite]")
        page.click("form[action$='/admin/users'] button[type=submit]")
        expect(page.locator("#users")).to_contain_text("not accepted yet")

    mentor = browser.new_page("mentor", "fi")
    with browser.step("the mentor sets a password from the mail's link"):
        _set_password(mentor, _link(inbox, email, 1), FIRST)
        sign_in(mentor, email, "fi", FIRST)
        expect(mentor).to_have_url(re.compile(r"/claims/$"))
        mentor.context.clear_cookies()

    with browser.step("forgets it and asks for a reset link"):
        mentor.goto("/login?lang=fi")
        mentor.click("a[href$='/password/forgot']")
        mentor.fill("input[name=email]", email)
        with mentor.expect_navigation():
            mentor.locator("main form button[type=submit]").click()
        expect(mentor.locator(".flash-info, .flash")).to_be_visible()

    with browser.step("sets a new password from the reset link and signs in with it"):
        _set_password(mentor, _link(inbox, email, 2), SECOND)
        sign_in(mentor, email, "fi", SECOND)
        expect(mentor).to_have_url(re.compile(r"/claims/$"))


def test_finance_officer_enrols_two_factor_and_signs_in_with_a_code(browser, live_server):
    email = live_server.seed(lambda: make_user("finance").email)
    page = browser.new_page("finance", "sv")
    with browser.step("enrol with the key behind the QR code"):
        sign_in(page, email, "sv")
        page.goto("/account/two-factor")
        expect(page.locator("img.qr")).to_be_visible()
        totp = pyotp.TOTP(page.locator("#totp-key").inner_text().strip())
        page.fill("input[name=code]", totp.now())
        page.locator("main form button[type=submit]").click()
        expect(page.locator(".recovery-codes li")).to_have_count(10)
        page.context.clear_cookies()

    with browser.step("sign in: the password, then a code"):
        page.goto("/login?lang=sv")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", "correct horse battery")
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/login/code$"))
        # The next step's code: the enrolment used this one.
        page.fill("input[name=code]", totp.at(time.time() + totp.interval))
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/finance/$"))


def test_a_revoked_token_gets_401(browser, live_server):
    email, token = live_server.seed(lambda: (lambda u: (u.email, make_token(u)))(make_user("mentor")))

    def call() -> int:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/sessions", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except HTTPError as e:
            return e.code

    assert call() == 200
    page = browser.new_page("mentor", "en")
    with browser.step("revoke the token on My details"):
        sign_in(page, email, "en")
        page.goto("/account/")
        page.locator("#tokens form button[type=submit]").click()
        expect(page.locator("#tokens")).to_have_count(0)
    assert call() == 401
