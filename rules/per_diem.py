"""Daily allowance (päiväraha) by travel days, and the meal allowance where it applies instead.

A trip is cut into 24-hour periods from the moment of departure (R5). Elapsed time is measured in
absolute time, so a trip across a daylight-saving change lasts the hours that really passed,
not the difference of the wall-clock readings (one hour less in March, one more in October).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from rules.claim import Claim
from rules.decision import Line
from rules.i18n import Text
from rules.money import cents
from rules.rates import Rates

DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)
ONE = Decimal(1)
HALF = Decimal("0.5")


# Value objects, never changed after they are made; not frozen because frozen dataclasses cost
# three times as much to build, and the engine builds thousands a second (benchmarks/rules_eval.py).
@dataclass(slots=True)
class Period:
    """One 24-hour travel day (or the shorter remainder), in UTC."""

    index: int
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def duration(claim: Claim) -> timedelta:
    return claim.trip.return_utc - claim.trip.departure_utc


def periods(claim: Claim) -> list[Period]:
    """The trip's 24-hour periods from departure; the last one may be shorter."""
    start, end = claim.trip.departure_utc, claim.trip.return_utc
    result = []
    while start < end:
        result.append(Period(len(result), start, min(start + DAY, end)))
        start += DAY
    return result


def hours_text(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _kind_of_period(period: Period, is_whole_trip: bool, rates: Rates, text: Text) -> tuple[str, str, str] | None:
    """(line kind, rule id, why) for a period, or None when it earns nothing."""
    span = period.length
    if is_whole_trip:  # the trip is shorter than 24 h (R6)
        full, part = rates.limit("per_diem_full_over_hours"), rates.limit("per_diem_partial_over_hours")
        if span > full * HOUR:
            return (
                "per_diem_full",
                "per-diem.full",
                text._("trip {hours} > {limit} h", hours=hours_text(span), limit=full),
            )
        if span > part * HOUR:
            return (
                "per_diem_partial",
                "per-diem.partial",
                text._("trip {hours} > {limit} h", hours=hours_text(span), limit=part),
            )
        return None
    if span == DAY:
        return "per_diem_full", "per-diem.travel-day", text._("a complete 24-hour travel day")
    full, part = rates.limit("remainder_full_over_hours"), rates.limit("remainder_partial_min_hours")
    if span > full * HOUR:
        return (
            "per_diem_full",
            "per-diem.remainder-full",
            text._("last part-day {hours} > {limit} h", hours=hours_text(span), limit=full),
        )
    if span >= part * HOUR:
        return (
            "per_diem_partial",
            "per-diem.remainder-partial",
            text._("last part-day {hours} ≥ {limit} h", hours=hours_text(span), limit=part),
        )
    return None


def per_diem_lines(claim: Claim, trip_periods: list[Period], rates: Rates, text: Text) -> dict[int, Line]:
    """A line for each travel day that earns a per diem, by period, halved for free meals (R5-R9)."""
    if claim.trip.distance_km <= rates.limit("per_diem_min_distance_over_km"):
        return {}
    whole_trip = len(trip_periods) == 1 and trip_periods[0].length < DAY
    lines = {}
    for period in trip_periods:
        earned = _kind_of_period(period, whole_trip, rates, text)
        if earned is None:
            continue
        kind, rule, why = earned
        full = kind == "per_diem_full"
        rate = rates.amount("per_diem_full" if full else "per_diem_partial")
        prefix = "" if whole_trip else text._("day {n}: ", n=period.index + 1)
        explanation = prefix + why + " → " + text.money(rate)
        meals = claim.free_meals[period.index] if period.index < len(claim.free_meals) else 0
        halve_at = rates.limit("full_halved_at_free_meals" if full else "partial_halved_at_free_meals")
        if meals >= halve_at:
            halved = cents(rate * HALF)
            explanation += text._("; {meals} free meals → 50 % = {amount}", meals=meals, amount=text.money(halved))
            rate, rule = halved, "per-diem.free-meals"
        lines[period.index] = Line(kind, ONE, rate, rate, rule, explanation)
    return lines


def meal_allowance_line(claim: Claim, rates: Rates, text: Text) -> Line | None:
    """The meal allowance of R10: a long enough trip too close for a per diem, one meal."""
    distance = claim.trip.distance_km
    span = duration(claim)
    if distance > rates.limit("per_diem_min_distance_over_km"):
        return None
    if distance < rates.limit("meal_allowance_min_km") or span <= rates.limit("meal_allowance_over_hours") * HOUR:
        return None
    rate = rates.amount("meal_allowance")
    explanation = text._(
        "no per diem within {limit} km; trip {hours} > {over} h, {km} km ≥ {min} km → one meal {amount}",
        limit=rates.limit("per_diem_min_distance_over_km"),
        hours=hours_text(span),
        over=rates.limit("meal_allowance_over_hours"),
        km=text.number(distance),
        min=rates.limit("meal_allowance_min_km"),
        amount=text.money(rate),
    )
    return Line("meal_allowance", ONE, rate, rate, "meal-allowance", explanation)
