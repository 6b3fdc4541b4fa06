"""Display helpers for templates: money, dates and statuses in the reader's language."""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache

from babel import dates, numbers
from flask import Flask
from flask_babel import format_date, get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from rules import RULES, RuleText, describe

STATUS_NAMES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "checked": _l("Checked"),
    "returned": _l("Returned for correction"),
    "approved": _l("Approved"),
    "paid": _l("Paid"),
    "rejected": _l("Rejected"),
}
LINE_KINDS = {
    "per_diem_full": _l("Full per diem"),
    "per_diem_partial": _l("Part per diem"),
    "meal_allowance": _l("Meal allowance"),
    "night_travel_allowance": _l("Night travel allowance"),
    "mileage": _l("Kilometre allowance"),
    "public_transport": _l("Public transport"),
    "taxi": _l("Taxi"),
    "accommodation": _l("Accommodation"),
    "other": _l("Other cost"),
}
ROLE_NAMES = {
    "mentor": _l("Mentor"),
    "actor": _l("Actor"),
    "finance": _l("Ministry finance"),
    "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
}


# Lists show the same amounts and times on every request; Babel's formatting of one costs more than
# the rest of its table row. Formatted texts are kept per value and language (a bounded cache).
@lru_cache(maxsize=16384)
def _money(value: Decimal, locale: str) -> str:
    return numbers.format_currency(value, "EUR", locale=locale)


@lru_cache(maxsize=16384)
def _when(value: datetime, style: str, locale: str, zone) -> str:
    return dates.format_datetime(value, style, tzinfo=zone, locale=locale)


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "fi"


@dataclass(frozen=True, slots=True)
class Formats:
    """Money and times in one reader's locale and time zone, looked up once: a list of many rows
    formats through one of these instead of asking Flask-Babel for the locale in every cell."""

    locale: str
    zone: tzinfo

    def money(self, value: Decimal | str | None) -> str:
        if value is None or value == "":
            return ""
        return _money(Decimal(value), self.locale)

    def when(self, value: datetime | None, style: str = "short") -> str:
        """A stored time in the reader's language and time zone (Europe/Helsinki)."""
        if not value:
            return ""
        return _when(value, style, self.locale, self.zone)


def formats() -> Formats:
    """The current reader's formats."""
    return Formats(_locale(), get_timezone())


def money(value: Decimal | str | None) -> str:
    return formats().money(value)


def when(value: datetime | None, style: str = "short") -> str:
    """A stored time in the reader's language and time zone (Europe/Helsinki)."""
    return formats().when(value, style)


def day(value: date | str | None, style: str = "medium") -> str:
    """A date (or an ISO date string, as in claim bodies) as the reader's language writes it."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value  # not a date after all: show what was given rather than fail the page
    return format_date(value, style)


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def language() -> str:
    """The language of the current request: fi, sv or en."""
    locale = get_locale()
    return locale.language if locale else "fi"


def rule_text(rule_id: str) -> RuleText:
    """A decision line's rule in the reader's language: its title and the regulation, linked."""
    return describe(rule_id, language())


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, when=when, day=day, status_name=status_name)
    app.jinja_env.globals.update(
        ROLE_NAMES=ROLE_NAMES, STATUS_NAMES=STATUS_NAMES, LINE_KINDS=LINE_KINDS, RULES=RULES, language=language,
        rule_text=rule_text,
    )
