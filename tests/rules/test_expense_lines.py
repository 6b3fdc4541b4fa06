"""The mentor's own expenses: car, receipts, taxi reason, hotel review threshold, refused meals."""

from decimal import Decimal

import pytest

from rules import evaluate
from tests.rules.claims import by_kind, claim, codes, ticket


def line_of(document: dict, kind: str):
    (line,) = [line for line in evaluate(document).lines if line.kind == kind]
    return line


def car(km: int | str, passengers: int = 0) -> dict:
    return {"type": "own_car", "date": "2024-04-23", "km": km, "passengers": passengers}


@pytest.mark.parametrize(
    ("km", "passengers", "rate", "amount"),
    [
        (360, 0, "0.57", "205.20"),
        (360, 1, "0.61", "219.60"),
        (100, 3, "0.69", "69.00"),
        ("12.5", 0, "0.57", "7.13"),  # 7.125 rounds half up, once for the line
        ("12.25", 1, "0.61", "7.47"),  # 7.4725
    ],
)
def test_mileage(km, passengers, rate, amount):
    line = line_of(claim(expenses=[car(km, passengers)]), "mileage")
    assert (str(line.rate), str(line.amount), line.rule) == (rate, amount, "travel.own-car")
    assert line.quantity == Decimal(str(km))


def test_mileage_explanation_shows_the_arithmetic():
    assert line_of(claim(expenses=[car(360, 1)]), "mileage").explanation == (
        "360 km × (0.57 + 1 × 0.04) €/km = €219.60"
    )


def test_mileage_uses_the_rates_of_the_departure_year():
    document = claim("2023-09-22T07:00", "2023-09-22T18:00", session="2023-09-22", expenses=[car(100)])
    assert line_of(document, "mileage").amount == Decimal("53.00")


@pytest.mark.parametrize(
    ("amount", "nights", "warned"),
    [("200.00", 1, False), ("200.01", 1, True), ("400.00", 2, False), ("400.02", 2, True), ("214.00", 1, True)],
)
def test_accommodation_review_threshold_per_night(amount, nights, warned):
    hotel = {"type": "accommodation", "date": "2024-04-22", "nights": nights, "amount": amount, "receipt": "h"}
    decision = evaluate(claim("2024-04-22T15:00", "2024-04-23T20:30", expenses=[hotel]))
    assert by_kind(decision)["accommodation"] == Decimal(amount)  # never capped
    assert codes(decision, "warning") == (["accommodation_over_threshold"] if warned else [])
    assert decision.eligible


def test_taxi_with_and_without_reason():
    taxi = {"type": "taxi", "date": "2024-04-23", "amount": "23.60", "receipt": "t"}
    with_reason = evaluate(claim(expenses=[taxi | {"reason": "no bus before 06:00"}]))
    without = evaluate(claim(expenses=[taxi]))
    assert by_kind(with_reason)["taxi"] == by_kind(without)["taxi"] == Decimal("23.60")
    assert codes(with_reason) == []
    assert [(f.code, f.severity, f.expense) for f in without.findings] == [("taxi_reason_missing", "warning", 0)]
    assert (
        "no bus before 06:00" in line_of(claim(expenses=[taxi | {"reason": "no bus before 06:00"}]), "taxi").explanation
    )


def test_other_cost_such_as_parking():
    parking = {"type": "other", "date": "2024-04-23", "description": "Parking", "amount": "18.00", "receipt": "p"}
    line = line_of(claim(expenses=[parking]), "other")
    assert (line.amount, line.rule, line.explanation) == (Decimal("18.00"), "travel.other", "Parking: per receipt")


@pytest.mark.parametrize("kind", ["public_transport", "taxi", "accommodation", "other"])
@pytest.mark.parametrize("receipt", [None, "", "   "])
def test_receipt_missing(kind, receipt):
    expense = {"type": kind, "date": "2024-04-23", "amount": "10.00"}
    if receipt is not None:
        expense["receipt"] = receipt
    decision = evaluate(claim(expenses=[ticket(), expense]))
    assert [(f.code, f.expense) for f in decision.errors()] == [("receipt_missing", 1)]
    assert decision.to_dict()["total"] == "0.00"


def test_car_and_night_travel_need_no_receipt():
    decision = evaluate(claim(expenses=[car(100), {"type": "night_travel", "date": "2024-04-23"}]))
    assert decision.errors() == []


def test_a_meal_is_refused_as_an_expense():
    meal = {"type": "meal", "date": "2024-04-23", "description": "Lunch", "amount": "16.90", "receipt": "m"}
    decision = evaluate(claim(expenses=[ticket(), meal]))
    assert [(f.code, f.expense) for f in decision.errors()] == [("expense_not_reimbursable", 1)]
    assert "meal" not in {line.kind for line in decision.lines}
    assert not decision.eligible and decision.to_dict()["total"] == "0.00"


def test_an_expense_outside_the_trip_is_flagged_not_refused():
    decision = evaluate(claim(expenses=[ticket(date="2024-04-20")]))
    assert codes(decision) == ["expense_outside_trip"] and decision.eligible
    # the day before departure is inside: tickets are often bought then
    assert codes(evaluate(claim(expenses=[ticket(date="2024-04-22")]))) == []


def test_every_problem_at_once():
    decision = evaluate(
        claim(
            "2024-04-23T11:00",
            "2024-04-23T14:00",
            role="actor",
            expenses=[{"type": "taxi", "date": "2024-04-23", "amount": "9.00"}],
        )
    )
    assert sorted(f.code for f in decision.errors()) == [
        "not_a_mentor",
        "receipt_missing",
        "trip_does_not_cover_session",
    ]
