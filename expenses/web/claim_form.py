"""The mentor's claim form: WTForms fields, the claim JSON built from them, and errors mapped back onto them.

The form only parses what people type (Finnish decimal commas, date pickers, receipt uploads);
the rules engine stays the one judge of what a claim must contain, so its `Invalid` errors,
named by JSON path ("trip.return", "expenses[1].amount"), are put back next to the form's fields.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    FieldList,
    FileField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from expenses import receipts
from expenses.extensions import db
from expenses.formatting import language
from expenses.models import Receipt, User
from expenses.web.forms import CheckedForm
from rules.claim import MAX_TRIP_DAYS, Problem

EXPENSE_TYPES = (
    # Short enough that a phone's select shows them whole; the type's hint gives the examples.
    ("public_transport", _l("Public transport")),
    ("own_car", _l("Own car")),
    ("taxi", _l("Taxi")),
    ("accommodation", _l("Accommodation")),
    ("night_travel", _l("Night travel allowance")),
    ("other", _l("Other cost")),
    ("meal", _l("Meal")),
)
#: The claim document's fields for each expense type besides type and date (docs/claims.md).
TYPE_FIELDS = {
    "public_transport": ("amount", "description", "sleeping_berth", "receipt"),
    "own_car": ("km", "passengers", "route"),
    "taxi": ("amount", "description", "reason", "receipt"),
    "accommodation": ("amount", "nights", "description", "receipt"),
    "night_travel": ("description",),
    "other": ("amount", "description", "receipt"),
    "meal": ("amount", "description", "receipt"),
}
#: The type a new claim's first row starts with: most mentors come by train or bus.
DEFAULT_TYPE = "public_transport"
#: Types whose row offers "return ticket: same as this".
RETURN_TYPES = ("public_transport", "taxi")
#: The parts of a row each type shows, named as in the form, for the script that hides the others.
FORM_TYPE_FIELDS = {
    kind: ["description" if name == "route" else name for name in names]
    + (["copy"] if kind in RETURN_TYPES else [])
    + (["meal-note"] if kind == "meal" else [])
    for kind, names in TYPE_FIELDS.items()
}
MAX_EXPENSES = 100
_NUMBER = re.compile(r"-?\d+([.,]\d+)?")
# A route's two ends: the last word before a dash and everything after it ("Juna Tampere–Helsinki").
_ROUTE = re.compile(r"(?P<head>.*?)(?P<start>[^\s–-]+)(?P<dash>\s*[–-]\s*)(?P<to>[^–-]+)")
_TIME_FORMAT = "%Y-%m-%dT%H:%M"
# Browsers send minutes; some add seconds when a step is set.
_TIME_FORMATS = [_TIME_FORMAT, "%Y-%m-%dT%H:%M:%S"]


def _decimal_text(raw: str) -> str:
    # Finnish users type "12,50" and often a space (or no-break space) as the thousands separator.
    return re.sub(r"[\s\u00a0\u202f]", "", raw).replace(",", ".")


class DecimalTextField(StringField):
    """A decimal typed with a comma or a point; `data` is a normalised string such as "12.50" or None.

    What was typed is shown back unchanged when it cannot be read, so nothing typed is lost.
    """

    def __init__(
        self, label=None, validators=None, places: int = 2, integer_digits: int = 7, money: bool = True, **kwargs
    ):
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.integer_digits = integer_digits
        self.money = money  # money always shows two decimals; a quantity such as km as few as it needs

    def process_formdata(self, valuelist: list) -> None:
        self.data = None
        raw = valuelist[0] if valuelist else ""
        text = _decimal_text(raw or "")
        if not text:
            return
        if not _NUMBER.fullmatch(text):
            raise ValueError(_("Enter a number, such as 12,50."))
        if text.startswith("-"):
            raise ValueError(_("Must not be negative."))
        number = Decimal(text)
        quantum = Decimal(1).scaleb(-self.places)
        if number != number.quantize(quantum) or len(text.split(".")[0]) > self.integer_digits:
            raise ValueError(_("Use at most %(n)s decimals.", n=self.places))
        self.data = str(number.quantize(quantum)) if self.money else format(number.normalize(), "f")

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data or ""


class FreeMealsField(StringField):
    """Free meals per travel day, typed as whole numbers separated by commas: "0, 2" → [0, 2]."""

    def process_formdata(self, valuelist: list) -> None:
        self.data = []
        parts = [p for p in re.split(r"[,;\s]+", (valuelist[0] if valuelist else "") or "") if p]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise ValueError(_("Write whole numbers separated by commas, such as 0, 2."))
        if len(parts) > MAX_TRIP_DAYS:  # the engine decides trips of at most this many days
            raise ValueError(_("Give at most one number per travel day."))
        self.data = [int(p) for p in parts]

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(str(n) for n in self.data or [])


class ExpenseForm(Form):
    """One expense row; which fields count depends on the type (TYPE_FIELDS)."""

    type = SelectField(
        _l("Type"),
        choices=[SelectChoice("", _l("Choose the type"))] + [SelectChoice(v, label) for v, label in EXPENSE_TYPES],
        description=_l("Public transport: train, bus, tram, flight or ferry. Other cost: such as parking."),
    )
    date = DateField(_l("Date"), validators=[Optional()], invalid_value_message=_l("Enter a date, such as 23.4.2024."))
    description = StringField(
        _l("Description"),
        validators=[Length(max=500)],
        description=_l("For example: Train Tampere–Helsinki. For own car: the route."),
    )
    amount = DecimalTextField(_l("Amount (€)"), description=_l("As on the receipt, such as 12,50."))
    km = DecimalTextField(_l("Kilometres (own car)"), integer_digits=6, money=False)
    passengers = IntegerField(
        _l("Passengers (own car)"), validators=[Optional(), NumberRange(min=0, max=8)], render_kw={"min": 0}
    )
    reason = StringField(
        _l("Reason for the taxi"),
        validators=[Length(max=500)],
        description=_l("Why public transport was not possible, such as: no bus before 06:00."),
    )
    nights = IntegerField(
        _l("Nights (accommodation)"), validators=[Optional(), NumberRange(min=1, max=60)], render_kw={"min": 1}
    )
    sleeping_berth = BooleanField(
        _l("The ticket includes a sleeping berth"),
        description=_l("A berth is the night's rest: no night travel allowance is paid for that night."),
    )
    receipt = FileField(_l("Receipt"), description=_l("PDF, JPEG or PNG, at most 10 MB."))
    receipt_id = HiddenField()

    def shows(self, part: str) -> bool:
        """Whether a part only some types have (the return-ticket copy, the meal note) belongs to this row."""
        return part in FORM_TYPE_FIELDS.get(self.type.data or "", ())

    def is_blank(self) -> bool:
        """A row nobody has filled in (such as a freshly added one) is not an expense.

        Its defaults (the first row's type, a date taken from the trip) alone do not make it one."""
        return not any(
            [
                self.type.data not in ("", DEFAULT_TYPE),
                self.description.data,
                self.amount.raw_data and self.amount.raw_data[0].strip(),
                self.km.raw_data and self.km.raw_data[0].strip(),
                self.reason.data,
                self.receipt_id.data,
            ]
        )


class SendForm(CheckedForm):
    """What sending a claim to finance asks: the declaration, and the bank account if none is on file."""

    declaration = BooleanField(
        _l(
            "I declare that the information in this claim is correct and that these costs have not been "
            "reimbursed to me from elsewhere."
        )
    )
    iban = StringField(
        _l("Bank account (IBAN) for the payment"),
        validators=[Length(max=42)],
        description=_l("Optional now: you can also add it later on your account page; it is needed before payment."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def declared(self) -> bool:
        """Whether the declaration was given; if not, its field says so."""
        if not self.declaration.data:
            add_error(self.declaration, _("Confirm that the claim is correct before sending it."))
        return bool(self.declaration.data)


class ClaimForm(SendForm):
    """The whole claim: the session (new claims only), the trip, free meals, the expense rows, and sending."""

    session = RadioField(_l("Session"), choices=[], validate_choice=False)
    version = HiddenField()
    start_place = StringField(
        _l("Start place"),
        validators=[Length(max=200)],
        description=_l("Where you left from: your home or workplace town."),
    )
    distance_km = DecimalTextField(_l("One-way distance to the venue (km)"), integer_digits=6, money=False)
    departure = DateTimeLocalField(
        _l("Departure"),
        format=_TIME_FORMATS,
        validators=[Optional()],
        invalid_value_message=_l("Enter a date and time, such as 23.4.2024 07:00."),
        description=_l("When you left home or work, Helsinki time."),
    )
    return_at = DateTimeLocalField(
        _l("Return"),
        format=_TIME_FORMATS,
        validators=[Optional()],
        invalid_value_message=_l("Enter a date and time, such as 23.4.2024 07:00."),
        description=_l("When you were back home or at work, Helsinki time."),
    )
    free_meals = FreeMealsField(
        _l("Free meals per travel day"),
        description=_l(
            "Meals you got free (also meals included in a ticket; hotel breakfast does not count), one number "
            "per travel day of 24 hours from the departure, separated by commas, such as 0, 1. Leave empty if none."
        ),
    )
    expenses = FieldList(FormField(ExpenseForm), min_entries=0, max_entries=MAX_EXPENSES)


# --- rows: adding and removing without JavaScript ---------------------------------------------------


def set_sessions(form: ClaimForm, sessions: list[tuple[str, str]]) -> None:
    """The sessions the mentor may choose, as (id, title)."""
    form.session.choices = [SelectChoice(value, label) for value, label in sessions]


def row_index(entry: FormField) -> str:
    """The number in a row's field names ("expenses-3" → "3"), stable while rows are added or removed."""
    return entry.name.rsplit("-", 1)[-1]


def add_row(form: ClaimForm) -> FormField | None:
    if len(form.expenses.entries) >= MAX_EXPENSES:
        return None
    return form.expenses.append_entry()


def remove_row(form: ClaimForm, index: str) -> bool:
    for entry in form.expenses.entries:
        if row_index(entry) == index:
            form.expenses.entries.remove(entry)
            return True
    return False


def copy_row(form: ClaimForm, index: str) -> FormField | None:
    """The return ticket: a copy of row `index` dated on the return day, its route the other way round.

    The receipt is not copied: each ticket is paid once, on its own receipt."""
    source = next((e.form for e in form.expenses.entries if row_index(e) == index), None)
    if source is None:
        return None
    entry = add_row(form)
    if entry is None:
        return None
    row: ExpenseForm = entry.form
    row.type.data = source.type.data
    row.description.data = reversed_route(source.description.data or "")
    row.amount.data = source.amount.data
    row.amount.raw_data = source.amount.raw_data
    row.date.data = form.return_at.data.date() if form.return_at.data else source.date.data
    return entry


def reversed_route(text: str) -> str:
    """ "Train Tampere–Helsinki" → "Train Helsinki–Tampere"; text that is not one such route stays as it is."""
    match = _ROUTE.fullmatch(text.strip())
    if not match:
        return text
    return f"{match['head']}{match['to']}{match['dash']}{match['start']}"


def default_dates(form: ClaimForm) -> None:
    """Rows without a date (or an unreadable one) are dated on the departure day, as the script does."""
    if not form.departure.data:
        return
    for entry in form.expenses.entries:
        row: ExpenseForm = entry.form
        if row.date.data is None and not row.date.errors and not row.is_blank():
            row.date.data, row.date.raw_data = form.departure.data.date(), None  # shown as the date, not as typed


def template_row() -> ExpenseForm:
    """An empty row whose names carry a placeholder for the script that adds rows in the browser."""
    return ExpenseForm(prefix="expenses-__INDEX__-")


# --- receipts: stored at once, so a form with other errors never loses an upload ---------------------


def store_uploads(form: ClaimForm, owner: User) -> bool:
    """Store each row's newly chosen file and keep its id in the row; commit so the upload survives errors."""
    stored = False
    for entry in form.expenses.entries:
        upload = request.files.get(entry.form.receipt.name)
        if upload is None or not upload.filename:
            continue
        try:
            receipt = receipts.store(upload.stream, upload.filename, owner)
        except receipts.ReceiptError as e:
            add_error(entry.form.receipt, str(e))
            continue
        entry.form.receipt_id.data = receipt.id
        stored = True
    if stored:
        db.session.commit()
    return stored


def attached_receipts(form: ClaimForm, owner: User) -> dict[str, Receipt]:
    """The rows' receipts that really are the owner's; other ids are never described."""
    ids = {e.form.receipt_id.data for e in form.expenses.entries if e.form.receipt_id.data}
    return receipts.owned_receipts(owner, ids)


def file_size(size: int) -> str:
    if size < 1024 * 1024:
        return _("%(n)s kB", n=format_decimal(max(1, round(size / 1024))))
    return _("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))


# --- the claim document --------------------------------------------------------------------------------


@dataclass
class Built:
    """The claim JSON made from the form, and which form row each JSON expense came from."""

    body: dict
    rows: list[FormField] = field(default_factory=list)


def _moment(value: datetime | None) -> str | None:
    return value.strftime(_TIME_FORMAT) if value else None


def build_body(form: ClaimForm, session_id: str | None) -> Built:
    """The claim JSON (docs/claims.md) from the form; empty or unreadable values are left out for the engine to name."""
    trip: dict = {}
    if form.start_place.data and form.start_place.data.strip():
        trip["start_place"] = form.start_place.data.strip()
    for key, value in (
        ("distance_km", form.distance_km.data),
        ("departure", _moment(form.departure.data)),
        ("return", _moment(form.return_at.data)),
    ):
        if value is not None:
            trip[key] = value
    body: dict = {"session": session_id or "", "trip": trip}
    if form.free_meals.data:
        body["free_meals"] = form.free_meals.data
    built = Built(body)
    expenses = []
    for entry in form.expenses.entries:
        row: ExpenseForm = entry.form
        if row.is_blank():
            continue
        expenses.append(_expense(row))
        built.rows.append(entry)
    body["expenses"] = expenses
    return built


def _expense(row: ExpenseForm) -> dict:
    kind = row.type.data or ""
    expense: dict = {"type": kind}
    if row.date.data:
        expense["date"] = row.date.data.isoformat()
    wanted = TYPE_FIELDS.get(kind, ())
    text = (row.description.data or "").strip()
    values = {
        "amount": row.amount.data,
        "km": row.km.data,
        "passengers": row.passengers.data,
        "nights": row.nights.data,
        "sleeping_berth": True if row.sleeping_berth.data else None,  # left out unless ticked, as before
        "reason": (row.reason.data or "").strip() or None,
        "receipt": row.receipt_id.data or None,
        "description": text or None,
        "route": text or None,  # own car: the description is the route
    }
    for key in wanted:
        if values[key] is not None:
            expense[key] = values[key]
    return expense


def fill_from_body(form: ClaimForm, body: dict) -> None:
    """Put a stored claim into an unposted form (editing)."""
    trip = body.get("trip") or {}
    form.session.data = body.get("session")
    form.start_place.data = trip.get("start_place", "")
    form.distance_km.data = str(trip["distance_km"]) if trip.get("distance_km") is not None else None
    form.departure.data = _parse_moment(trip.get("departure"))
    form.return_at.data = _parse_moment(trip.get("return"))
    form.free_meals.data = list(body.get("free_meals") or [])
    while form.expenses.entries:
        form.expenses.pop_entry()
    for expense in body.get("expenses") or []:
        row: ExpenseForm = form.expenses.append_entry().form
        row.type.data = expense.get("type", "")
        row.date.data = _parse_day(expense.get("date"))
        row.description.data = expense.get("description") or expense.get("route") or ""
        row.amount.data = expense.get("amount")
        row.km.data = str(expense["km"]) if expense.get("km") is not None else None
        row.passengers.data = expense.get("passengers")
        row.reason.data = expense.get("reason", "")
        row.nights.data = expense.get("nights")
        row.sleeping_berth.data = expense.get("sleeping_berth") is True
        row.receipt_id.data = expense.get("receipt", "")


def _parse_moment(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None) if value else None
    except ValueError:
        return None


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- errors from the workflow, back onto the fields ----------------------------------------------------

_TRIP_FIELDS = {
    "start_place": "start_place",
    "distance_km": "distance_km",
    "departure": "departure",
    "return": "return_at",
}
_EXPENSE_FIELDS = {
    "type": "type",
    "date": "date",
    "description": "description",
    "route": "description",
    "amount": "amount",
    "km": "km",
    "passengers": "passengers",
    "reason": "reason",
    "nights": "nights",
    "sleeping_berth": "sleeping_berth",
    "receipt": "receipt",
}
_PATH = re.compile(r"(?P<head>[a-z_]+)(\[(?P<index>\d+)\])?(\.(?P<tail>[a-z_]+))?")


def add_error(target: Field, message: str) -> None:
    errors = list(target.errors or [])
    if message not in errors:
        errors.append(message)
    target.errors = errors


def _friendly(path_field: str, problem: Problem) -> str:
    """The engine's technical message, said for a person filling in a form, in their language."""
    message = problem.template or problem.message  # the English source, a stable key
    if message.startswith("is required"):
        return {
            "session": _("Choose the session."),
            "start_place": _("Enter the place you left from."),
            "distance_km": _("Enter the one-way distance in kilometres."),
            "departure": _("Enter the date and time of departure."),
            "return": _("Enter the date and time of return."),
            "date": _("Enter the date of the expense."),
            "amount": _("Enter the amount, such as 12,50."),
            "km": _("Enter the kilometres driven."),
        }.get(path_field, _("This field is required."))
    if path_field == "receipt":  # the form only ever sends ids of uploads; the service found it is not theirs
        return _("This is not a receipt you have uploaded. Upload the file again.")
    known = {
        "must not be negative": _("Must not be negative."),
        "must be after the departure": _("The return must be after the departure."),
        "must be more than 0.00": _("Must be more than zero."),
        "must be more than 0": _("Must be more than zero."),
        "must not be empty": _("This field is required."),
    }
    if message in known:
        return known[message]
    if message.startswith("must be one of"):
        return _("Choose the type of the expense.")
    # Anything else in the engine's own words, from its catalogue, as a sentence.
    text = problem.in_language(language())
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def apply_errors(form: ClaimForm, built: Built, problems: Sequence[Problem]) -> list[str]:
    """Attach each problem to its form field; return the messages that have no field."""
    loose: list[str] = []
    for problem in problems:
        path = problem.field
        target = _target(form, built, path)
        leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
        text = _friendly(leaf, problem)
        if target is None:
            loose.append(text)
        elif not target.errors:  # a field the form could not read already says why; the engine adds nothing
            add_error(target, text)
    return loose


def _target(form: ClaimForm, built: Built, path: str) -> Field | None:
    match = _PATH.fullmatch(path)
    if not match:
        return None
    head, index, tail = match["head"], match["index"], match["tail"]
    if head == "session":
        return form.session
    if head == "trip":
        return getattr(form, _TRIP_FIELDS[tail]) if tail in _TRIP_FIELDS else form.departure
    if head == "free_meals":
        return form.free_meals
    if head == "expenses" and index is not None and int(index) < len(built.rows):
        row: ExpenseForm = built.rows[int(index)].form
        return getattr(row, _EXPENSE_FIELDS[tail]) if tail in _EXPENSE_FIELDS else row.type
    return None


def field_errors(form: ClaimForm) -> list[tuple[str, str, str]]:
    """Every field error as (field id, label, message), in the order of the page, for the summary."""
    found: list[tuple[str, str, str]] = []
    for f in form:
        if f.name in ("csrf_token", "version"):
            continue
        if f.name == "expenses":
            for n, entry in enumerate(f.entries, start=1):
                for sub in entry.form:
                    for message in _messages(sub):
                        found.append((sub.id, _("Expense %(n)s: %(label)s", n=n, label=sub.label.text), message))
            continue
        for message in _messages(f):
            anchor = f"{f.id}-0" if f.name == "session" else f.id
            found.append((anchor, str(f.label.text), message))
    return found


def _messages(f: Field) -> list[str]:
    # A field's own messages: text, or lazy text (the date fields' "Enter a date…"); a list of rows
    # has lists and dicts of its rows' errors, which the rows report themselves.
    return [str(e) for e in (f.errors or []) if not isinstance(e, (list, tuple, dict))]


def has_errors(form: ClaimForm) -> bool:
    return bool(field_errors(form))


def validate_fields(form: ClaimForm) -> bool:
    """Run the form's own checks (readable numbers and dates); the engine checks the rest afterwards."""
    form.validate()
    # FieldList errors and process errors arrive as lists; normalise so later appends work.
    for f in form:
        f.errors = list(f.errors) if isinstance(f.errors, (list, tuple)) else f.errors
    for entry in form.expenses.entries:
        for sub in entry.form:
            sub.errors = list(sub.errors or [])
    return not has_errors(form)
