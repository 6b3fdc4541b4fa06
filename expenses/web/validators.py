"""Form validators whose messages reach the page as plain text in the reader's language."""

from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from wtforms import Field, Form
from wtforms.validators import StopValidation, ValidationError

from expenses.accounts import AccountError, check_password_strength
from rules.claim import FIRST_YEAR, LAST_YEAR


def strong_password(personal: Callable[[Form], Iterable[str]]) -> Callable:
    """The one password check (accounts.check_password_strength) on a form's field, length included.

    `personal` gives what the password must not be built from: the person's e-mail and name.
    """

    def check(form: Form, field: Field) -> None:
        try:
            check_password_strength(field.data or "", personal(form))
        except AccountError as e:
            raise ValidationError(str(e)) from None

    return check


def plain(validator: Callable) -> Callable:
    """Wrap a validator so that its lazily translated message becomes a plain string when it fails.

    The shared error summary (templates/_forms.html) lists only messages that are strings, and a
    lazy string is not one; translating at validation time also picks the reader's language.
    """

    def check(form: Form, field: Field) -> None:
        try:
            validator(form, field)
        except StopValidation as e:
            raise StopValidation(str(e.args[0]) if e.args else None) from None
        except ValidationError as e:
            raise ValidationError(str(e.args[0]) if e.args else None) from None

    check.field_flags = getattr(validator, "field_flags", {})  # keeps e.g. `required` on the input
    return check


def within_years(form: Form, field: Field) -> None:
    """A date of the years the rules engine knows (rules.claim): year 1 or 9999 is a typing mistake, and
    working out its Helsinki day in UTC would run past what a datetime holds."""
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_("Enter a date in the years %(first)s–%(last)s.", first=FIRST_YEAR, last=LAST_YEAR))
