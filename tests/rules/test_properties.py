"""Properties of `evaluate` over generated claims (hypothesis)."""

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import evaluate
from tests.rules.claims import amounts, claim

TWO_DECIMALS = re.compile(r"\d+\.\d{2}")
SESSIONS = {"2023-09-22": (datetime(2023, 9, 22, 13), 3), "2024-04-23": (datetime(2024, 4, 23, 10), 5)}
ALLOWANCES = ("per_diem_full", "per_diem_partial", "meal_allowance")

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2).map(str)


@st.composite
def expenses(draw, day: str) -> dict:
    kind = draw(st.sampled_from(["public_transport", "own_car", "taxi", "accommodation", "night_travel", "other"]))
    expense: dict = {"type": kind, "date": day}
    if kind == "own_car":
        expense |= {"km": draw(st.integers(1, 2000)), "passengers": draw(st.integers(0, 4))}
    elif kind != "night_travel":
        expense |= {"amount": draw(money), "receipt": draw(st.sampled_from(["r", "", None]))}
        if kind == "taxi" and draw(st.booleans()):
            expense["reason"] = "late train"
        if kind == "accommodation":
            expense["nights"] = draw(st.integers(1, 3))
        if kind == "public_transport" and draw(st.booleans()):
            expense["sleeping_berth"] = draw(st.booleans())
    return {k: v for k, v in expense.items() if v is not None}


@st.composite
def claims(draw, covering: bool = False) -> dict:
    """Well-formed claims for a reimbursed session; `covering` keeps them eligible on time."""
    session = draw(st.sampled_from(sorted(SESSIONS)))
    start, length = SESSIONS[session]
    lead = draw(st.integers(0 if covering else -300, 3000))
    departure = start - timedelta(minutes=lead)
    after = timedelta(minutes=draw(st.integers(1, 3000)))
    back = start + timedelta(hours=length) + after if covering else departure + after
    day = departure.date().isoformat()
    return claim(
        departure.isoformat(timespec="minutes"),
        back.isoformat(timespec="minutes"),
        session=session,
        distance_km=draw(st.integers(0, 1200)),
        role=draw(st.sampled_from(["mentor"] * 9 + ["actor"])) if not covering else "mentor",
        free_meals=draw(st.lists(st.integers(0, 5), max_size=4)),
        expenses=draw(st.lists(expenses(day), max_size=6)),
    )


@given(claims())
@settings(max_examples=200)
def test_totals_never_negative_and_always_two_decimals(document):
    decision = evaluate(document).to_dict()
    assert TWO_DECIMALS.fullmatch(decision["total"])
    assert Decimal(decision["total"]) >= 0
    for line in decision["lines"]:
        assert TWO_DECIMALS.fullmatch(line["amount"]) and Decimal(line["amount"]) >= 0
    if not decision["eligible"]:
        assert decision["total"] == "0.00"
    else:
        assert Decimal(decision["total"]) == sum((Decimal(line["amount"]) for line in decision["lines"]), Decimal(0))


@given(
    departure=st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2024, 12, 28)),
    first=st.integers(1, 5000),
    extra=st.integers(1, 3000),
    distance=st.integers(0, 1200),
    free_meals=st.lists(st.integers(0, 5), max_size=5),
)
@settings(max_examples=200)
def test_daily_allowance_never_decreases_as_the_trip_gets_longer(departure, first, extra, distance, free_meals):
    # Same departure, same free meals, a later return: the allowances can only grow.
    # (Naive datetimes are Helsinki time, so this also crosses daylight-saving changes.)
    leave = departure.replace(second=0, microsecond=0)

    def allowance(minutes: int) -> Decimal:
        back = leave + timedelta(minutes=minutes)
        document = claim(leave.isoformat(), back.isoformat(), distance_km=distance, free_meals=free_meals)
        found = amounts(document)
        return sum((found.get(kind, Decimal(0)) for kind in ALLOWANCES), Decimal(0))

    assert allowance(first + extra) >= allowance(first)


@given(claims())
@settings(max_examples=100)
def test_evaluation_is_deterministic(document):
    first = evaluate(document).to_dict()
    again = evaluate(json.loads(json.dumps(document))).to_dict()
    assert first == again
    assert json.dumps(first) == json.dumps(evaluate(document).to_dict())


@given(claims(covering=True), money)
@settings(max_examples=200)
def test_a_receipted_ticket_raises_an_eligible_total_by_exactly_its_amount(document, amount):
    before = evaluate(document)
    if not before.eligible:  # e.g. a missing receipt among the generated expenses
        return
    day = document["trip"]["departure"][:10]
    document["expenses"].append({"type": "public_transport", "date": day, "amount": amount, "receipt": "r"})
    after = evaluate(document)
    assert after.eligible
    assert after.total - before.total == Decimal(amount)


@given(claims(covering=True), money)
@settings(max_examples=200)
def test_a_berth_on_the_requested_night_takes_exactly_the_night_travel_allowance_away(document, amount):
    before = evaluate(document)
    if not before.eligible:
        return
    night = sum((line.amount for line in before.lines if line.kind == "night_travel_allowance"), Decimal(0))
    day = document["trip"]["departure"][:10]  # the date of every generated request
    berth = {"type": "public_transport", "date": day, "amount": amount, "receipt": "r", "sleeping_berth": True}
    after = evaluate({**document, "expenses": [*document["expenses"], berth]})
    assert after.eligible
    assert "night_travel_allowance" not in [line.kind for line in after.lines]
    assert after.total == before.total - night + Decimal(amount)
