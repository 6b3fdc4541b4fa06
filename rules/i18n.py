"""Human text of findings and explanations in the reader's language (fi, sv, en).

The engine writes English source strings marked with `_`; catalogues under `rules/locale`
(domain `rules`, compiled by pybabel) translate them. Numbers and money are formatted here, with
the decimal separator of the language, so explanations read naturally in each.
"""

import gettext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"


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
        # Finnish and Finland-Swedish write 22.9.2023; English keeps the unambiguous ISO date.
        return value.isoformat() if self.lang == "en" else f"{value.day}.{value.month}.{value.year}"


@cache
def text_for(lang: str | None) -> Text:
    """The translator of a language; unknown or missing languages fall back to English."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    catalogue = gettext.translation("rules", LOCALE_DIR, languages=[lang], fallback=True)
    return Text(lang, catalogue)


def _(message: str) -> str:
    """Mark a string for extraction; it is translated where it is rendered."""
    return message
