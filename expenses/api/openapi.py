"""The OpenAPI 3 document of /api/v1: schemas, shared responses and one entry per route, written out by hand.

Kept declarative on purpose: the claim and decision schemas restate docs/claims.md, and the
paths table restates docs/api.md, so a reader can check one against the other line by line.
tests/api/test_openapi.py fails when a route of the blueprint is missing here.
"""

from functools import cache

from expenses.documents import VERDICTS
from expenses.models import STATUSES
from expenses.security import MAX_ID
from rules.decision import LINE_KINDS
from rules.programme import MAX_SESSION_ID

JSON = "application/json"
MONEY = {"type": "string", "pattern": r"^\d{1,7}\.\d{2}$", "example": "89.90"}
AMOUNT = {
    "type": "string",
    "pattern": r"^(?=.*[1-9])\d{1,7}([.,]\d{1,2})?$",  # above zero
    "example": "89.90",
    "description": "more than 0; a decimal comma (\"89,90\") is read as a point, as in the form",
}
# A distance as the engine reads it (rules/claim.py): at most six digits and two decimals, either mark.
MAX_QUANTITY = 999_999
QUANTITY = {"type": "string", "pattern": r"^\d{1,6}([.,]\d{1,2})?$"}
POSITIVE = r"^(?=.*[1-9])\d{1,6}([.,]\d{1,2})?$"  # the same, above zero
MAX_COUNT = 1000  # passengers, nights: the engine's bound

# What the server checks of every text, said as patterns (expenses/text.py, rules/claim.py): no control
# characters but line breaks and tabs; a one-line text (a payment reference) not even those; years 1900–2999.
_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029"
_ONE_LINE = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
_YEAR = "(19|2[0-9])[0-9]{2}"
_DATE = _YEAR + "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
DAY = {"type": "string", "format": "date", "pattern": f"^{_DATE}$", "example": "2023-09-22"}
LOCAL_TIME = {
    "type": "string",
    "pattern": f"^{_DATE}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?([+-](0[0-9]|1[0-3]):[0-5][0-9])?$",
    "example": "2023-09-22T05:50",
    "description": "ISO 8601; local time in Europe/Helsinki when no offset is given; the years 1900–2999",
}
MOMENT = {"type": "string", "format": "date-time", "nullable": True, "description": "Europe/Helsinki, with offset"}
TEXT = {"type": "string", "maxLength": 500, "pattern": f"^[^{_CONTROL}]*$"}
#: Text that must say something: not empty, not only spaces.
WRITTEN = {
    "type": "string",
    "minLength": 1,
    "maxLength": 500,
    "pattern": f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$",
}
#: A session's id as a claim names it: its date when it is one of the calendar's, but any one line of text is
#: stored, with the finding unknown_session.
SESSION_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": 20,
    "pattern": f"^[^{_ONE_LINE}]+$",
    "example": "2023-09-22",
}
#: A session's id as the claim list filters by it (rules/programme.py SESSION_ID), years 1900–2999.
SESSION_FILTER = {
    "type": "string",
    "maxLength": MAX_SESSION_ID,
    "pattern": f"^{_DATE}(-[a-z0-9]+)*$",
    "example": "2026-11-20-2",
}
VERSION = {"type": "integer", "minimum": 0, "description": "optional; the claim's version, as in If-Match"}
RECEIPT_ID = {"type": "string", "description": "the id of a receipt you uploaded with POST /receipts"}


def _expense(kind: str, about: str, required: list[str], **fields: dict) -> dict:
    return {
        "type": "object",
        "description": about,
        "additionalProperties": False,
        "required": ["type", "date", *required],
        "properties": {"type": {"type": "string", "enum": [kind]}, "date": DAY, **fields},
    }


EXPENSES = {
    "public_transport": _expense(
        "public_transport",
        "Train, bus, tram, flight or ferry, per receipt.",
        ["amount"],
        amount=AMOUNT,
        description=TEXT,
        receipt=RECEIPT_ID,
        sleeping_berth={
            "type": "boolean",
            "default": False,
            "description": "the ticket includes a sleeping berth: no night-travel allowance for that night "
            "(dated as a night_travel request is)",
        },
    ),
    "own_car": _expense(
        "own_car",
        "Own car: kilometres driven, with passengers for the passenger increment.",
        ["km"],
        km={"oneOf": [{"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY}, {**QUANTITY, "pattern": POSITIVE}]},
        passengers={"type": "integer", "minimum": 0, "maximum": MAX_COUNT, "default": 0},
        route=TEXT,
        description=TEXT,
    ),
    "taxi": _expense(
        "taxi",
        "Taxi, per receipt, with the reason a taxi was needed.",
        ["amount"],
        amount=AMOUNT,
        reason=TEXT,
        description=TEXT,
        receipt=RECEIPT_ID,
    ),
    "accommodation": _expense(
        "accommodation",
        "Hotel, per receipt.",
        ["amount"],
        amount=AMOUNT,
        nights={"type": "integer", "minimum": 1, "maximum": MAX_COUNT, "default": 1},
        description=TEXT,
        receipt=RECEIPT_ID,
    ),
    "night_travel": _expense("night_travel", "Asks for the night-travel allowance on that date.", [], description=TEXT),
    "other": _expense(
        "other",
        "A necessary cost such as parking, per receipt.",
        ["amount"],
        amount=AMOUNT,
        description=TEXT,
        receipt=RECEIPT_ID,
    ),
    "meal": _expense(
        "meal",
        "Accepted so that the answer is clear: meals are covered by the daily allowance (expense_not_reimbursable).",
        [],
        amount=AMOUNT,
        description=TEXT,
        receipt=RECEIPT_ID,
    ),
}

SCHEMAS: dict[str, dict] = {
    "ClaimBody": {
        "type": "object",
        "description": "The claim document of docs/claims.md. The claimant comes from the token's user, "
        "never from the body.",
        "additionalProperties": False,
        "required": ["session", "trip"],
        "properties": {
            "session": {**SESSION_ID, "description": "the session's id: its date (GET /sessions)"},
            "trip": {
                "type": "object",
                "additionalProperties": False,
                "required": ["start_place", "distance_km", "departure", "return"],
                "properties": {
                    "start_place": WRITTEN,
                    "distance_km": {
                        "oneOf": [
                            {"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY},
                            QUANTITY,
                        ],
                        "description": "one-way distance from the start place to the venue; a decimal string may "
                        "have a comma or a point",
                    },
                    "departure": LOCAL_TIME,
                    "return": {**LOCAL_TIME, "description": "after the departure; local time without an offset"},
                },
            },
            "free_meals": {
                "type": "array",
                "maxItems": 31,
                "items": {"type": "integer", "minimum": 0, "maximum": 5},
                "description": "free meals per travel day (24-hour periods from departure); missing days count 0",
            },
            "expenses": {
                "type": "array",
                "maxItems": 100,
                "items": {
                    "oneOf": [{"$ref": f"#/components/schemas/Expense_{k}"} for k in EXPENSES],
                    "discriminator": {
                        "propertyName": "type",
                        "mapping": {k: f"#/components/schemas/Expense_{k}" for k in EXPENSES},
                    },
                },
            },
        },
    },
    **{f"Expense_{kind}": schema for kind, schema in EXPENSES.items()},
    "Decision": {
        "type": "object",
        "description": "What the claim reimburses, line by line, with every problem found (docs/claims.md).",
        "required": ["ruleset", "eligible", "lines", "findings", "total"],
        "properties": {
            "ruleset": {"type": "string", "nullable": True, "example": "fi-state-2023"},
            "eligible": {"type": "boolean"},
            "lines": {"type": "array", "items": "Line"},
            "findings": {"type": "array", "items": "Finding"},
            "total": {**MONEY, "description": '"0.00" when not eligible'},
        },
    },
    "Line": {
        "type": "object",
        "required": ["kind", "quantity", "rate", "amount", "rule", "explanation"],
        "properties": {
            "kind": {"type": "string", "enum": list(LINE_KINDS)},
            "quantity": {"type": "string", "example": "1"},
            "rate": MONEY,
            "amount": MONEY,
            "rule": {"type": "string", "example": "per-diem.full"},
            "explanation": {"type": "string", "description": "in the request's language"},
        },
    },
    "Finding": {
        "type": "object",
        "required": ["code", "severity", "message", "expense"],
        "properties": {
            "code": {"type": "string", "example": "receipt_missing"},
            "severity": {"type": "string", "enum": ["error", "warning"]},
            "message": {"type": "string", "description": "in the request's language"},
            "expense": {"type": "integer", "nullable": True, "description": "index into expenses"},
        },
    },
    "Person": {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string"}},
    },
    "ClaimSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string", "example": "MK-2023-000042"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "version": {"type": "integer", "description": 'send back in If-Match (or as "version") to act on it'},
            "session": SESSION_ID,
            "mentor": "Person",
            "total": MONEY,
            "eligible": {"type": "boolean"},
            "has_warnings": {"type": "boolean"},
            "created_at": MOMENT,
            "submitted_at": MOMENT,
            "updated_at": MOMENT,
        },
    },
    "Claim": {
        "allOf": [
            "ClaimSummary",
            {
                "type": "object",
                "properties": {
                    "language": {
                        "type": "string",
                        "enum": ["fi", "sv", "en"],
                        "description": "the claim's: the mentor's when last saved or submitted, and its PDF's; "
                        "the decision's texts are in the request's language",
                    },
                    "claim": "ClaimBody",
                    "decision": "Decision",
                    "status_reason": {"type": "string", "nullable": True},
                    "checked_by": "Person",
                    "checked_at": MOMENT,
                    "approved_by": "Person",
                    "approved_at": MOMENT,
                    "paid_at": MOMENT,
                    "payment_reference": {"type": "string", "nullable": True},
                    "history": {"type": "array", "items": "Event"},
                    "document": {
                        "type": "object",
                        "nullable": True,
                        "description": "the approval PDF, once approved",
                        "properties": {
                            "id": {"type": "string"},
                            "sha256": {"type": "string"},
                            "size": {"type": "integer"},
                            "signed": {"type": "boolean"},
                            "created_at": MOMENT,
                            "url": {"type": "string"},
                        },
                    },
                },
            },
        ]
    },
    "Event": {
        "type": "object",
        "description": "One entry of the audit trail.",
        "properties": {
            "action": {
                "type": "string",
                "enum": ["create", "update", "submit", "check", "approve", "return", "reject", "pay"],
            },
            "who": "Person",
            "when": MOMENT,
            "from": {"type": "string", "nullable": True},
            "to": {"type": "string"},
            "reason": {"type": "string", "nullable": True},
            "details": {"type": "object"},
        },
    },
    "Session": {
        "type": "object",
        "properties": {
            "id": DAY,
            "programme": {"type": "string"},
            "programme_name": {"type": "string"},
            "date": DAY,
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "place": {"type": "string"},
            "mode": {"type": "string", "enum": ["in_person", "remote"]},
            "title": {"type": "string", "description": "in the request's language"},
            "reimbursable": {"type": "boolean"},
            "claim_deadline": {**DAY, "nullable": True},
        },
    },
    "Receipt": {
        "type": "object",
        "required": ["id", "sha256", "content_type", "size"],
        "properties": {
            "id": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "content_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
            "size": {"type": "integer"},
        },
    },
    "Action": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"version": VERSION},
    },
    "Reason": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {"reason": {**WRITTEN, "maxLength": 2000}, "version": VERSION},
    },
    "Payment": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reference"],
        "properties": {
            "reference": {
                "type": "string",
                "minLength": 1,
                "maxLength": 100,
                "pattern": f"^[^{_ONE_LINE}]*[^\\s{_ONE_LINE}][^{_ONE_LINE}]*$",
            },
            "version": VERSION,
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "description": "Every refusal: `error` says why in the request's language; `code` is stable.",
        "properties": {
            "error": {"type": "string"},
            "code": {"type": "string", "example": "wrong_state"},
            "status": {"type": "string", "description": "the claim's status, on wrong_state"},
            "findings": {"type": "array", "items": "Finding", "description": "on ineligible / duplicate_claim"},
        },
    },
    "ValidationError": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "error": {"type": "string"},
            "code": {"type": "string", "enum": ["invalid"]},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": {"type": "string", "example": "expenses[0].amount"},
                        "message": {"type": "string", "example": "must not be negative"},
                    },
                },
            },
        },
    },
}


SCHEMAS["Verification"] = {
    "type": "object",
    "required": ["valid", "claim", "signed", "signature_valid", "sha256"],
    "properties": {
        "valid": {"type": "boolean", "description": "the file is exactly a summary this service issued"},
        "verdict": {
            "type": "string",
            "enum": list(VERDICTS),
            "description": "issued by this service and signed; issued unsigned (no signing key then); "
            "changed or never issued here",
        },
        "signer": {"type": "string", "nullable": True, "description": "the signing certificate's subject"},
        "claim": {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "reference": {"type": "string"}},
        },
        "signed": {"type": "boolean"},
        "signature_valid": {"type": "boolean", "nullable": True, "description": "null when not signed"},
        "sha256": {"type": "string"},
    },
}

#: A name or title by language (expenses.web.rounds' forms: at most 200 characters, one line, Finnish required).
_LINE = {"type": "string", "maxLength": 200, "pattern": f"^[^{_ONE_LINE}]*$"}
_SAID_LINE = {**_LINE, "minLength": 1, "pattern": f"^[^{_ONE_LINE}]*[^\\s{_ONE_LINE}][^{_ONE_LINE}]*$"}
_CLOCK = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "13:00"}


def _by_language(required: bool) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["fi"] if required else [],
        "properties": {"fi": _SAID_LINE if required else _LINE, "sv": _LINE, "en": _LINE},
        "description": "by language: fi, sv, en",
    }


ROUND_VERSION = {"type": "integer", "minimum": 0, "description": "optional; the round's revision, as in If-Match"}
SCHEMAS["RoundSession"] = {
    "type": "object",
    "required": ["id", "date", "start", "end", "mode", "reimbursed", "place", "title", "claims"],
    "properties": {
        "id": {"type": "string", "example": "2026-11-20", "description": "its date, or the date and a number"},
        "date": DAY,
        "start": _CLOCK,
        "end": _CLOCK,
        "mode": {"type": "string", "enum": ["in_person", "remote"]},
        "reimbursed": {"type": "boolean"},
        "place": {"type": "string"},
        "title": {"type": "object", "additionalProperties": {"type": "string"}},
        "claim_deadline": {**DAY, "description": "its own deadline, when it has one"},
        "cancelled": {"type": "boolean"},
        "claims": {"type": "integer", "description": "how many claims name it: with any, it cannot be deleted"},
    },
}
SCHEMAS["Round"] = {
    "type": "object",
    "description": "A programme round as `flask programmes export` writes it, with its revision (the ETag).",
    "required": ["id", "timezone", "starts", "ends", "claim_deadline_months", "name", "sessions", "revision"],
    "properties": {
        "id": {"type": "string", "example": "hankinta-suomi-2026-2027"},
        "timezone": {"type": "string", "example": "Europe/Helsinki"},
        "starts": DAY,
        "ends": DAY,
        "claim_deadline_months": {"type": "integer"},
        "name": {"type": "object", "additionalProperties": {"type": "string"}},
        "sessions": {"type": "array", "items": "RoundSession"},
        "independent_meetings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "from": DAY,
                    "to": DAY,
                    "title": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
        "revision": {"type": "integer"},
    },
}
SCHEMAS["RoundBody"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "starts", "ends", "claim_deadline_months"],
    "description": "A new round without sessions; it may not end before it starts.",
    "properties": {
        "id": {"type": "string", "maxLength": 100, "pattern": "^[a-z0-9][a-z0-9-]*$", "description": "kept for good"},
        "name": _by_language(True),
        "starts": DAY,
        "ends": DAY,
        "claim_deadline_months": {"type": "integer", "minimum": 1, "maximum": 24},
        "version": ROUND_VERSION,
    },
}
SCHEMAS["RoundSessionBody"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["date", "start", "end", "place", "mode", "title"],
    "description": "A session: it ends after it starts, and its own claim deadline is not before it. A new date "
    "gives it a new id, which only a session without claims may get.",
    "properties": {
        "date": DAY,
        "start": _CLOCK,
        "end": _CLOCK,
        "place": _SAID_LINE,
        "mode": {"type": "string", "enum": ["in_person", "remote"]},
        "reimbursed": {"type": "boolean", "default": True, "description": "a remote session is never reimbursed"},
        "title": _by_language(True),
        "claim_deadline": {**DAY, "description": "optional; without it the round's rule"},
        "version": ROUND_VERSION,
    },
}
SCHEMAS["RoundChangeBody"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "starts", "ends", "claim_deadline_months"],
    "description": "The round's names, dates and claim deadline rule; it may not end before it starts.",
    "properties": {k: v for k, v in SCHEMAS["RoundBody"]["properties"].items() if k != "id"},
}
SCHEMAS["PeriodBody"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["from", "to", "title"],
    "description": "The independent-meetings period (replacing the round's); it may not end before it starts.",
    "properties": {"from": DAY, "to": DAY, "title": _by_language(True), "version": ROUND_VERSION},
}
SCHEMAS["RoundAction"] = {"type": "object", "additionalProperties": False, "properties": {"version": ROUND_VERSION}}


def _error(description: str, schema: str = "Error") -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


RESPONSES = {
    "Unauthorized": {
        **_error("No token, or not a valid one."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string", "example": 'Bearer realm="api"'}}},
    },
    "Forbidden": _error("The token's user has the wrong role for this."),
    "NotFound": _error(
        "No such claim, or one the caller may not read: someone else's, or for an auditor one not approved or paid."
    ),
    "Conflict": _error(
        "Wrong state for this (wrong_state), changed by someone else since the version given (changed), "
        "or not eligible (ineligible, with findings)."
    ),
    "Invalid": _error("Malformed input: every problem with the field it concerns.", "ValidationError"),
}

PARAMETERS = {
    "claim_id": ("path", {"schema": {"type": "integer"}, "description": "the claim's id"}),
    "If-Match": (
        "header",
        {
            "schema": {"type": "string", "pattern": r'^(\*|(W/)?"?[0-9]{1,10}"?)$'},
            "required": False,
            "description": "the claim's version (its ETag); when it is stale the answer is 409 changed",
        },
    ),
    "round_id": ("path", {"schema": {"type": "string"}, "description": "the round's id"}),
    "session_id": ("path", {"schema": {"type": "string"}, "description": "the session's id"}),
    "Round-If-Match": (
        "header",
        {
            "name": "If-Match",
            "schema": {"type": "string", "pattern": r'^(\*|(W/)?"?[0-9]{1,10}"?)$'},
            "required": False,
            "description": "the round's revision (its ETag); when it is stale the answer is 409 changed",
        },
    ),
    "Accept-Language": (
        "header",
        {"schema": {"type": "string", "example": "fi"}, "required": False, "description": "fi, sv or en"},
    ),
}


def _json(schema: object, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _claim_answer(description: str) -> dict:
    return {**_json("Claim", description), "headers": {"ETag": {"schema": {"type": "string"}}}}


def _operation(summary: str, who: str, responses: dict, body: dict | None = None, **extra: object) -> dict:
    operation: dict = {"summary": summary, "description": f"Who: {who}.", "responses": responses, **extra}
    if body is not None:
        operation["requestBody"] = body
    operation.setdefault("parameters", []).append("Accept-Language")
    return operation


def _body(schema: str, required: bool = True) -> dict:
    return {"required": required, "content": {JSON: {"schema": schema}}}


AUTH = {"401": "Unauthorized", "403": "Forbidden"}
#: A request body of one file in the multipart field `file` (receipts, PDFs to verify).
FILE_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}
ON_CLAIM = {**AUTH, "404": "NotFound", "409": "Conflict", "422": "Invalid"}


def _action(summary: str, who: str, body: str = "Action", required: bool = False) -> dict:
    return {
        "post": _operation(
            summary,
            who,
            {"200": _claim_answer("The claim after the action."), **ON_CLAIM},
            _body(body, required),
            tags=["finance" if who.startswith("finance") else "claims"],
            parameters=["If-Match"],
        )
    }


PATHS: dict[str, dict] = {
    "/openapi.json": {
        "get": _operation(
            "This document",
            "anyone, no token",
            {"200": {"description": "The OpenAPI document.", "content": {JSON: {"schema": {"type": "object"}}}}},
            security=[],
            tags=["meta"],
        )
    },
    "/sessions": {
        "get": _operation(
            "The programme's sessions, with whether each is reimbursable",
            "anyone signed in",
            {"200": _json({"type": "array", "items": "Session"}, "Every session, by date."), "401": "Unauthorized"},
            tags=["sessions"],
        )
    },
    "/claims/preview": {
        "post": _operation(
            "The decision a claim would get; nothing is stored",
            "mentor",
            {"200": _json("Decision", "The decision."), **AUTH, "404": "NotFound", "422": "Invalid"},
            _body("ClaimBody"),
            tags=["claims"],
            parameters=[
                {
                    "name": "claim",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                    "description": "the claim being edited, so that it is not its own duplicate: one of your own "
                    "(another mentor's is 404)",
                }
            ],
        )
    },
    "/receipts": {
        "post": _operation(
            "Upload a receipt (PDF, JPEG or PNG, at most 10 MB), to refer to from a claim's expenses",
            "mentor",
            {"201": _json("Receipt", "Stored."), **AUTH, "413": _error("The request is too large."), "422": "Invalid"},
            FILE_UPLOAD,
            tags=["claims"],
        )
    },
    "/claims": {
        "get": _operation(
            "Claims: a mentor's own; finance all; auditors the approved and paid ones",
            "mentor, finance, auditor (approved and paid claims only: other statuses list nothing)",
            {"200": _json({"type": "array", "items": "ClaimSummary"}, "Claims by id."), **AUTH, "422": "Invalid"},
            tags=["claims"],
            parameters=[
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "array", "items": {"type": "string", "enum": list(STATUSES)}},
                    "style": "form",
                    "explode": True,
                    "description": "only claims in these statuses (repeat the parameter for several)",
                },
                {
                    "name": "session",
                    "in": "query",
                    "required": False,
                    "schema": SESSION_FILTER,
                    "description": "a session's id (GET /sessions): its date, and more after it for a day's second",
                },
            ],
        ),
        "post": _operation(
            "Create a draft claim",
            "mentor",
            {
                "201": {
                    **_claim_answer("The draft, with its decision."),
                    "headers": {
                        "ETag": {"schema": {"type": "string"}},
                        "Location": {"schema": {"type": "string"}},
                    },
                },
                **AUTH,
                "409": _error("You already have a claim for this session (findings: duplicate_claim)."),
                "422": "Invalid",
            },
            _body("ClaimBody"),
            tags=["claims"],
        ),
    },
    "/claims/{claim_id}": {
        "parameters": ["claim_id"],
        "get": _operation(
            "A claim: body, decision, status, version and history",
            "its mentor, finance, auditor (approved and paid claims only; any other is 404)",
            {"200": _claim_answer("The claim."), **AUTH, "404": "NotFound"},
            tags=["claims"],
        ),
        "put": _operation(
            "Replace the claim's body",
            "its mentor, while draft or returned",
            {"200": _claim_answer("The claim with its new decision."), **ON_CLAIM},
            _body("ClaimBody"),
            tags=["claims"],
            parameters=["If-Match"],
        ),
    },
    "/claims/{claim_id}/submit": {
        "parameters": ["claim_id"],
        **_action(
            "Submit to finance (409 ineligible with the errors that block it). Submitting with the claimant's own "
            "token is their declaration that the claim is correct and that its costs have not been reimbursed to "
            "them from elsewhere, the declaration the web page asks for",
            "its mentor",
        ),
    },
    "/claims/{claim_id}/check": {
        "parameters": ["claim_id"],
        **_action("Check the claim (asiatarkastus)", "finance"),
    },
    "/claims/{claim_id}/approve": {
        "parameters": ["claim_id"],
        **_action("Approve a checked claim (hyväksyntä)", "finance, not the officer who checked it"),
    },
    "/claims/{claim_id}/return": {
        "parameters": ["claim_id"],
        **_action("Return for correction, with the reason", "finance", "Reason", True),
    },
    "/claims/{claim_id}/reject": {
        "parameters": ["claim_id"],
        **_action("Reject, with the reason", "finance", "Reason", True),
    },
    "/claims/{claim_id}/pay": {
        "parameters": ["claim_id"],
        **_action("Mark an approved claim paid, with the payment reference", "finance", "Payment", True),
    },
    "/claims/{claim_id}/summary.pdf": {
        "parameters": ["claim_id"],
        "get": _operation(
            "The archived PDF summary made at approval, byte for byte as stored",
            "its mentor, finance, auditor; approved or paid claims only",
            {
                "200": {
                    "description": "The PDF/A-3b document; its SHA-256 is in the ETag.",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
                **AUTH,
                "404": "NotFound",
                "409": "Conflict",
            },
            tags=["documents"],
        ),
    },
    "/verify": {
        "post": _operation(
            "Is this PDF exactly a summary this service issued, for which claim, with a valid signature?",
            "finance, auditor",
            {
                "200": _json("Verification", "The verdict."),
                **AUTH,
                "413": _error("The request is too large."),
                "422": "Invalid",
            },
            FILE_UPLOAD,
            tags=["documents"],
        )
    },
}

ADMIN = "admin"
ON_ROUND = {**AUTH, "404": _error("No such round, or no such session in it."), "422": "Invalid"}
REFUSED = _error(
    "Refused by the round's rules (refused: a session with claims cannot be deleted, a decided claim's session "
    "keeps its time, mode and reimbursement; an id already taken), or changed since the revision given (changed)."
)


def _round_answer(description: str, status: str = "200") -> dict:
    headers = {"ETag": {"schema": {"type": "string"}}}
    if status == "201":
        headers["Location"] = {"schema": {"type": "string"}}
    return {status: {**_json("Round", description), "headers": headers}}


def _round_change(summary: str, body: str, status: str = "200", required: bool = True) -> dict:
    return _operation(
        summary,
        ADMIN,
        {**_round_answer("The round after the change.", status), **ON_ROUND, "409": REFUSED},
        _body(body, required),
        tags=["rounds"],
        parameters=["Round-If-Match"],
    )


PATHS.update(
    {
        "/rounds": {
            "get": _operation(
                "The programme rounds, newest first, each with its sessions and independent-meetings period",
                ADMIN,
                {"200": _json({"type": "array", "items": "Round"}, "Every round."), **AUTH},
                tags=["rounds"],
            ),
            "post": _operation(
                "Create a round (its sessions are added one by one)",
                ADMIN,
                {**_round_answer("The new round.", "201"), **AUTH, "409": REFUSED, "422": "Invalid"},
                _body("RoundBody"),
                tags=["rounds"],
            ),
        },
        "/rounds/{round_id}": {
            "parameters": ["round_id"],
            "get": _operation(
                "A round with its sessions (each with its count of claims) and independent-meetings period",
                ADMIN,
                {**_round_answer("The round."), **AUTH, "404": _error("No such round.")},
                tags=["rounds"],
            ),
            "put": _round_change("Change the round's names, dates or claim deadline rule", "RoundChangeBody"),
        },
        "/rounds/{round_id}/independent": {
            "parameters": ["round_id"],
            "put": _round_change("Set the round's independent-meetings period", "PeriodBody"),
        },
        "/rounds/{round_id}/sessions": {
            "parameters": ["round_id"],
            "post": _round_change("Add a session; Location names it", "RoundSessionBody", "201"),
        },
        "/rounds/{round_id}/sessions/{session_id}": {
            "parameters": ["round_id", "session_id"],
            "get": _operation(
                "One session of the round",
                ADMIN,
                {
                    "200": {
                        **_json("RoundSession", "The session."),
                        "headers": {"ETag": {"schema": {"type": "string"}}},
                    },
                    **AUTH,
                    "404": _error("No such round, or no such session in it."),
                },
                tags=["rounds"],
            ),
            "put": _round_change("Change a session", "RoundSessionBody"),
            "delete": _round_change("Delete a session that has no claims", "RoundAction", required=False),
        },
        "/rounds/{round_id}/sessions/{session_id}/cancel": {
            "parameters": ["round_id", "session_id"],
            "post": _round_change("Cancel a session: it stays, no longer reimbursed", "RoundAction", required=False),
        },
    }
)


@cache
def document() -> dict:
    """The OpenAPI document; built once, it does not depend on the request."""
    from apispec import APISpec  # only when the document is asked for: the app starts faster

    spec = APISpec(
        title="Mentor travel claims API",
        version="1",
        openapi_version="3.0.3",
        info={
            "description": "Travel claims of the mentoring programme's mentors under the state travel regulation. "
            "Send `Authorization: Bearer TOKEN` (`flask --app wsgi users token EMAIL`). Human texts follow "
            "Accept-Language (fi, sv, en)."
        },
        servers=[{"url": "/api/v1"}],
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for name, response in RESPONSES.items():
        spec.components.response(name, response)
    for name, (location, parameter) in PARAMETERS.items():
        spec.components.parameter(name, location, parameter)
    for path, item in PATHS.items():
        parameters = item.get("parameters")
        operations = {method: operation for method, operation in item.items() if method != "parameters"}
        spec.path(path=path, operations=operations, parameters=parameters)
    return spec.to_dict()
