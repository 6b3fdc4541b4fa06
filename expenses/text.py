"""The one check of text that reaches the database or a query: no control characters, and no more than its column holds.

Text enters at the request (query strings here, forms in expenses.web.forms, JSON in expenses.api.inputs),
the roster file and the command line; each of them asks `refusal`. The flush check below is the last line:
whatever slipped past them is refused before PostgreSQL would fail on it ("text fields cannot contain
NUL", "value too long for type character varying") and turn a typing mistake into a 500.
"""

import re
from collections.abc import Iterator

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import String, Text, event
from sqlalchemy.orm import InstrumentedAttribute, Session

from expenses.extensions import db
from expenses.security import is_api_call

# C0 and C1 controls, DEL, line and paragraph separators, and lone surrogates (which cannot be encoded).
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# The same, less tab, line feed and carriage return: a reason or a description may have several lines.
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class TextRefused(ValueError):
    """Text that cannot be stored; `field` names where it was, `message` says what to fix (422)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def refusal(value: str, multiline: bool = False, limit: int | None = None) -> str | None:
    """What is wrong with the text, in the reader's language, or None when it can be stored.

    One line (names, e-mail addresses, references, query parameters) refuses line breaks and tabs too: a
    name goes into mail headers. `limit` is the most characters the text may have.
    """
    found = (_NOT_IN_TEXT if multiline else _NOT_IN_A_LINE).search(value)
    if found:
        return _(
            "Remove the control character %(char)s (such as a line break or a NUL byte) from the text.",
            char=f"U+{ord(found[0]):04X}",
        )
    if limit is not None and len(value) > limit:
        return _("At most %(n)s characters.", n=limit)
    return None


def limit(attribute: InstrumentedAttribute) -> int:
    """The most characters the column behind a model attribute holds, such as `limit(User.name)` → 200."""
    length = attribute.property.columns[0].type.length
    if length is None:
        raise TypeError(f"{attribute} has no length")
    return length


def _strings(session: Session) -> Iterator[tuple[str, str, bool, int | None]]:
    """(field, value, multiline, limit) of every text column of the rows about to be written."""
    for row in (*session.new, *session.dirty):
        mapper = getattr(row, "__mapper__", None)
        if mapper is None:
            continue
        for prop in mapper.column_attrs:
            # Only what the row holds now: an expired or deferred value is not being written and is not loaded.
            value = row.__dict__.get(prop.key)
            column = prop.columns[0]
            if isinstance(value, str) and isinstance(column.type, String):
                field = column.info.get("field", column.name)
                yield field, value, isinstance(column.type, Text), column.type.length


def _check_flush(session: Session, flush_context: object, instances: object) -> None:
    for field, value, multiline, length in _strings(session):
        message = refusal(value, multiline, length)
        if message:
            raise TextRefused(field, message)


def query_refusal() -> TextRefused | None:
    """The first query-string parameter (name or value) that is not one line of text, if any."""
    for name, value in request.args.items(multi=True):
        for text in (name, value):
            message = refusal(text)
            if message:
                return TextRefused(name if text is value else "query", message)
    return None


def answer(error: TextRefused):
    """The 422 answer to refused text: JSON naming the field under /api, a page elsewhere."""
    db.session.rollback()  # the flush that found it left the session unusable
    if is_api_call(request):
        errors = [{"field": error.field, "message": error.message}]
        return jsonify({"error": error.message, "code": "invalid", "errors": errors}), 422
    return render_template("error.html", status=422, message=error.message), 422


def init_app(app: Flask) -> None:
    if not event.contains(Session, "before_flush", _check_flush):  # one listener for every app made
        event.listen(Session, "before_flush", _check_flush)

    @app.before_request
    def refuse_bad_query():
        error = query_refusal()
        if error is not None:
            return answer(error)
        return None

    app.register_error_handler(TextRefused, answer)
