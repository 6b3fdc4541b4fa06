"""Lines for the mentor's own expenses: car, tickets, taxi, accommodation, other costs (R11-R19)."""

from decimal import Decimal

from rules.claim import Expense
from rules.decision import Finding, Line
from rules.i18n import Text
from rules.money import cents
from rules.rates import Rates

ONE = Decimal(1)
#: Expense types paid per receipt, with the line kind and rule they make.
PER_RECEIPT = {
    "public_transport": ("public_transport", "travel.public-transport"),
    "taxi": ("taxi", "travel.taxi"),
    "accommodation": ("accommodation", "accommodation"),
    "other": ("other", "travel.other"),
}


def own_car(expense: Expense, index: int, rates: Rates, text: Text) -> Line:
    """km × (car rate + passengers × increment), rounded once for the line (R11, R12)."""
    km = expense.km or Decimal(0)
    per_km = rates.amount("car_per_km") + expense.passengers * rates.amount("passenger_per_km")
    amount = cents(km * per_km)
    if expense.passengers:
        explanation = text._(
            "{km} km × ({car} + {passengers} × {extra}) €/km = {amount}",
            km=text.number(km),
            car=text.number(rates.amount("car_per_km")),
            passengers=expense.passengers,
            extra=text.number(rates.amount("passenger_per_km")),
            amount=text.money(amount),
        )
    else:
        explanation = text._(
            "{km} km × {car} €/km = {amount}",
            km=text.number(km),
            car=text.number(rates.amount("car_per_km")),
            amount=text.money(amount),
        )
    return Line("mileage", km, per_km, amount, "travel.own-car", explanation, index)


def per_receipt(expense: Expense, index: int, rates: Rates, text: Text) -> tuple[Line, list[Finding]]:
    """A cost paid as on its receipt, with the warnings finance must look at (R16, R18)."""
    kind, rule = PER_RECEIPT[expense.type]
    amount = expense.amount or Decimal(0)
    findings: list[Finding] = []
    if expense.type == "accommodation":
        nights = Decimal(expense.nights)
        per_night = cents(amount / nights)
        threshold = rates.amount("accommodation_review_per_night")
        explanation = text.n_(
            "{amount} per receipt for {n} night ({per_night} a night)",
            "{amount} per receipt for {n} nights ({per_night} a night)",
            expense.nights,
            amount=text.money(amount),
            per_night=text.money(per_night),
        )
        if per_night > threshold:
            findings.append(
                Finding(
                    "accommodation_over_threshold",
                    "warning",
                    text._(
                        "Accommodation costs {per_night} a night, above the review threshold of {threshold}: "
                        "finance checks that it was reasonable.",
                        per_night=text.money(per_night),
                        threshold=text.money(threshold),
                    ),
                    index,
                )
            )
        return Line(kind, ONE, amount, amount, rule, explanation, index), findings
    explanation = text._("per receipt")
    if expense.description:
        explanation = f"{expense.description}: {explanation}"
    if expense.type == "taxi":
        if expense.reason:
            explanation += text._("; reason: {reason}", reason=expense.reason)
        else:
            findings.append(
                Finding(
                    "taxi_reason_missing",
                    "warning",
                    text._("A taxi needs a reason (no suitable public transport, time, luggage, health): add one."),
                    index,
                )
            )
    return Line(kind, ONE, amount, amount, rule, explanation, index), findings
