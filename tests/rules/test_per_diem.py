"""Daily allowance and meal allowance at every threshold of the adopted interpretation (R4-R10)."""

from decimal import Decimal

import pytest

from rules import evaluate
from tests.rules.claims import KICKOFF, allowances, amounts, by_kind, claim, codes

FULL_2024, PART_2024 = Decimal("51.00"), Decimal("24.00")
FULL_2023, PART_2023 = Decimal("48.00"), Decimal("22.00")
MEAL_2024 = Decimal("12.75")


@pytest.mark.parametrize(
    ("departure", "back", "expected"),
    [
        ("2024-04-23T09:00", "2024-04-23T15:00", {}),  # exactly 6 h is not over 6 h
        ("2024-04-23T09:00", "2024-04-23T15:01", {"per_diem_partial": PART_2024}),  # 6 h 1 min
        ("2024-04-23T08:00", "2024-04-23T18:00", {"per_diem_partial": PART_2024}),  # exactly 10 h
        ("2024-04-23T08:00", "2024-04-23T18:01", {"per_diem_full": FULL_2024}),  # 10 h 1 min
        ("2024-04-22T14:00", "2024-04-23T13:59", {"per_diem_full": FULL_2024}),  # 23 h 59 min, one trip
    ],
    ids=["6h", "6h1min", "10h", "10h1min", "23h59min"],
)
def test_trip_shorter_than_a_day(departure, back, expected):
    assert amounts(claim(departure, back)) == expected


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("2024-04-23T14:00", {"per_diem_full": FULL_2024}),  # exactly 24 h: one travel day, no remainder
        ("2024-04-23T15:59", {"per_diem_full": FULL_2024}),  # remainder 1 h 59 min < 2 h: nothing
        ("2024-04-23T16:00", {"per_diem_full": FULL_2024, "per_diem_partial": PART_2024}),  # remainder 2 h
        ("2024-04-23T20:00", {"per_diem_full": FULL_2024, "per_diem_partial": PART_2024}),  # remainder 6 h
        ("2024-04-23T20:01", {"per_diem_full": 2 * FULL_2024}),  # remainder 6 h 1 min > 6 h
        ("2024-04-24T14:00", {"per_diem_full": 2 * FULL_2024}),  # exactly 48 h
        ("2024-04-24T16:00", {"per_diem_full": 2 * FULL_2024, "per_diem_partial": PART_2024}),
    ],
    ids=["24h", "25h59min", "26h", "30h", "30h1min", "48h", "50h"],
)
def test_remainder_after_whole_travel_days(back, expected):
    assert amounts(claim("2024-04-22T14:00", back)) == expected


def test_remainder_lines_name_their_rule():
    lines, _ = allowances(claim("2024-04-22T14:00", "2024-04-23T16:00"))
    assert [line.rule for line in lines] == ["per-diem.travel-day", "per-diem.remainder-partial"]
    lines, _ = allowances(claim("2024-04-22T14:00", "2024-04-23T20:01"))
    assert [line.rule for line in lines] == ["per-diem.travel-day", "per-diem.remainder-full"]
    assert lines[1].explanation == "day 2: last part-day 6 h 1 min > 6 h → €51.00"


def test_trip_across_midnight_is_one_trip_by_its_length():
    # 20:00 to 07:30 the next morning: 11 h 30 min, one full per diem (not two calendar days).
    assert amounts(claim("2024-04-22T20:00", "2024-04-23T07:30")) == {"per_diem_full": FULL_2024}
    # 22:00 to 05:00: 7 h, a part day although it touches two dates.
    assert amounts(claim("2024-04-22T22:00", "2024-04-23T05:00")) == {"per_diem_partial": PART_2024}


@pytest.mark.parametrize(
    ("departure", "back", "expected", "hours"),
    [
        # Spring forward (2024-03-31 03:00 → 04:00): 10 h 30 min on the wall clock, 9 h 30 min real.
        ("2024-03-31T00:00", "2024-03-31T10:30", {"per_diem_partial": PART_2024}, "9 h 30 min"),
        # Fall back (2023-10-29 04:00 → 03:00): 9 h 30 min on the wall clock, 10 h 30 min real.
        ("2023-10-29T00:00", "2023-10-29T09:30", {"per_diem_full": FULL_2023}, "10 h 30 min"),
    ],
    ids=["spring-2024", "autumn-2023"],
)
def test_daylight_saving_change_counts_real_hours(departure, back, expected, hours):
    lines, _ = allowances(claim(departure, back))
    assert {line.kind: line.amount for line in lines} == expected
    assert hours in lines[0].explanation


def test_daylight_saving_change_moves_the_remainder():
    # 2024-03-30 12:00 → 03-31 14:30 is 26 h 30 min on the wall clock but 25 h 30 min real:
    # the remainder is 1 h 30 min, under 2 h, so only the first travel day is paid.
    assert amounts(claim("2024-03-30T12:00", "2024-03-31T14:30")) == {"per_diem_full": FULL_2024}


def test_an_explicit_offset_is_the_same_moment_as_local_time():
    local = amounts(claim("2024-04-23T08:00", "2024-04-23T18:01"))
    utc = amounts(claim("2024-04-23T05:00+00:00", "2024-04-23T15:01Z"))
    assert local == utc == {"per_diem_full": FULL_2024}


@pytest.mark.parametrize(
    ("distance", "expected"),
    [
        (15, {"meal_allowance": MEAL_2024}),  # within 15 km: no per diem, the meal allowance instead
        (16, {"per_diem_partial": PART_2024}),
        ("15.5", {"per_diem_partial": PART_2024}),  # "15 or less" is what stops the per diem
        (10, {"meal_allowance": MEAL_2024}),  # at least 10 km
        (9, {}),  # under 10 km: neither
    ],
)
def test_distance_gate_and_meal_allowance(distance, expected):
    assert amounts(claim("2024-04-23T08:00", "2024-04-23T16:00", distance_km=distance)) == expected


@pytest.mark.parametrize(
    ("back", "expected"),
    [("2024-04-23T15:00", {}), ("2024-04-23T15:01", {"meal_allowance": MEAL_2024})],
    ids=["6h", "6h1min"],
)
def test_meal_allowance_needs_over_six_hours(back, expected):
    assert amounts(claim("2024-04-23T09:00", back, distance_km=12)) == expected


def test_meal_allowance_line_explains_itself():
    (line,), _ = allowances(claim("2023-09-22T09:00", "2023-09-22T16:30", session=KICKOFF, distance_km=12))
    assert (line.kind, line.amount, line.rule) == ("meal_allowance", Decimal("12.00"), "meal-allowance")
    assert "7 h 30 min > 6 h" in line.explanation and "12 km ≥ 10 km" in line.explanation


@pytest.mark.parametrize(
    ("meals", "expected"),
    [(0, FULL_2024), (1, FULL_2024), (2, Decimal("25.50")), (3, Decimal("25.50"))],
)
def test_free_meals_on_a_full_day(meals, expected):
    # 1 free meal does not halve a full day, 2 do; more do not reduce it further.
    assert amounts(claim("2024-04-23T07:00", "2024-04-23T18:00", free_meals=[meals])) == {"per_diem_full": expected}


@pytest.mark.parametrize(("meals", "expected"), [(0, PART_2024), (1, Decimal("12.00")), (2, Decimal("12.00"))])
def test_free_meals_on_a_part_day(meals, expected):
    assert amounts(claim("2024-04-23T08:00", "2024-04-23T16:00", free_meals=[meals])) == {"per_diem_partial": expected}


def test_free_meals_count_per_travel_day():
    # Day 1 full with 1 meal (not halved), day 2 full with 2 (halved), remainder part with 1 (halved).
    lines, _ = allowances(claim("2024-04-22T14:00", "2024-04-24T17:00", free_meals=[1, 2, 1]))
    assert [(line.kind, line.amount, line.rule) for line in lines] == [
        ("per_diem_full", FULL_2024, "per-diem.travel-day"),
        ("per_diem_full", Decimal("25.50"), "per-diem.free-meals"),
        ("per_diem_partial", Decimal("12.00"), "per-diem.free-meals"),
    ]


def test_halved_2023_amounts_are_exact_cents():
    assert amounts(claim("2023-09-22T07:00", "2023-09-22T18:00", session=KICKOFF, free_meals=[2])) == {
        "per_diem_full": Decimal("24.00")
    }
    assert amounts(claim("2023-09-22T09:00", "2023-09-22T16:30", session=KICKOFF, free_meals=[1])) == {
        "per_diem_partial": Decimal("11.00")
    }


def test_free_meals_for_days_beyond_the_trip_are_ignored_with_a_warning():
    decision = evaluate(claim("2024-04-23T07:00", "2024-04-23T18:00", free_meals=[0, 2]))
    assert by_kind(decision) == {"per_diem_full": FULL_2024}
    assert codes(decision, "warning") == ["free_meals_beyond_trip"]


def test_rates_of_the_departure_year_apply():
    assert amounts(claim("2023-12-31T20:00", "2024-01-01T08:00")) == {"per_diem_full": FULL_2023}
