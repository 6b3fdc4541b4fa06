"""GET /sessions: every session of the programme, for anyone signed in, titles in the request's language."""

import pytest

from tests.factories import make_user


@pytest.mark.parametrize("role", ["mentor", "actor", "finance", "auditor", "admin"])
def test_anyone_signed_in_sees_the_sessions(api_as, role):
    answer = api_as(make_user(role)).get("/sessions")
    assert answer.status_code == 200
    assert {s["id"] for s in answer.json} >= {"2023-09-22", "2024-04-23"}


def test_session_fields(api_as):
    sessions = {s["id"]: s for s in api_as(make_user("mentor")).get("/sessions").json}
    kickoff = sessions["2023-09-22"]
    assert kickoff["reimbursable"] is True
    assert kickoff["mode"] == "in_person"
    assert kickoff["date"] == "2023-09-22"
    assert kickoff["start"].startswith("2023-09-22T") and kickoff["start"].endswith("+03:00")
    assert kickoff["end"] > kickoff["start"]
    assert kickoff["place"]
    assert kickoff["claim_deadline"] > "2023-09-22"
    assert kickoff["title"] == "Joint kick-off meeting"
    remote = [s for s in sessions.values() if s["mode"] == "remote"]
    assert remote and all(s["reimbursable"] is False and s["claim_deadline"] is None for s in remote)


@pytest.mark.parametrize(("lang", "title"), [("fi", "Yhteinen aloitustapaaminen"), ("sv", "Gemensamt startmöte")])
def test_titles_follow_accept_language(api_as, lang, title):
    sessions = api_as(make_user("mentor"), lang=lang).get("/sessions").json
    assert next(s for s in sessions if s["id"] == "2023-09-22")["title"] == title
