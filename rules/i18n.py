"""Human text of findings and explanations in the reader's language (fi, sv, en).

The engine writes English source strings marked with `_`; catalogues under `rules/locale`
(domain `rules`, compiled by pybabel) translate them. Numbers and money are formatted here, with
the decimal separator of the language, so explanations read naturally in each.
"""

import gettext
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Text:
    """Translation and number formatting for one language."""

    lang: str
    catalogue: gettext.NullTranslations

    def _(self, message: str, **params: object) -> str:
        translated = self.catalogue.gettext(message)
        return translated.format(**params) if params else translated

    def n_(self, singular: str, plural: str, n: int, **params: object) -> str:
        return self.catalogue.ngettext(singular, plural, n).format(n=n, **params)

    def money(self, value: Decimal) -> str:
        text = f"{value:,.2f}"
        if self.lang == "en":
            return "€" + text
        return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0€"

    def number(self, value: Decimal) -> str:
        text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
        return text if self.lang == "en" else text.replace(".", ",")

    def date(self, value: date) -> str:
        # As the service writes dates (expenses/formatting.py): 22.9.2023 in Finnish and Finland-Swedish,
        # 22 Sep 2023 in English (the European order; no ISO text, no US order). Written out here because
        # the engine stands alone, without Babel; tests/i18n/test_formatting.py checks both agree.
        if self.lang == "en":
            return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
        return f"{value.day}.{value.month}.{value.year}"

    def time(self, value: time | datetime) -> str:
        """A time of day without seconds: 10.00 in Finnish and Swedish, 10:00 in English."""
        return f"{value:%H:%M}" if self.lang == "en" else f"{value.hour}.{value.minute:02d}"


@cache
def text_for(lang: str | None) -> Text:
    """The translator of a language; unknown or missing languages fall back to English."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    catalogue = gettext.translation("rules", LOCALE_DIR, languages=[lang], fallback=True)
    return Text(lang, catalogue)


def _(message: str) -> str:
    """Mark a string for extraction; it is translated where it is rendered."""
    return message
