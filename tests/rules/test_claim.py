"""Malformed input is never a decision: `MalformedClaim` with one Problem per issue, naming the field."""

import copy
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from rules import MalformedClaim, evaluate, parse_claim
from rules.cli import main
from rules.per_diem import duration
from tests.rules.claims import claim, ticket


def problems(document: object) -> list[tuple[str, str]]:
    with pytest.raises(MalformedClaim) as caught:
        parse_claim(document)
    return [(p.field, p.message) for p in caught.value.problems]


def fields(document: object) -> list[str]:
    return [field for field, _ in problems(document)]


def valid() -> dict:
    return claim(expenses=[ticket(), {"type": "own_car", "date": "2024-04-23", "km": 360, "passengers": 1}])


def test_the_valid_base_claim_parses():
    parsed = parse_claim(valid())
    assert parsed.trip.distance_km == Decimal(180) and len(parsed.expenses) == 2


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("session",), "session"),
        (("claimant",), "claimant"),
        (("claimant", "name"), "claimant.name"),
        (("claimant", "role"), "claimant.role"),
        (("trip",), "trip"),
        (("trip", "start_place"), "trip.start_place"),
        (("trip", "distance_km"), "trip.distance_km"),
        (("trip", "departure"), "trip.departure"),
        (("trip", "return"), "trip.return"),
        (("expenses", 0, "amount"), "expenses[0].amount"),
        (("expenses", 0, "date"), "expenses[0].date"),
        (("expenses", 1, "km"), "expenses[1].km"),
    ],
)
def test_missing_field(path, field):
    document = valid()
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    found = problems(document)
    assert [f for f, _ in found] == [field]
    assert "required" in found[0][1]


@pytest.mark.parametrize("part", ["claimant", "trip"])
def test_an_empty_object_names_each_missing_field(part):
    # Regression: an empty object used to give the single, unnamed "claim: is incomplete".
    document = valid()
    document[part] = {}
    expected = {
        "claimant": ["claimant.name", "claimant.role"],
        "trip": ["trip.start_place", "trip.distance_km", "trip.departure", "trip.return"],
    }[part]
    assert fields(document) == expected


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("session",), 20230922, "session"),
        (("claimant",), "Maija", "claimant"),
        (("claimant", "name"), ["Maija"], "claimant.name"),
        (("claimant", "role"), "finance", "claimant.role"),
        (("trip", "distance_km"), 180.5, "trip.distance_km"),
        (("trip", "distance_km"), True, "trip.distance_km"),
        (("trip", "departure"), "22.9.2023 klo 6", "trip.departure"),
        (("trip", "departure"), 1695351600, "trip.departure"),
        (("free_meals",), 2, "free_meals"),
        (("free_meals",), [0, "1"], "free_meals[1]"),
        (("free_meals",), [-1], "free_meals[0]"),
        (("expenses",), {"type": "taxi"}, "expenses"),
        (("expenses", 0), "train", "expenses[0]"),
        (("expenses", 0, "amount"), 42.0, "expenses[0].amount"),
        (("expenses", 0, "receipt"), 17, "expenses[0].receipt"),
        (("expenses", 1, "passengers"), "one", "expenses[1].passengers"),
        (("expenses", 1, "passengers"), -1, "expenses[1].passengers"),
        (("expenses", 0, "date"), "2024-02-30", "expenses[0].date"),
    ],
)
def test_wrong_type_or_value(path, value, field):
    document = valid()
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    assert fields(document) == [field]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-12.00", "must not be negative"),
        ("twelve", "at most two decimals"),
        ("12,50", "at most two decimals"),
        ("12.505", "at most two decimals"),
        ("1e3", "at most two decimals"),
        ("NaN", "at most two decimals"),
        ("0.00", "more than 0.00"),
        ("", "at most two decimals"),
    ],
)
def test_bad_amount(amount, message):
    document = valid()
    document["expenses"][0]["amount"] = amount
    ((field, text),) = problems(document)
    assert field == "expenses[0].amount" and message in text


def test_negative_km_and_distance():
    document = valid()
    document["trip"]["distance_km"] = -5
    document["expenses"][1]["km"] = "-360"
    assert problems(document) == [
        ("trip.distance_km", "must not be negative"),
        ("expenses[1].km", "must not be negative"),
    ]


@pytest.mark.parametrize("back", ["2024-04-23T08:00", "2024-04-23T07:59"])
def test_return_not_after_departure(back):
    assert problems(claim("2024-04-23T08:00", back)) == [("trip.return", "must be after the departure")]


def test_return_is_compared_in_real_time_in_the_repeated_autumn_hour():
    # Regression: 03:10+02:00 is 20 minutes after 03:50+03:00, though earlier on the wall clock.
    parsed = parse_claim(claim("2023-10-29T03:50+03:00", "2023-10-29T03:10+02:00", session="2023-09-22"))
    assert duration(parsed) == timedelta(minutes=20)


@pytest.mark.parametrize("kind", ["hotel_minibar", "", None, ["taxi"], {"x": 1}])
def test_unknown_expense_type(kind):
    # Regression: a list or object as the type used to raise TypeError (unhashable).
    document = valid()
    document["expenses"][0]["type"] = kind
    ((field, message),) = problems(document)
    assert field == "expenses[0].type" and "must be one of" in message


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ((), "comment"),
        (("claimant",), "claimant.email"),
        (("trip",), "trip.destination"),
        (("expenses", 0), "expenses[0].km"),  # a field of another expense type
    ],
)
def test_unknown_field(path, field):
    document = valid()
    parent = document
    for key in path:
        parent = parent[key]
    parent[field.rsplit(".", 1)[-1]] = 1
    ((found, message),) = problems(document)
    assert found == field and message == "is not a field of the claim document"


@pytest.mark.parametrize("value", ["yes", 1, None, []])
def test_sleeping_berth_must_be_true_or_false(value):
    document = claim(expenses=[ticket(sleeping_berth=value)])
    assert problems(document) == [("expenses[0].sleeping_berth", "must be true or false")]


def test_sleeping_berth_is_read_on_public_transport_only():
    assert parse_claim(claim(expenses=[ticket(sleeping_berth=True)])).expenses[0].sleeping_berth is True
    assert parse_claim(claim(expenses=[ticket()])).expenses[0].sleeping_berth is False
    taxi = {"type": "taxi", "date": "2024-04-23", "amount": "20.00", "receipt": "r", "sleeping_berth": True}
    assert problems(claim(expenses=[taxi])) == [("expenses[0].sleeping_berth", "is not a field of the claim document")]


@pytest.mark.parametrize("document", [None, [], "claim", 42])
def test_not_an_object_at_all(document):
    assert fields(document) == ["claim"]


def test_every_problem_is_reported_at_once():
    document = valid()
    del document["session"]
    document["trip"]["distance_km"] = "far"
    document["expenses"][0]["amount"] = "-1"
    document["expenses"][1]["type"] = "rocket"
    document["free_meals"] = [9]
    assert fields(document) == [
        "session",
        "trip.distance_km",
        "free_meals[0]",
        "expenses[0].amount",
        "expenses[1].type",
    ]


def test_amounts_are_carried_as_cents():
    # Regression: "12.5" used to reach the decision as "12.5"; decisions show two decimals.
    document = claim(expenses=[ticket(amount="12.5"), ticket(amount="7")])
    lines = evaluate(document).to_dict()["lines"]
    assert [line["amount"] for line in lines if line["kind"] == "public_transport"] == ["12.50", "7.00"]


def test_parsing_does_not_change_the_input():
    document = valid()
    before = copy.deepcopy(document)
    evaluate(document)
    assert document == before


def test_evaluate_raises_malformed_claim_for_a_dict():
    with pytest.raises(MalformedClaim):
        evaluate({"session": "2024-04-23"})


def test_command_line_exit_2_one_line_per_problem(tmp_path, capsys):
    document = valid()
    document["trip"]["return"] = "2024-04-23T07:00"
    document["expenses"][0]["amount"] = "-42.00"
    document["expenses"][1]["type"] = "rocket"
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(document))
    assert main(["evaluate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "trip.return: must be after the departure",
        "expenses[0].amount: must not be negative",
        "expenses[1].type: must be one of public_transport, own_car, taxi, accommodation, night_travel, other, meal",
    ]
