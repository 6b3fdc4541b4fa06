"""Extreme dates and endless trips: a clear refusal or finding, quickly, on every path; never an OverflowError."""

import time

import pytest

from expenses.models import Claim
from rules import MalformedClaim, evaluate, parse_claim
from rules.claim import MAX_TRIP_DAYS
from tests.factories import make_token, make_user, sign_in, train_body


def _body(**trip) -> dict:
    """The API's claim body (the server adds the claimant) with these trip times."""
    body = train_body(None)
    body["trip"].update(trip)
    return body


def _document(**trip) -> dict:
    """The whole claim document, as the engine reads it."""
    return {**_body(**trip), "claimant": {"name": "Maija Mentori", "role": "mentor"}}


EXTREMES = [
    {"departure": "0001-01-01T00:00"},
    {"departure": "9999-12-31T23:59-12:00"},
    {"return": "9999-12-31T23:59"},
    {"return": "0001-01-01T00:00+14:00"},
]


@pytest.mark.parametrize("trip", EXTREMES)
def test_the_engine_refuses_extreme_dates_as_a_problem(trip):
    with pytest.raises(MalformedClaim) as caught:
        parse_claim(_document(**trip))
    assert [p.message for p in caught.value.problems] == ["must be in the years 1900–2999"]


def test_an_expense_dated_in_year_one_is_a_problem():
    body = _document()
    body["expenses"][0]["date"] = "0001-01-01"
    with pytest.raises(MalformedClaim, match=r"expenses\[0\]\.date: must be in the years"):
        parse_claim(body)


def test_a_trip_over_31_days_is_a_finding_decided_at_once():
    started = time.perf_counter()
    decision = evaluate(_document(**{"return": "2998-12-31T23:59"}))
    assert time.perf_counter() - started < 0.5
    assert not decision.eligible and decision.lines == ()
    assert "trip_too_long" in [f.code for f in decision.findings if f.severity == "error"]
    # 31 days exactly is still decided.
    long = evaluate(_document(**{"return": "2023-10-23T06:00"}))
    assert "trip_too_long" not in [f.code for f in long.findings]


def test_free_meals_are_at_most_one_per_travel_day_of_the_longest_trip():
    body = _document()
    body["free_meals"] = [0] * (MAX_TRIP_DAYS + 1)
    with pytest.raises(MalformedClaim, match="free_meals: must have at most 31 numbers"):
        parse_claim(body)


@pytest.fixture
def api(app, client):
    mentor = make_user("mentor")
    client.headers = {"Authorization": f"Bearer {make_token(mentor)}"}
    client.mentor = mentor
    return client


@pytest.mark.parametrize("trip", EXTREMES)
def test_the_api_answers_extreme_dates_with_422(app, api, trip):
    for path in ("/api/v1/claims/preview", "/api/v1/claims"):
        answer = api.post(path, json=_body(**trip), headers=api.headers)
        assert answer.status_code == 422, answer.get_data(as_text=True)
    assert Claim.query.count() == 0


def test_an_endless_trip_is_a_small_quick_answer_and_a_small_page(app, api):
    body = _body(**{"return": "2998-12-31T23:59"})
    started = time.perf_counter()
    preview = api.post("/api/v1/claims/preview", json=body, headers=api.headers)
    assert preview.status_code == 200 and len(preview.data) < 5000
    created = api.post("/api/v1/claims", json=body, headers=api.headers)
    assert created.status_code == 201 and len(created.data) < 10000
    assert time.perf_counter() - started < 5
    assert sign_in(api, api.mentor).status_code == 302
    page = api.get(f"/claims/{created.json['id']}")
    assert page.status_code == 200 and len(page.data) < 200_000
    assert "over 31 days" in page.get_data(as_text=True)


@pytest.mark.parametrize("query", ["approved_from=0001-01-01", "approved_to=9999-12-31"])
def test_the_auditor_filter_refuses_extreme_dates_as_a_form_error(app, client, query):
    assert sign_in(client, make_user("auditor")).status_code == 302
    page = client.get(f"/audit/?{query}")
    assert page.status_code == 200 and "Enter a date in the years 1900–2999." in page.get_data(as_text=True)
    assert client.get(f"/audit/export.zip?{query}").status_code == 400
