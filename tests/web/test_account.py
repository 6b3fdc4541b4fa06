"""My details: the mentor's bank account, checked as an IBAN, and the language of mail and documents."""

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
