"""The night travel allowance (yömatkaraha, R15), paid only when a `night_travel` expense asks.

Conditions, per 24-hour travel day: a per diem is payable for it, at least the threshold of its
hours fall between 21:00 and 07:00 local time (hours before 07:00 and after 21:00 of the same
period add up), no accommodation is claimed for a night that the period covers, and no ticket of
the trip includes a sleeping berth for that travel day (R15c).
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from rules.claim import Claim, Expense
from rules.decision import Finding, Line
from rules.i18n import Text
from rules.per_diem import HOUR, Period, hours_text
from rules.programme import HELSINKI
from rules.rates import Rates

ONE = Decimal(1)


def _night(day: date, rates: Rates) -> tuple[datetime, datetime]:
    """The night window that starts in the evening of `day`, in UTC."""
    return _night_window(day, rates.limit("night_window_start_hour"), rates.limit("night_window_end_hour"))


# Claims cluster on a few session dates, and converting zoned times is the dearest step here.
@lru_cache(maxsize=4096)
def _night_window(day: date, start_hour: int, end_hour: int) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(start_hour), HELSINKI)
    end = datetime.combine(day + timedelta(days=1), time(end_hour), HELSINKI)
    return start.astimezone(UTC), end.astimezone(UTC)


def _nights_of(period: Period, rates: Rates) -> dict[date, timedelta]:
    """For each night (named by its evening's date) the time of the period that falls in it."""
    first = period.start.astimezone(HELSINKI).date() - timedelta(days=1)
    last = period.end.astimezone(HELSINKI).date()
    overlap: dict[date, timedelta] = {}
    day = first
    while day <= last:
        start, end = _night(day, rates)
        span = min(end, period.end) - max(start, period.start)
        if span > timedelta(0):
            overlap[day] = span
        day += timedelta(days=1)
    return overlap


def _accommodated_nights(expenses: tuple[Expense, ...]) -> set[date]:
    return {e.date + timedelta(days=i) for e in expenses if e.type == "accommodation" for i in range(e.nights)}


def _berth_days(expenses: tuple[Expense, ...], trip_periods: list[Period], rates: Rates) -> set[int]:
    """The travel days whose night a ticket with a sleeping berth covers.

    A berth ticket's date is read as a night travel request's is (`_period_for`): the night that
    begins that evening, or the trip's night before it when the trip has none that evening (a
    night train dated by its arrival). So a request and the berth of the same night always meet.
    """
    days = set()
    for expense in expenses:
        if expense.sleeping_berth and (period := _period_for(expense.date, trip_periods, rates)) is not None:
            days.add(period.index)
    return days


def _period_for(day: date, trip_periods: list[Period], rates: Rates) -> Period | None:
    """The travel day a request dated `day` is for.

    A date names the night that begins that evening, as an accommodation date does; the request
    is for the travel day holding most of that night. So on a trip of two nights the second
    request reaches the second travel day instead of repeating the first. When no travel day
    reaches into that night (the trip ends before 21:00), the first travel day touching the date
    is meant, and R15's hour count then says why it is not payable.
    """
    start, end = _night(day, rates)
    best, most = None, timedelta(0)
    for period in trip_periods:
        span = min(end, period.end) - max(start, period.start)
        if span > most:
            best, most = period, span
    if best is not None:
        return best
    for period in trip_periods:
        if period.start.astimezone(HELSINKI).date() <= day <= period.end.astimezone(HELSINKI).date():
            return period
    return None


def _refusal(
    period: Period | None,
    expense: Expense,
    paid: set[int],
    accommodated: set[date],
    berths: set[int],
    rates: Rates,
    text: Text,
) -> tuple[str | None, timedelta]:
    """Why R15 does not pay for this request (None when it does), and the night hours counted."""
    if period is None:
        return text._("No night travel allowance: {date} is not a day of the trip.", date=text.date(expense.date)), (
            timedelta(0)
        )
    day_no = period.index + 1
    if period.index not in paid:
        return text._("No night travel allowance: no per diem is payable for travel day {n}.", n=day_no), timedelta(0)
    nights = _nights_of(period, rates)
    hours = sum(nights.values(), timedelta(0))
    if hours < rates.limit("night_min_hours") * HOUR:
        message = text._(
            "No night travel allowance: only {hours} of travel day {n} fall between 21:00 and 07:00; "
            "at least {needed} h are needed.",
            hours=hours_text(hours),
            n=day_no,
            needed=rates.limit("night_min_hours"),
        )
        return message, hours
    if accommodated & nights.keys():
        return text._("No night travel allowance: accommodation is claimed for that night."), hours
    if period.index in berths:
        return text._("No night travel allowance: a ticket claimed for that night includes a sleeping berth."), hours
    return None, hours


def night_travel(
    claim: Claim, trip_periods: list[Period], paid_periods: set[int], rates: Rates, text: Text
) -> tuple[list[Line], list[Finding]]:
    """Lines for the requests that meet R15, and a warning saying why for those that do not."""
    lines: list[Line] = []
    findings: list[Finding] = []
    if not any(e.type == "night_travel" for e in claim.expenses):  # most claims ask for none
        return lines, findings
    granted: set[int] = set()
    accommodated = _accommodated_nights(claim.expenses)
    berths = _berth_days(claim.expenses, trip_periods, rates)
    rate = rates.amount("night_travel")
    for index, expense in enumerate(claim.expenses):
        if expense.type != "night_travel":
            continue
        period = _period_for(expense.date, trip_periods, rates)
        if period is not None and period.index in granted:  # one allowance per travel day
            reason = text._("No night travel allowance: it is already claimed for travel day {n}.", n=period.index + 1)
        else:
            reason, hours = _refusal(period, expense, paid_periods, accommodated, berths, rates, text)
        if reason is not None:
            findings.append(Finding("night_travel_not_payable", "warning", reason, index))
            continue
        granted.add(period.index)
        explanation = text._(
            "day {n}: {hours} between 21:00 and 07:00 ≥ {needed} h, no accommodation → {amount}",
            n=period.index + 1,
            hours=hours_text(hours),
            needed=rates.limit("night_min_hours"),
            amount=text.money(rate),
        )
        lines.append(Line("night_travel_allowance", ONE, rate, rate, "night-travel", explanation, index))
    return lines, findings
