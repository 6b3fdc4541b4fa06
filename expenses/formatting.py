"""Display helpers: money, dates and statuses in the reader's language, for pages (Jinja filters), PDFs and mail."""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache

from babel import dates, numbers
from flask import Flask
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from rules import RULES, RuleText, describe
from rules.programme import HELSINKI

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


#: One way to write a date, a time of day and the two together in each language (issue 14, item 10):
#: Finnish 23.4.2024 klo 10.00, Swedish 23.4.2024 kl. 10.00, English in the European order
#: 23 Apr 2024, 10:00. Never seconds, never the US order, never ISO text; always Helsinki time.
#: Babel patterns (CLDR syntax), so that month names come from Babel's locale data.
@dataclass(frozen=True, slots=True)
class Patterns:
    date: str
    time: str
    datetime: str


PATTERNS = {
    "fi": Patterns("d.M.yyyy", "H.mm", "d.M.yyyy 'klo' H.mm"),
    "sv": Patterns("d.M.yyyy", "H.mm", "d.M.yyyy 'kl.' H.mm"),
    "en": Patterns("d MMM yyyy", "HH:mm", "d MMM yyyy, HH:mm"),
}
DEFAULT_LANGUAGE = "fi"


def patterns(locale: str) -> Patterns:
    return PATTERNS.get(locale.split("_")[0], PATTERNS[DEFAULT_LANGUAGE])


# Lists show the same amounts and times on every request; Babel's formatting of one costs more than
# the rest of its table row. Formatted texts are kept per value and language (a bounded cache).
@lru_cache(maxsize=16384)
def _money(value: Decimal, locale: str) -> str:
    return numbers.format_currency(value, "EUR", locale=locale)


@lru_cache(maxsize=16384)
def _datetime(value: datetime, pattern: str, locale: str, zone: tzinfo) -> str:
    return dates.format_datetime(value, pattern, tzinfo=zone, locale=locale)


@lru_cache(maxsize=4096)
def _date(value: date, pattern: str, locale: str) -> str:
    return dates.format_date(value, pattern, locale=locale)


def _moment(value: datetime | str) -> datetime | None:
    """An aware datetime. Claim bodies keep the trip's times as naive ISO text in Helsinki wall time
    (as the rules engine reads them), so naive values are Helsinki time; stored columns are aware."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=HELSINKI)


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else DEFAULT_LANGUAGE


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

    def when(self, value: datetime | str | None) -> str:
        """A moment, date and time of day: 23.4.2024 klo 10.00 (fi), 23 Apr 2024, 10:00 (en)."""
        if not value:
            return ""
        moment = _moment(value)
        if moment is None:
            return str(value)  # not a time after all: show what was given rather than fail the page
        return _datetime(moment, patterns(self.locale).datetime, self.locale, self.zone)

    def day(self, value: date | datetime | str | None) -> str:
        """A date (or an ISO date string, as in claim bodies): 23.4.2024 (fi, sv), 23 Apr 2024 (en)."""
        if not value:
            return ""
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date() if value.tzinfo else value.date()
        return _date(value, patterns(self.locale).date, self.locale)

    def time(self, value: datetime | str | None) -> str:
        """The time of day alone, without seconds: 10.00 (fi, sv), 10:00 (en)."""
        if not value:
            return ""
        moment = _moment(value)
        if moment is None:
            return str(value)
        return _datetime(moment, patterns(self.locale).time, self.locale, self.zone)

    def span(self, start: datetime, end: datetime) -> str:
        """A period: 23.4.2024 klo 10.00–15.00 within a day, both moments in full across days."""
        first, last = _moment(start), _moment(end)
        if first is None or last is None:
            return f"{self.when(start)}–{self.when(end)}"
        if first.astimezone(self.zone).date() == last.astimezone(self.zone).date():
            return f"{self.when(first)}–{self.time(last)}"
        return f"{self.when(first)} – {self.when(last)}"


def formats(locale: str | None = None) -> Formats:
    """The current reader's formats, or those of `locale` (a mail's or a document's language)."""
    return Formats(locale or _locale(), get_timezone())


def money(value: Decimal | str | None) -> str:
    return formats().money(value)


def when(value: datetime | str | None) -> str:
    """A moment in the reader's language and Helsinki time: 23.4.2024 klo 10.00."""
    return formats().when(value)


def day(value: date | datetime | str | None) -> str:
    """A date in the reader's language: 23.4.2024, 23 Apr 2024."""
    return formats().day(value)


def time_of_day(value: datetime | str | None) -> str:
    """A time of day in the reader's language, without seconds: 10.00, 10:00."""
    return formats().time(value)


def span(start: datetime, end: datetime) -> str:
    """A period in the reader's language: 23.4.2024 klo 10.00–15.00."""
    return formats().span(start, end)


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
    app.jinja_env.filters.update(money=money, when=when, day=day, time_of_day=time_of_day, status_name=status_name)
    app.jinja_env.globals.update(
        ROLE_NAMES=ROLE_NAMES, STATUS_NAMES=STATUS_NAMES, LINE_KINDS=LINE_KINDS, RULES=RULES, language=language,
        rule_text=rule_text, span=span,
    )
