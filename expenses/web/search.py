"""Finding claims: the one search box of finance's and auditors' lists, and dates typed as people write them."""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_
from sqlalchemy.sql.elements import ColumnElement
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from expenses.models import Claim, User
from expenses.rounds import current_calendar
from expenses.web.claim_pages import session_label
from expenses.web.forms import CheckedForm

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


def matching(
    query: Select, term: str | None, name: ColumnElement = User.name, email: ColumnElement = User.email
) -> Select:
    """The claims of `query` that the search box's text finds: a reference finds its claim, other
    text the mentors whose name or e-mail contains it. The caller's query must join the mentor: as
    User, or as the table whose `name` and `email` columns it passes."""
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
            func.lower(name).contains(lowered, autoescape=True),
            name.contains(term, autoescape=True),
            func.lower(email).contains(lowered, autoescape=True),
        )
    )


class SearchForm(CheckedForm):
    """The search box and the session of a list of claims. A GET form: it changes nothing, so it needs no
    CSRF token, and a search is an address that can be bookmarked. Lists add their own filters."""

    class Meta:
        csrf = False

    q = search_field()
    session = SelectField(_l("Session"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session.choices = [("", _l("All sessions"))] + [
            (s.id, session_label(s.id)) for s in current_calendar().reimbursable()
        ]

    @property
    def term(self) -> str:
        return (self.q.data or "").strip()

    @property
    def searching(self) -> bool:
        """Whether the search narrows the list (a session chosen or a text typed)."""
        return bool(self.term or self.session.data)

    def args(self) -> dict[str, str]:
        """The search as address arguments, for links that keep it (another tab of the same list)."""
        return {name: value for name, value in (("q", self.term), ("session", self.session.data)) if value}

    def narrowed(self, query: Select, name: ColumnElement = User.name, email: ColumnElement = User.email) -> Select:
        """`query`'s claims of the chosen session that the search box finds (see `matching`)."""
        if self.session.data:
            query = query.where(Claim.session_id == self.session.data)
        return matching(query, self.term, name, email)


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
