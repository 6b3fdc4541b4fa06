"""`evaluate`: a claim in, the decision out. Pure and deterministic."""

from datetime import date, timedelta

from rules.claim import MAX_TRIP_DAYS, Claim, parse_claim
from rules.decision import Decision, Finding, Line
from rules.expense_lines import PER_RECEIPT, own_car, per_receipt
from rules.i18n import Text, text_for
from rules.night_travel import night_travel
from rules.per_diem import duration, meal_allowance_line, per_diem_lines, periods
from rules.programme import Calendar, Session, load_calendar
from rules.rates import RateBook, load_rates


def _eligibility(claim: Claim, session: Session | None, calendar: Calendar, text: Text) -> list[Finding]:
    findings = []
    if claim.claimant_role != "mentor":
        findings.append(
            Finding(
                "not_a_mentor",
                "error",
                text._("The programme reimburses the travel of mentors only; actors' travel is not reimbursed."),
            )
        )
    if session is None:
        message = text._("{session} is not a session of the programme.", session=claim.session)
        try:
            period = calendar.independent_period(date.fromisoformat(claim.session))
        except ValueError:
            period = None
        if period is not None:
            message += " " + text._(
                "Independent meetings agreed between mentor and actor are not reimbursed; "
                "only the national in-person sessions in Helsinki are."
            )
        findings.append(Finding("unknown_session", "error", message))
    elif not session.reimbursed:
        why = (
            text._("it was held remotely, so there was no travel to reimburse")
            if session.mode == "remote"
            else text._("the programme does not reimburse travel to it")
        )
        findings.append(
            Finding(
                "session_not_reimbursable",
                "error",
                text._("The session of {date} is not reimbursed: {why}.", date=text.date(session.date), why=why),
            )
        )
    return findings


def _coverage(claim: Claim, session: Session, text: Text) -> list[Finding]:
    trip = claim.trip
    if trip.departure <= session.start and trip.return_ >= session.end:
        return []
    return [
        Finding(
            "trip_does_not_cover_session",
            "error",
            text._(
                "The trip must cover the session ({start}–{end} on {date}): leave before it starts and "
                "be back after it ends.",
                start=text.time(session.start),
                end=text.time(session.end),
                date=text.date(session.date),
            ),
        )
    ]


def _expense_checks(claim: Claim, text: Text) -> list[Finding]:
    findings = []
    first = claim.trip.departure.date() - timedelta(days=1)
    last = claim.trip.return_.date()
    for index, expense in enumerate(claim.expenses):
        if expense.type == "meal":
            findings.append(
                Finding(
                    "expense_not_reimbursable",
                    "error",
                    text._("Meals are not reimbursed as expenses: the daily allowance covers them. Remove this row."),
                    index,
                )
            )
        elif expense.type in PER_RECEIPT and not expense.receipt:
            findings.append(Finding("receipt_missing", "error", text._("Attach the receipt of this expense."), index))
        if not first <= expense.date <= last:
            findings.append(
                Finding(
                    "expense_outside_trip",
                    "warning",
                    text._("The expense is dated {date}, outside the trip.", date=text.date(expense.date)),
                    index,
                )
            )
    return findings


def evaluate(
    claim: Claim | dict,
    calendar: Calendar | None = None,
    rates: RateBook | None = None,
    lang: str | None = None,
) -> Decision:
    """Decide what the claim reimburses. A dict is parsed first (raising `MalformedClaim`)."""
    if not isinstance(claim, Claim):
        claim = parse_claim(claim)
    calendar = calendar or load_calendar()
    rates = rates or load_rates()
    text = text_for(lang)

    session = calendar.get(claim.session)
    findings = _eligibility(claim, session, calendar, text)
    if session is not None and session.reimbursed:
        findings += _coverage(claim, session, text)
    year_rates = rates.for_date(claim.trip.departure.date())
    if year_rates is None:
        findings.append(
            Finding(
                "rates_unavailable",
                "error",
                text._("There are no travel rates for {year}, the year of departure.", year=claim.trip.departure.year),
            )
        )
    findings += _expense_checks(claim, text)
    if duration(claim) > timedelta(days=MAX_TRIP_DAYS):
        # Decided no further: a programme trip lasts days, and each travel day would add lines.
        findings.append(
            Finding(
                "trip_too_long",
                "error",
                text._(
                    "The trip lasts over {days} days: check the departure and return dates. A trip to a "
                    "programme session lasts a few days at most.",
                    days=MAX_TRIP_DAYS,
                ),
            )
        )
    if year_rates is None or any(
        f.code in ("not_a_mentor", "unknown_session", "session_not_reimbursable", "trip_too_long") for f in findings
    ):
        return Decision(year_rates.ruleset if year_rates else None, (), tuple(findings))

    trip_periods = periods(claim)
    per_diem = per_diem_lines(claim, trip_periods, year_rates, text)
    lines: list[Line] = list(per_diem.values())
    meal = meal_allowance_line(claim, year_rates, text)
    if meal is not None:
        lines.append(meal)
    night_lines, night_findings = night_travel(claim, trip_periods, set(per_diem), year_rates, text)
    lines += night_lines
    findings += night_findings
    for index, expense in enumerate(claim.expenses):
        if expense.type == "own_car":
            lines.append(own_car(expense, index, year_rates, text))
        elif expense.type in PER_RECEIPT:
            line, expense_findings = per_receipt(expense, index, year_rates, text)
            lines.append(line)
            findings += expense_findings
    if len(claim.free_meals) > len(trip_periods):
        findings.append(
            Finding(
                "free_meals_beyond_trip",
                "warning",
                text._(
                    "Free meals are given for {given} travel days but the trip has {days}; the extra days are ignored.",
                    given=len(claim.free_meals),
                    days=len(trip_periods),
                ),
            )
        )
    return Decision(year_rates.ruleset, tuple(lines), tuple(findings))
