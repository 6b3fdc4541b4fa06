"""Reading API requests: JSON bodies, versions for optimistic locking, text fields; 422 names the field."""

import json
import re
from datetime import date

from flask import request
from flask_babel import gettext as _

from expenses.models import STATUSES
from expenses.security import MAX_ID
from expenses.text import refusal
from expenses.workflow import Invalid
from rules.programme import MAX_SESSION_ID, SESSION_ID


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, errors=[{"field": field, "message": message}])


def json_body(field: str, required: bool) -> object:
    """The request body as JSON, whatever Content-Type says; an empty body is `{}` unless required."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise _invalid(field, _("The request body is empty. Send the claim as a JSON object."))
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise _invalid(
            field,
            _(
                "The request body is not valid JSON: %(problem)s (line %(line)s, column %(column)s).",
                problem=e.msg,
                line=e.lineno,
                column=e.colno,
            ),
        ) from None
    except (ValueError, RecursionError):  # not UTF-8, or nested beyond reason
        raise _invalid(field, _("The request body is not valid JSON.")) from None
    try:
        _refuse_control_characters(data, "")
    except RecursionError:
        raise _invalid(field, _("The request body is not valid JSON.")) from None
    return data


def claim_body() -> object:
    """A claim as JSON; its amounts may have a decimal comma, as people type them in the form ("12,50").

    The comma becomes a point here, for every amount and quantity, so the engine and the stored claim
    see one notation and the engine's 422 still names anything else that is not a number."""
    body = json_body("claim", required=True)
    if not isinstance(body, dict):
        return body
    places = [body.get("trip")] + (body.get("expenses") if isinstance(body.get("expenses"), list) else [])
    for place in places:
        if isinstance(place, dict):
            for key in DECIMAL_FIELDS:
                if isinstance(place.get(key), str) and _DECIMAL_COMMA.fullmatch(place[key]):
                    place[key] = place[key].replace(",", ".")
    return body


#: The number fields of a claim's trip and expenses that may be written as decimal strings.
DECIMAL_FIELDS = ("distance_km", "amount", "km")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")


def _refuse_control_characters(data: object, where: str) -> None:
    """Every text of the body, keys too, may have line breaks but no other control characters."""
    if isinstance(data, str):
        message = refusal(data, multiline=True)
        if message:
            raise _invalid(where or "body", message)
    elif isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}" if where else key
            _refuse_control_characters(key, path)
            _refuse_control_characters(value, path)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _refuse_control_characters(value, f"{where}[{i}]")


def action_body(*fields: str) -> dict:
    """The optional body of a finance or submit action: `{"version"}` and these `fields` (`reason`,
    `reference`); any other field is refused, as the OpenAPI document says, rather than silently ignored."""
    body = json_body("body", required=False)
    if not isinstance(body, dict):
        raise _invalid("body", _('The request body must be a JSON object, such as {"reason": "..."}.'))
    unknown = sorted(set(body) - {"version", *fields})
    if unknown:
        known = ", ".join(["version", *fields])
        raise _invalid(
            unknown[0], _("Unknown field %(field)s: this request takes %(fields)s.", field=unknown[0], fields=known)
        )
    return body


def text(body: dict, key: str) -> str:
    """A text field of an action body; a missing one is empty, so the workflow can say it is needed."""
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(key, _("Must be text."))
    return value


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def version(body: dict | None = None) -> int | None:
    """The version the client last saw, from `If-Match` or the body's "version"; None means do not compare."""
    header = request.headers.get("If-Match", "").strip()
    from_header = None
    if header and header != "*":
        tag = header.removeprefix("W/").strip().strip('"')
        from_header = _whole(tag)
        if from_header is None:
            raise _invalid("If-Match", _('Give the claim\'s version, as in its ETag, such as "3".'))
    from_body = None
    if body and body.get("version") is not None:
        from_body = _whole(body["version"])
        if from_body is None:
            raise _invalid("version", _("Give the claim's version as a whole number."))
    if from_header is not None and from_body is not None and from_header != from_body:
        raise _invalid("version", _("The version in the body and the If-Match header differ."))
    return from_header if from_header is not None else from_body


def statuses() -> list[str]:
    """The `status` filter of the claim list (repeatable); unknown statuses are refused, not ignored."""
    wanted = request.args.getlist("status")
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise _invalid(
            "status", _("Unknown status %(status)s: use one of %(all)s.", status=unknown[0], all=", ".join(STATUSES))
        )
    return wanted


def session_arg() -> str | None:
    """`?session=` of the claim list: a session's id, which starts with its date (1900–2999) and may go on,
    as a second session of a day does ("2026-11-20-2"); anything else, an empty value too, is refused, not
    answered with an empty list."""
    value = request.args.get("session")
    if value is None:
        return None
    match = SESSION_ID.fullmatch(value) if len(value) <= MAX_SESSION_ID else None
    try:
        valid = match is not None and 1900 <= date.fromisoformat(match.group(1)).year <= 2999
    except ValueError:
        valid = False
    if not valid:
        raise _invalid("session", _('Give the session\'s id, such as "2023-09-22" (GET /sessions lists them).'))
    return value


def claim_id_arg() -> int | None:
    """`?claim=ID` on a preview: the claim being edited, so it does not count as its own duplicate."""
    value = request.args.get("claim")
    if value is None or value == "":
        return None
    number = _whole(value)
    if number is None or number > MAX_ID:
        raise _invalid("claim", _("Give the claim's number."))
    return number
