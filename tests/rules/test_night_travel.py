"""Night travel allowance (R15): asked for, a per diem payable, ≥ 4 h in 21:00-07:00, no hotel that night."""

from decimal import Decimal

import pytest

from rules import evaluate
from tests.rules.claims import KICKOFF, allowances, amounts, by_kind, claim, codes, ticket

NIGHT_2023, NIGHT_2024 = Decimal("15.00"), Decimal("16.00")


def ask(date: str) -> dict:
    return {"type": "night_travel", "date": date}


def hotel(date: str, nights: int = 1, amount: str = "139.00") -> dict:
    return {"type": "accommodation", "date": date, "nights": nights, "amount": amount, "receipt": "h"}


def night_lines(document: dict) -> list[Decimal]:
    return [line.amount for line in allowances(document)[0] if line.kind == "night_travel_allowance"]


@pytest.mark.parametrize(
    ("departure", "back", "granted"),
    [
        ("2023-09-22T05:00", "2023-09-22T23:00", True),  # 05-07 (2 h) + 21-23 (2 h) = 4 h: enough
        ("2023-09-22T05:01", "2023-09-22T23:00", False),  # 1 h 59 min + 2 h = 3 h 59 min
        ("2023-09-22T05:00", "2023-09-22T22:59", False),
        ("2023-09-22T03:00", "2023-09-22T20:00", True),  # 4 h before 07:00 only
    ],
    ids=["4h", "3h59-morning", "3h59-evening", "morning-only"],
)
def test_night_window_hours_of_a_same_day_trip(departure, back, granted):
    document = claim(departure, back, session=KICKOFF, expenses=[ask("2023-09-22")])
    assert night_lines(document) == ([NIGHT_2023] if granted else [])
    _, findings = allowances(document)
    assert [f.code for f in findings] == ([] if granted else ["night_travel_not_payable"])


def test_refusal_says_how_many_night_hours_there_were():
    _, (finding,) = allowances(
        claim("2023-09-22T05:01", "2023-09-22T23:00", session=KICKOFF, expenses=[ask("2023-09-22")])
    )
    assert "3 h 59 min" in finding.message and finding.expense == 0 and finding.severity == "warning"


def test_not_paid_unless_asked():
    assert "night_travel_allowance" not in amounts(claim("2024-04-22T15:00", "2024-04-23T20:30"))


def test_a_claimed_hotel_night_rules_it_out():
    document = claim("2024-04-22T15:00", "2024-04-23T20:30", expenses=[hotel("2024-04-22"), ask("2024-04-22")])
    assert night_lines(document) == []
    _, (finding,) = allowances(document)
    assert "accommodation" in finding.message and finding.expense == 1


def sleeper(date: str) -> dict:
    return ticket(date, "89.00", description="Night train with a berth", sleeping_berth=True)


def test_a_sleeping_berth_rules_it_out_and_says_why():
    # Rovaniemi by night train, back by day: the berth is the night's rest (R15c).
    document = claim("2024-04-22T19:00", "2024-04-23T20:30", expenses=[sleeper("2024-04-22"), ask("2024-04-22")])
    assert night_lines(document) == []
    _, (finding,) = allowances(document)
    assert (finding.code, finding.severity, finding.expense) == ("night_travel_not_payable", "warning", 1)
    assert "sleeping berth" in finding.message


def test_without_the_berth_the_same_night_is_paid():
    document = claim(
        "2024-04-22T19:00", "2024-04-23T20:30", expenses=[ticket("2024-04-22", "59.00"), ask("2024-04-22")]
    )
    assert night_lines(document) == [NIGHT_2024]


def test_a_berth_dated_by_its_arrival_morning_still_covers_the_night():
    # The trip has no night on the evening of the 23rd, so the ticket dated the 23rd is the night before.
    document = claim("2024-04-22T19:00", "2024-04-23T20:30", expenses=[sleeper("2024-04-23"), ask("2024-04-22")])
    assert night_lines(document) == []


def test_a_berth_on_one_night_leaves_the_other_night_paid():
    document = claim(
        "2024-04-22T19:00",
        "2024-04-24T10:00",
        expenses=[sleeper("2024-04-22"), ask("2024-04-22"), ask("2024-04-23")],
    )
    lines, findings = allowances(document)
    assert [(line.amount, line.expense) for line in lines if line.kind == "night_travel_allowance"] == [(NIGHT_2024, 2)]
    assert [(f.code, f.expense) for f in findings] == [("night_travel_not_payable", 1)]


def test_a_hotel_on_another_night_does_not_rule_it_out():
    # Hotel for the night before the trip's second night: the second night still qualifies.
    document = claim(
        "2024-04-22T15:00", "2024-04-24T10:00", expenses=[hotel("2024-04-22"), ask("2024-04-22"), ask("2024-04-23")]
    )
    assert night_lines(document) == [NIGHT_2024]


def test_no_per_diem_no_night_travel_allowance():
    # Within 15 km no per diem is payable, so neither is the night travel allowance.
    document = claim("2024-04-23T05:00", "2024-04-23T23:00", distance_km=15, expenses=[ask("2024-04-23")])
    assert night_lines(document) == []
    assert "no per diem" in allowances(document)[1][0].message


def test_two_nights_without_hotel_earn_two_allowances():
    # Regression: a request dated on the second evening used to be matched to travel day 1.
    document = claim("2024-04-22T15:00", "2024-04-24T10:00", expenses=[ask("2024-04-22"), ask("2024-04-23")])
    lines, findings = allowances(document)
    assert [(line.amount, line.expense) for line in lines if line.kind == "night_travel_allowance"] == [
        (NIGHT_2024, 0),
        (NIGHT_2024, 1),
    ]
    assert findings == []


def test_one_allowance_per_travel_day():
    document = claim("2024-04-22T15:00", "2024-04-23T20:30", expenses=[ask("2024-04-22"), ask("2024-04-22")])
    _, findings = allowances(document)
    assert night_lines(document) == [NIGHT_2024]
    assert [(f.code, f.expense) for f in findings] == [("night_travel_not_payable", 1)]


def test_a_request_dated_the_morning_after_still_finds_its_night():
    # Trip ends before 21:00 on the 23rd: a request dated the 23rd means the night the trip had.
    assert night_lines(claim("2024-04-22T15:00", "2024-04-23T20:30", expenses=[ask("2024-04-23")])) == [NIGHT_2024]


def test_a_date_outside_the_trip_is_refused():
    document = claim("2024-04-23T05:00", "2024-04-23T23:00", expenses=[ask("2024-04-25")])
    assert night_lines(document) == []
    assert "not a day of the trip" in allowances(document)[1][0].message


@pytest.mark.parametrize(("departure", "granted"), [("2024-03-31T02:00", True), ("2024-03-31T02:30", False)])
def test_night_hours_are_real_hours_across_daylight_saving(departure, granted):
    # 02:00 → 07:00 on 2024-03-31 is 5 h on the wall clock but 4 h real (03:00 jumps to 04:00);
    # from 02:30 it is 3 h 30 min real, though 4 h 30 min on the wall clock.
    assert night_lines(claim(departure, "2024-03-31T14:00", expenses=[ask("2024-03-31")])) == (
        [NIGHT_2024] if granted else []
    )


def test_through_evaluate_the_allowance_is_in_the_total():
    decision = evaluate(
        claim(
            "2023-09-22T05:00", "2023-09-22T23:00", session=KICKOFF, expenses=[ticket("2023-09-22"), ask("2023-09-22")]
        )
    )
    assert by_kind(decision)["night_travel_allowance"] == NIGHT_2023
    assert decision.total == Decimal("48.00") + NIGHT_2023 + Decimal("42.00")
    assert codes(decision) == []
