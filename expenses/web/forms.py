"""The base of every form of the pages: what WTForms checks, and that no text holds control characters."""

from collections.abc import Iterator

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, TextAreaField

from expenses.text import refusal


def _leaves(fields: object) -> Iterator[Field]:
    for field in fields:  # a form or a list of fields: both iterate over their fields
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(field.entries)
        else:
            yield field


class CheckedForm(FlaskForm):
    """A FlaskForm whose text fields refuse control characters (a textarea keeps its line breaks)."""

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        for field in _leaves(self):
            if isinstance(field.data, str):
                message = refusal(field.data, multiline=isinstance(field, TextAreaField))
                if message:
                    field.errors = [*field.errors, message]
                    valid = False
        return valid
