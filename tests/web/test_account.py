"""My details: the mentor's bank account, checked as an IBAN, the language of mail and documents, and the
account's activity."""

import html
import re

from expenses import account_log
from expenses.extensions import db
from tests.factories import make_user, post_form, sign_in


def test_mentor_saves_a_valid_iban_compact(client):
    mentor = make_user("mentor")
    sign_in(client, mentor)
    post_form(client, "/account/", {"iban": "fi49 5000 9420 0287 30", "language": "sv"})
    assert mentor.iban == "FI4950009420028730" and mentor.language == "sv"
    # Stored compact, shown in fours as the mentor reads it from the bank's papers.
    assert 'value="FI49 5000 9420 0287 30"' in client.get("/account/").get_data(as_text=True)


def test_wrong_iban_is_explained_and_nothing_saved(client):
    mentor = make_user("mentor")
    sign_in(client, mentor)
    answer = post_form(client, "/account/", {"iban": "FI49 5000 9420 0287 31", "language": "fi"})
    assert "This is not a valid IBAN" in answer.get_data(as_text=True)
    assert mentor.iban is None


def _activity(client, lang: str = "en") -> list[list[str]]:
    """The account-activity table's rows as the reader sees them: when, what, by whom."""
    page = client.get(f"/account/?lang={lang}").get_data(as_text=True)
    table = re.search(r'<table id="activity".*?</table>', page, re.S)
    if table is None:
        return []
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", table.group(0), re.S)
    return [[html.unescape(cell.strip()) for cell in row] for row in rows]


def test_the_account_page_shows_what_was_done_to_the_account_and_by_whom(client):
    admin, mentor = make_user("admin", name="Anna Admin"), make_user("mentor")
    account_log.record(mentor, "invited", admin)
    account_log.record(mentor, "reset_requested")  # asked for at the sign-in page: nobody signed in
    db.session.commit()
    sign_in(client, mentor)
    post_form(client, "/account/tokens", {"name": "laptop script", "expires": ""})
    post_form(client, "/account/", {"iban": "FI49 5000 9420 0287 30", "language": "en"})
    rows = _activity(client)
    assert [what for _when, what, _by in rows] == [
        "Bank account (IBAN) changed",
        "API token “laptop script” created",
        "Password reset asked for",
        "Invited to the service",
    ]
    command_line = "the service's administrators (command line)"
    assert [by for _when, _what, by in rows] == ["you", "you", command_line, "Anna Admin"]
    assert all(re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d{1,2}:\d{2}", when) for when, _what, _by in rows)
    assert [what for _when, what, _by in _activity(client, "fi")][:2] == [
        "Pankkitili (IBAN) muutettu",
        "API-tunniste ”laptop script” luotu",
    ]


def test_the_account_page_shows_only_the_latest_events_and_only_the_readers_own(client):
    mentor, other = make_user("mentor"), make_user("mentor")
    for n in range(account_log.SHOWN + 2):
        account_log.record(mentor, "recovery_code_used", mentor, left=n)
    account_log.record(other, "password_changed", other)
    db.session.commit()
    sign_in(client, mentor)
    rows = _activity(client)
    assert len(rows) == account_log.SHOWN
    assert rows[0][1] == f"Signed in with a recovery code ({account_log.SHOWN + 1} left)"
    assert "Password changed" not in [what for _when, what, _by in rows]
    sign_in(client, make_user("auditor"))
    assert "Nothing recorded yet." in client.get("/account/?lang=en").get_data(as_text=True)
