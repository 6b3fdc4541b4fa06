"""The ledger of claims: one definition of its rows and columns, written three ways.

- the office's CSV (`office_csv`): the reader's language, headers and statuses translated, local
  Helsinki times without seconds, amounts with the language's decimal sign (`;` between cells where
  that sign is a comma, as Finnish and Swedish spreadsheets expect), UTF-8 with a BOM;
- the integrations' CSV (`data_csv`): stable English column names, `,`, decimal point, ISO 8601;
- the XLSX workbook (`xlsx`): the office's headers, numbers as numbers in euro format, times as times.

Rows are read as plain columns (no Claim objects): the ZIP export writes the ledger of a thousand
claims and more (README, "Performance").
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, NamedTuple

from babel import dates, numbers
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import aliased

from expenses.formatting import STATUS_NAMES
from expenses.models import Claim, ClaimDocument, User, claim_reference
from expenses.web.claim_pages import session_label
from rules.programme import HELSINKI

#: The ledger's amount columns: the decision's line kinds as bookkeeping groups them. The night
#: travel allowance is paid, like the per diems, by the regulation's own rate for a period of travel.
KIND_GROUPS = {
    "per_diems": ("per_diem_full", "per_diem_partial", "night_travel_allowance"),
    "meal_allowance": ("meal_allowance",),
    "mileage": ("mileage",),
    "tickets": ("public_transport", "taxi"),
    "accommodation": ("accommodation",),
    "other": ("other",),
}
#: The groups' names where they are read as words (the PDF summary's subtotals).
GROUP_NAMES = {
    "per_diems": _l("Per diems"),
    "meal_allowance": _l("Meal allowance"),
    "mileage": _l("Kilometre allowance"),
    "tickets": _l("Tickets"),
    "accommodation": _l("Accommodation"),
    "other": _l("Other costs"),
}
_GROUP_OF = {kind: group for group, kinds in KIND_GROUPS.items() for kind in kinds}
#: Lines that the rules compute from the trip rather than copy from a receipt: what the mentor claims
#: for them is what the rules make of what they entered.
COMPUTED_KINDS = frozenset(KIND_GROUPS["per_diems"] + KIND_GROUPS["meal_allowance"] + KIND_GROUPS["mileage"])
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the integrations' name: never changes with the language, nor between releases
    label: object  # the office's header, a lazy text in the reader's language
    type: str  # text, session, status, time, money or hash: how each variant writes its cells
    optional: bool = False  # may be empty (None): a claim not yet paid has no payment


COLUMNS = (
    Column("reference", _l("Reference"), "text"),
    Column("mentor", _l("Mentor"), "text"),
    Column("session", _l("Session"), "session"),
    Column("status", _l("Status"), "status"),
    Column("submitted_at", _l("Submitted"), "time", optional=True),
    Column("checked_by", _l("Checked by"), "text", optional=True),
    Column("checked_at", _l("Checked"), "time", optional=True),
    Column("approved_by", _l("Approved by"), "text", optional=True),
    Column("approved_at", _l("Approved"), "time", optional=True),
    Column("paid_at", _l("Paid"), "time", optional=True),
    Column("payment_reference", _l("Payment reference"), "text", optional=True),
    Column("claimed", _l("Claimed (€)"), "money"),
    # "total" since the first ledger: integrations read the reimbursed amount by that name.
    Column("total", _l("Reimbursed (€)"), "money"),
    Column("per_diems", _l("Per diems (€)"), "money"),
    Column("meal_allowance", _l("Meal allowance (€)"), "money"),
    Column("mileage", _l("Kilometre allowance (€)"), "money"),
    Column("tickets", _l("Tickets (€)"), "money"),
    Column("accommodation", _l("Accommodation (€)"), "money"),
    Column("other", _l("Other costs (€)"), "money"),
    Column("pdf_sha256", _l("PDF SHA-256"), "hash", optional=True),
)
KEYS = tuple(c.key for c in COLUMNS)


class Entry(NamedTuple):
    """One claim of the ledger: its cells in the order of COLUMNS, and what the ZIP needs besides."""

    values: tuple
    claim_id: int
    mentor_id: int
    receipt_ids: tuple[str, ...]  # in the order of the expenses that cite them, each once

    @property
    def reference(self) -> str:
        return self.values[0]

    @property
    def pdf_sha256(self) -> str | None:
        return self.values[-1]


def claimed_amount(body: dict, decision: dict) -> Decimal:
    """What the mentor asked for: every receipt's amount as typed (also those the rules refuse, such as
    meals), and the allowances and mileage as the rules compute them from the trip entered."""
    typed = sum(
        (Decimal(str(e["amount"])) for e in body.get("expenses") or () if isinstance(e, dict) and e.get("amount")),
        ZERO,
    )
    computed = sum(
        (Decimal(line["amount"]) for line in decision.get("lines") or () if line.get("kind") in COMPUTED_KINDS),
        ZERO,
    )
    return typed + computed


def amounts_by_group(decision: dict) -> dict[str, Decimal]:
    """The reimbursed amount of each of KIND_GROUPS; all zero when the claim is not eligible."""
    sums = dict.fromkeys(KIND_GROUPS, ZERO)
    if decision.get("eligible", True):
        for line in decision.get("lines") or ():
            group = _GROUP_OF.get(line.get("kind"))
            if group:
                sums[group] += Decimal(line["amount"])
    return sums


def _receipt_ids(body: dict) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for e in body.get("expenses") or ():
        if isinstance(e, dict) and isinstance(e.get("receipt"), str) and e["receipt"]:
            seen.setdefault(e["receipt"])
    return tuple(seen)


BATCH = 100


def query(claims: Select) -> Select:
    """The selected claims (the caller's filters and order) as plain rows for `entries`.

    Aliases for the people: the auditor's query may join the mentor already, for its filters and sorting.
    """
    mentor, checker, approver = aliased(User), aliased(User), aliased(User)
    return (
        claims.with_only_columns(
            Claim.id,
            Claim.session_id,
            Claim.status,
            Claim.mentor_id,
            Claim.body,
            Claim.decision,
            Claim.submitted_at,
            Claim.checked_at,
            Claim.approved_at,
            Claim.paid_at,
            Claim.payment_reference,
            Claim.total,
            mentor.name,
            checker.name,
            approver.name,
            ClaimDocument.sha256,
        )
        .join(mentor, Claim.mentor_id == mentor.id)
        .outerjoin(checker, Claim.checked_by_id == checker.id)
        .outerjoin(approver, Claim.approved_by_id == approver.id)
        .outerjoin(ClaimDocument, ClaimDocument.claim_id == Claim.id)
        .execution_options(yield_per=BATCH)
    )


def entry(row) -> Entry:
    """One row of `query` as the ledger's cells."""
    # Unpacked rather than read by name: a Row's attributes cost as much again as the rest of the line.
    (claim_id, session_id, status, mentor_id, body, decision, submitted_at, checked_at, approved_at, paid_at,
     payment_reference, total, mentor, checker, approver, sha256) = row  # fmt: skip
    groups = amounts_by_group(decision)
    values = (
        claim_reference(claim_id, session_id),
        mentor,
        session_id,
        status,
        submitted_at,
        checker,
        checked_at,
        approver,
        approved_at,
        paid_at,
        payment_reference,
        claimed_amount(body, decision),
        total,
        *groups.values(),
        sha256,
    )
    return Entry(values, claim_id, mentor_id, _receipt_ids(body))


#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """Text as typed, except that a leading formula character is quoted so that no spreadsheet evaluates it."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


#: Excel's number formats for the XLSX's times, in the order of the office's CSV.
XLSX_TIME = {"fi": "d.m.yyyy h:mm", "sv": "d.m.yyyy h:mm", "en": "d mmm yyyy hh:mm"}
XLSX_MONEY = '#,##0.00 "€"'
LANGUAGES = tuple(XLSX_TIME)


def _language(locale: str) -> str:
    language = locale.split("_")[0]
    return language if language in LANGUAGES else "fi"


def _time_writer(language: str) -> Callable[[datetime], str]:
    """The office's times: the language's date and time of day (23.4.2024 10.15, 23 Apr 2024 10:15) in
    Helsinki, without the word between them ("klo") that pages use, so that a spreadsheet reads a time.

    Written by hand rather than by Babel's pattern engine: Babel took half of a thousand-claim export.
    """
    if language == "en":
        months = dates.get_month_names("abbreviated", locale="en")

        def english(value: datetime) -> str:
            t = value.astimezone(HELSINKI)
            return f"{t.day} {months[t.month]} {t.year} {t.hour:02d}:{t.minute:02d}"

        return english

    def dotted(value: datetime) -> str:
        t = value.astimezone(HELSINKI)
        return f"{t.day}.{t.month}.{t.year} {t.hour}.{t.minute:02d}"

    return dotted


def _writers(column_writers: dict[str, Callable[[object], str]]) -> tuple[Callable[[object], str], ...]:
    """One writer per column, by its type; an empty cell for an optional column's None."""

    def or_empty(write: Callable[[object], str]) -> Callable[[object], str]:
        return lambda value: "" if value is None else write(value)

    return tuple(or_empty(column_writers[c.type]) if c.optional else column_writers[c.type] for c in COLUMNS)


@dataclass(frozen=True)
class Office:
    """How the office's CSV writes cells for one reader's language."""

    language: str
    decimal: str
    delimiter: str
    statuses: dict[str, str]

    @classmethod
    def of(cls, locale: str) -> "Office":
        language = _language(locale)
        decimal = numbers.get_decimal_symbol(language)
        with force_locale(language):
            statuses = {status: str(name) for status, name in STATUS_NAMES.items()}
        # Where the decimal sign is a comma, spreadsheets separate cells with ';' (Excel's list separator).
        return cls(language, decimal, ";" if decimal == "," else ",", statuses)

    def headers(self) -> list[str]:
        with force_locale(self.language):
            return [str(c.label) for c in COLUMNS]

    def plain(self, kind: str, value: str) -> str:
        """A text cell as the reader reads it: statuses and sessions named in their language."""
        if kind == "status":
            return self.statuses.get(value, value)
        if kind == "session":
            return session_label(value, self.language)
        return value

    def row_writer(self) -> Callable[[tuple], list[str]]:
        """A row of the office's CSV: one writer per column, chosen once (a thousand rows are written)."""
        decimal = self.decimal
        by_type = {
            "money": lambda value: str(value).replace(".", decimal),
            "time": _time_writer(self.language),
            "text": text_cell,
            "status": lambda value: self.statuses.get(value, value),
            "session": lambda value: session_label(value, self.language),
            "hash": str,
        }
        writers = _writers(by_type)
        return lambda values: [write(value) for write, value in zip(writers, values, strict=True)]


def _iso(value: datetime) -> str:
    return value.astimezone(HELSINKI).replace(microsecond=0).isoformat()


_DATA_WRITERS = _writers({"time": _iso, "text": text_cell, "session": str, "status": str, "money": str, "hash": str})


def data_row(values: tuple) -> list[str]:
    """A row of the integrations' CSV: ISO 8601 times with their offset, amounts with a decimal point."""
    return [write(value) for write, value in zip(_DATA_WRITERS, values, strict=True)]


class Writer:
    """A CSV variant writing into a text buffer that the caller empties (`take`) as it goes."""

    def __init__(self, header: list[str], row: Callable[[tuple], list[str]], delimiter: str):
        self._buffer = io.StringIO()
        self._buffer.write("\ufeff")  # so that spreadsheet programs open the UTF-8 names (Ääninen) correctly
        self._csv = csv.writer(self._buffer, delimiter=delimiter)
        self._row = row
        self._csv.writerow(header)

    def write(self, values: tuple) -> None:
        self._csv.writerow(self._row(values))

    def take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def office_writer(locale: str) -> Writer:
    office = Office.of(locale)
    return Writer(office.headers(), office.row_writer(), office.delimiter)


def data_writer() -> Writer:
    return Writer(list(KEYS), data_row, ",")


def stream_csv(writer: Writer, rows: Iterable) -> Iterator[str]:
    """The CSV of `query` rows, a batch at a time."""
    try:
        for number, row in enumerate(rows, start=1):
            writer.write(entry(row).values)
            if number % BATCH == 0:
                yield writer.take()
        yield writer.take()
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()  # a server-side cursor on PostgreSQL must not outlive a stopped download


def write_xlsx(rows: Iterable, locale: str, out: IO[bytes]) -> None:
    """The ledger of `query` rows as an XLSX workbook into `out` (openpyxl's streaming writer)."""
    from openpyxl import Workbook  # loaded with the first workbook: no page needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    office = Office.of(locale)
    book = Workbook(write_only=True)
    with force_locale(office.language):
        sheet = book.create_sheet(str(_l("Ledger")))
    bold = Font(bold=True)
    header = []
    for text in office.headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.freeze_panes = "B2"
    sheet.append(header)
    time_format = XLSX_TIME[office.language]
    for row in rows:
        cells = []
        for column, value in zip(COLUMNS, entry(row).values, strict=True):
            if value is None:
                cells.append(None)
            elif column.type == "money":
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = XLSX_MONEY
                cells.append(cell)
            elif column.type == "time":
                # Excel's times have no zone: Helsinki wall time, to the minute.
                local = value.astimezone(HELSINKI).replace(tzinfo=None, second=0, microsecond=0)
                cell = WriteOnlyCell(sheet, value=local)
                cell.number_format = time_format
                cells.append(cell)
            else:
                # A string cell, never a formula, whatever the text starts with.
                cell = WriteOnlyCell(sheet, value=office.plain(column.type, value))
                cell.data_type = "s"
                cells.append(cell)
        sheet.append(cells)
    book.save(out)
