"""Builders of claim documents for the rules tests: a valid claim, changed only where a test says."""

from decimal import Decimal

from rules import Decision, Finding, Line, load_rates, parse_claim
from rules.i18n import text_for
from rules.night_travel import night_travel
from rules.per_diem import meal_allowance_line, per_diem_lines, periods

KICKOFF, CLOSING = "2023-09-22", "2024-04-23"


def claim(
    departure: str = "2024-04-23T08:00",
    back: str = "2024-04-23T16:00",
    *,
    session: str = CLOSING,
    distance_km: int | str = 180,
    role: str = "mentor",
    free_meals: list[int] | None = None,
    expenses: list[dict] | None = None,
) -> dict:
    """An eligible mentor's claim for the closing session unless told otherwise."""
    document: dict = {
        "session": session,
        "claimant": {"name": "Maija Mentori", "role": role},
        "trip": {"start_place": "Tampere", "distance_km": distance_km, "departure": departure, "return": back},
        "expenses": expenses or [],
    }
    if free_meals is not None:
        document["free_meals"] = free_meals
    return document


def ticket(date: str = "2024-04-23", amount: str = "42.00", **extra: object) -> dict:
    return {"type": "public_transport", "date": date, "description": "Train", "amount": amount, "receipt": "r"} | extra


def by_kind(decision: Decision) -> dict[str, Decimal]:
    """The decision's amounts summed by line kind."""
    sums: dict[str, Decimal] = {}
    for line in decision.lines:
        sums[line.kind] = sums.get(line.kind, Decimal(0)) + line.amount
    return sums


def codes(decision: Decision, severity: str | None = None) -> list[str]:
    return [f.code for f in decision.findings if severity is None or f.severity == severity]


def allowances(document: dict) -> tuple[list[Line], list[Finding]]:
    """The per diem, meal and night travel lines of a claim, without the calendar's checks.

    Threshold tests need trips at any hour of any date (a daylight-saving night, a trip that would
    not cover a session), so they call the engine's parts directly with the shipped rates.
    """
    parsed = parse_claim(document)
    rates = load_rates().for_date(parsed.trip.departure.date())
    assert rates is not None
    text = text_for("en")
    trip_periods = periods(parsed)
    per_diem = per_diem_lines(parsed, trip_periods, rates, text)
    lines = list(per_diem.values())
    meal = meal_allowance_line(parsed, rates, text)
    night_lines, findings = night_travel(parsed, trip_periods, set(per_diem), rates, text)
    return [*lines, *([meal] if meal else []), *night_lines], findings


def amounts(document: dict) -> dict[str, Decimal]:
    """The allowance amounts of a claim summed by kind (see `allowances`)."""
    sums: dict[str, Decimal] = {}
    for line in allowances(document)[0]:
        sums[line.kind] = sums.get(line.kind, Decimal(0)) + line.amount
    return sums
