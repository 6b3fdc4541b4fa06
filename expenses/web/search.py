"""Finding claims: the one search box of finance's and auditors' lists, and dates typed as people write them."""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from expenses.models import Claim, User

#: A claim's reference as people quote it (MK-2024-000005), with or without the prefix and zeros.
REFERENCE = re.compile(r"(?:MK-?)?(?:(?P<year>\d{4})-)?(?P<number>\d{1,9})", re.IGNORECASE)
#: A date as Finnish and Swedish readers write it: 23.4.2024 or 23.04.2024.
DOTTED = re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})")


def search_field() -> StringField:
    return StringField(
        _l("Reference, mentor's name or e-mail"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example MK-2024-000123, Virtanen or maija@example.fi."),
    )


def matching(query: Select, term: str | None) -> Select:
    """The claims of `query` that the search box's text finds: a reference finds its claim, other
    text the mentors whose name or e-mail contains it. The caller's query must join the mentor as User."""
    term = (term or "").strip()
    if not term:
        return query
    reference = REFERENCE.fullmatch(term)
    if reference:
        found = Claim.id == int(reference["number"])
        if reference["year"]:
            found &= Claim.session_id.startswith(reference["year"])
        return query.where(found)
    # SQLite's lower() knows only ASCII, so "Åsa" is also looked for exactly as typed.
    lowered = term.lower()
    return query.where(
        or_(
            func.lower(User.name).contains(lowered, autoescape=True),
            User.name.contains(term, autoescape=True),
            func.lower(User.email).contains(lowered, autoescape=True),
        )
    )


class LocalDateField(DateField):
    """A date typed as the reader writes it (23.4.2024) or in ISO (2024-04-23)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        self.data = None
        try:
            dotted = DOTTED.fullmatch(text)
            if dotted:
                self.data = date(int(dotted["year"]), int(dotted["month"]), int(dotted["day"]))
            else:
                self.data = date.fromisoformat(text)
        except ValueError:
            pass
        if self.data is None:
            raise ValueError(_("Write the date as day.month.year, for example 23.4.2024, or as 2024-04-23."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data.day}.{self.data.month}.{self.data.year}" if self.data else ""
