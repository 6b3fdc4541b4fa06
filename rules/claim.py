"""The claim document (docs/claims.md) as typed values, and its validation.

`parse_claim` turns JSON-shaped data into a `Claim` or raises `MalformedClaim` listing every
problem at once, each naming its field, so the sender can fix them all in one round.

Problem messages are English (the command line's default); they are marked with `_` for the
`rules` catalogue and translated only where they are shown (`Problem.in_language`), so parsing
the claims that are fine costs nothing extra.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from rules.i18n import _, text_for
from rules.money import cents
from rules.programme import HELSINKI

EXPENSE_TYPES = ("public_transport", "own_car", "taxi", "accommodation", "night_travel", "other", "meal")
ROLES = ("mentor", "actor")
_AMOUNT = re.compile(r"\d{1,7}(\.\d{1,2})?")
_QUANTITY = re.compile(r"\d{1,6}(\.\d{1,2})?")

#: Years a date of a claim may have. Outside them a date is a typing mistake, and the arithmetic of
#: time zones and travel days would run past what a datetime holds (OverflowError) near years 1 and 9999.
FIRST_YEAR, LAST_YEAR = 1900, 2999
#: The longest trip the engine decides (engine.trip_too_long) and the most travel days free meals are given for.
MAX_TRIP_DAYS = 31

_TOP_FIELDS = frozenset({"session", "claimant", "trip", "free_meals", "expenses"})
_CLAIMANT_FIELDS = frozenset({"name", "role"})
_TRIP_FIELDS = frozenset({"start_place", "distance_km", "departure", "return"})
# Fields each expense type may carry besides "type" and "date"; the first group is required.
_EXPENSE_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "public_transport": ({"amount"}, {"description", "receipt", "sleeping_berth"}),
    "own_car": ({"km"}, {"passengers", "route", "description"}),
    "taxi": ({"amount"}, {"description", "receipt", "reason"}),
    "accommodation": ({"amount"}, {"nights", "description", "receipt"}),
    "night_travel": (set(), {"description"}),
    "other": ({"amount"}, {"description", "receipt"}),
    "meal": (set(), {"amount", "description", "receipt"}),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: which field, and what to fix."""

    field: str
    message: str  # English, with any values filled in
    template: str = ""  # the catalogue's msgid when `message` has values filled in
    params: tuple[tuple[str, object], ...] = ()

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}

    def in_language(self, lang: str | None) -> str:
        """The message in fi, sv or en; a message the catalogue does not know is returned as it is."""
        return text_for(lang)._(self.template or self.message, **dict(self.params))


def problem(field: str, message: str, **params: object) -> Problem:
    """A problem whose message template (marked with `_`) takes values, such as {minimum}."""
    return (
        Problem(field, message.format(**params), message, tuple(params.items())) if params else Problem(field, message)
    )


class MalformedClaim(ValueError):
    """The input is not a claim document; `problems` says every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


# Value objects, never changed after they are made; not frozen because frozen dataclasses cost
# three times as much to build, and the engine builds thousands a second (benchmarks/rules_eval.py).
@dataclass(slots=True)
class Trip:
    """Departure and return in Helsinki time, with the same instants in UTC.

    Every duration rule measures absolute time (DST-safe); the UTC instants are worked out once
    here because converting a zoned time costs more than the rest of a rule's arithmetic.
    """

    start_place: str
    distance_km: Decimal
    departure: datetime
    return_: datetime
    departure_utc: datetime
    return_utc: datetime


@dataclass(slots=True)
class Expense:
    type: str
    date: date
    amount: Decimal | None = None
    receipt: str | None = None
    description: str = ""
    km: Decimal | None = None
    passengers: int = 0
    route: str = ""
    reason: str = ""
    nights: int = 1
    sleeping_berth: bool = False  # a public-transport ticket that includes a berth for the night (R15c)


@dataclass(slots=True)
class Claim:
    session: str
    claimant_name: str
    claimant_role: str
    trip: Trip
    free_meals: tuple[int, ...]
    expenses: tuple[Expense, ...]


class _Reader:
    """Collects problems while reading fields, so that all of them are reported together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, where: str, key: str, message: str, **params: object) -> None:
        # The field's path is built only here: most claims have no problems, and the parser is hot.
        field = f"{where}.{key}" if where and key else where or key
        self.problems.append(problem(field, message, **params))

    def mapping(self, data: object, where: str, allowed: frozenset[str]) -> dict | None:
        """The object, or None (with a problem) when it is missing or not an object."""
        if not isinstance(data, dict):
            self.fail(where or "claim", "", _("is required") if data is None else _("must be a JSON object"))
            return None
        if not allowed.issuperset(data):
            for key in data.keys() - allowed:
                self.fail(where, key, _("is not a field of the claim document"))
        return data

    def text(self, data: dict, key: str, where: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(where, key, _("is required"))
            return ""
        if not isinstance(value, str):
            self.fail(where, key, _("must be a string"))
            return ""
        if required and not value.strip():
            self.fail(where, key, _("must not be empty"))
        if len(value) > 500:
            self.fail(where, key, _("must be at most 500 characters"))
        return value.strip()

    def amount(self, data: dict, key: str, where: str) -> Decimal | None:
        value = data.get(key)
        if value is None:
            self.fail(where, key, _('is required, as a string with at most two decimals, such as "12.50"'))
            return None
        if not isinstance(value, str):
            self.fail(where, key, _('must be a string with at most two decimals, such as "12.50"'))
            return None
        if value.startswith("-"):
            self.fail(where, key, _("must not be negative"))
            return None
        match = _AMOUNT.fullmatch(value)
        if match is None:
            self.fail(where, key, _('must be a number with at most two decimals, such as "12.50"'))
            return None
        # "12.5" and "12" are accepted but carried as 12.50 and 12.00: decisions show cents.
        amount = Decimal(value) if len(match[1] or "") == 3 else cents(Decimal(value))
        if amount == 0:
            self.fail(where, key, _("must be more than 0.00"))
            return None
        return amount

    def quantity(self, data: dict, key: str, where: str, required: bool = True) -> Decimal | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(where, key, _("is required"))
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.fail(where, key, _('must be a whole number or a decimal string such as "12.5"'))
            return None
        text = str(value)
        if text.startswith("-"):
            self.fail(where, key, _("must not be negative"))
            return None
        if not _QUANTITY.fullmatch(text):
            self.fail(where, key, _("must be a number with at most two decimals"))
            return None
        return Decimal(text)

    def count(self, data: dict, key: str, where: str, default: int, minimum: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, key, _("must be a whole number"))
            return default
        if value < minimum:
            self.fail(where, key, _("must be at least {minimum}"), minimum=minimum)
            return default
        if value > 1000:
            self.fail(where, key, _("is too large"))
            return default
        return value

    def flag(self, data: dict, key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(where, key, _("must be true or false"))
            return False
        return value

    def moment(self, data: dict, key: str, where: str) -> datetime | None:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            self.fail(where, key, _('is required, as a local date and time such as "2023-09-22T06:00"'))
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(where, key, _('must be a date and time such as "2023-09-22T06:00"'))
            return None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            self._out_of_range(where, key)
            return None
        # Local time is Helsinki time unless the sender gave an offset. `combine` rather than
        # `replace(tzinfo=…)`: the same datetime at a quarter of the cost, on the parser's hot path.
        if moment.tzinfo is None:
            return datetime.combine(moment.date(), moment.time(), HELSINKI)
        return moment.astimezone(HELSINKI)

    def day(self, data: dict, key: str, where: str) -> date | None:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            self.fail(where, key, _('is required, as a date such as "2023-09-22"'))
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(where, key, _('must be a date such as "2023-09-22"'))
            return None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self._out_of_range(where, key)
            return None
        return day

    def _out_of_range(self, where: str, key: str) -> None:
        self.fail(where, key, _("must be in the years {first}–{last}"), first=FIRST_YEAR, last=LAST_YEAR)


def _expense(reader: _Reader, data: object, where: str) -> Expense | None:
    if not isinstance(data, dict):
        reader.fail(where, "", _("must be a JSON object"))
        return None
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in _EXPENSE_TYPES_SET:
        reader.fail(where, "type", _("must be one of {types}"), types=", ".join(EXPENSE_TYPES))
        return None
    required, optional = _EXPENSE_FIELDS[kind]
    reader.mapping(data, where, _EXPENSE_ALLOWED[kind])
    day = reader.day(data, "date", where)
    amount = None
    if "amount" in required or ("amount" in optional and "amount" in data):
        amount = reader.amount(data, "amount", where)
    description = reader.text(data, "description", where, required=False) if "description" in data else ""
    # Read only where the type has the field: an unknown field has already been reported above.
    route = reader.text(data, "route", where, required=False) if kind == "own_car" and "route" in data else ""
    reason = reader.text(data, "reason", where, required=False) if kind == "taxi" and "reason" in data else ""
    receipt = data.get("receipt") if "receipt" in optional else None
    if receipt is not None and not isinstance(receipt, str):
        reader.fail(where, "receipt", _("must be a string: the receipt's id"))
    receipt = (receipt.strip() or None) if isinstance(receipt, str) else None
    km, passengers, nights, berth = None, 0, 1, False
    if kind == "own_car":
        km = reader.quantity(data, "km", where)
        if km == 0:
            reader.fail(where, "km", _("must be more than 0"))
        passengers = reader.count(data, "passengers", where, 0, 0)
    elif kind == "accommodation":
        nights = reader.count(data, "nights", where, 1, 1)
    elif kind == "public_transport" and "sleeping_berth" in data:
        berth = reader.flag(data, "sleeping_berth", where)
    if day is None:
        return None
    return Expense(kind, day, amount, receipt, description, km, passengers, route, reason, nights, berth)


_EXPENSE_TYPES_SET = frozenset(EXPENSE_TYPES)
# Worked out once rather than for every expense of every claim (the parser is on the hot path).
_EXPENSE_ALLOWED = {kind: frozenset({"type", "date"} | req | opt) for kind, (req, opt) in _EXPENSE_FIELDS.items()}


def parse_claim(data: object) -> Claim:
    """Check a claim document and return it typed; raise `MalformedClaim` with every problem."""
    reader = _Reader()
    top = reader.mapping(data, "", _TOP_FIELDS)
    if top is None:
        raise MalformedClaim(reader.problems)

    session = top.get("session")
    if not isinstance(session, str) or not session:
        reader.fail(
            "",
            "session",
            _("must be a string") if session else _('is required: the session\'s date, such as "2023-09-22"'),
        )
        session = ""

    # An empty object is present but lacks its fields: name each missing field, not the object.
    claimant = reader.mapping(top.get("claimant"), "claimant", _CLAIMANT_FIELDS)
    name = reader.text(claimant, "name", "claimant") if claimant is not None else ""
    role = claimant.get("role") if claimant is not None else None
    if claimant is not None and role not in ROLES:
        reader.fail(
            "claimant", "role", _("is required: mentor or actor") if role is None else _("must be mentor or actor")
        )

    trip_data = reader.mapping(top.get("trip"), "trip", _TRIP_FIELDS)
    trip = None
    if trip_data is not None:
        start_place = reader.text(trip_data, "start_place", "trip")
        distance = reader.quantity(trip_data, "distance_km", "trip")
        departure = reader.moment(trip_data, "departure", "trip")
        back = reader.moment(trip_data, "return", "trip")
        if departure and back:
            # Compared in absolute time: in the repeated autumn hour the wall clock can run backwards.
            departure_utc, back_utc = departure.astimezone(UTC), back.astimezone(UTC)
            if back_utc <= departure_utc:
                reader.fail("trip", "return", _("must be after the departure"))
            elif distance is not None:
                trip = Trip(start_place, distance, departure, back, departure_utc, back_utc)

    free_meals_data = top.get("free_meals", [])
    free_meals: tuple[int, ...] = ()
    if not isinstance(free_meals_data, list):
        reader.fail("", "free_meals", _("must be a list of whole numbers, one per travel day"))
    elif len(free_meals_data) > MAX_TRIP_DAYS:
        reader.fail("", "free_meals", _("must have at most {n} numbers, one per travel day"), n=MAX_TRIP_DAYS)
    else:
        for i, meals in enumerate(free_meals_data):
            if isinstance(meals, bool) or not isinstance(meals, int) or not 0 <= meals <= 5:
                reader.fail(f"free_meals[{i}]", "", _("must be a whole number of meals from 0 to 5"))
        free_meals = tuple(m for m in free_meals_data if isinstance(m, int))

    expenses_data = top.get("expenses", [])
    expenses: list[Expense] = []
    if not isinstance(expenses_data, list):
        reader.fail("", "expenses", _("must be a list"))
    elif len(expenses_data) > 100:
        reader.fail("", "expenses", _("must have at most 100 expenses"))
    else:
        for i, item in enumerate(expenses_data):
            expense = _expense(reader, item, f"expenses[{i}]")
            if expense is not None:
                expenses.append(expense)

    if reader.problems or trip is None or role is None:
        raise MalformedClaim(reader.problems or [Problem("claim", _("is incomplete"))])
    return Claim(session, name, role, trip, free_meals, tuple(expenses))
