"""The admin's programme rounds over /api/v1: the same forms and service functions as the admin pages.

A JSON body is turned into the fields of the pages' own forms (expenses.web.rounds) and checked by
them, and the change goes through expenses.rounds, so the API refuses exactly what the pages refuse
and records each change with who and when in the round's trail.
"""

import json
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from expenses import rounds
from expenses.api import bp, inputs
from expenses.api.auth import api_user, roles
from expenses.extensions import db
from expenses.models import ProgrammeRound, ProgrammeSession
from expenses.web.rounds import NewRoundForm, PeriodForm, RoundForm, SessionForm
from expenses.workflow import Invalid, NotFound, Stale, WorkflowError
from rules.i18n import LANGUAGES

ADMIN_ONLY = _l("Only the admin can manage programme rounds.")
#: The fields of a body, each with the text fields by language it stands for ("name" → name_fi, name_sv, name_en).
ROUND_FIELDS = ("id", "name", "starts", "ends", "claim_deadline_months")
PERIOD_FIELDS = ("starts", "ends", "title")
PERIOD_NAMES = {"starts": "from", "ends": "to"}
SESSION_FIELDS = ("date", "start", "end", "place", "mode", "reimbursed", "title", "claim_deadline")
_BY_LANGUAGE = ("name", "title")


class Refused(WorkflowError):
    """A change the round's rules refuse (a session with claims, a decided claim's session): `problems` say why."""

    status, code = 409, "refused"


def _form_data(body: dict, fields: tuple[str, ...]) -> tuple[MultiDict, dict[str, str]]:
    """The body as the page's form would post it, and a message for each value of the wrong JSON type."""
    data: MultiDict = MultiDict()
    wrong: dict[str, str] = {}
    for key in fields:
        value = body.get(key)
        if key in _BY_LANGUAGE:
            if value is None:
                continue
            if not isinstance(value, dict) or set(value) - set(LANGUAGES):
                wrong[key] = _('Give the texts by language: {"fi": "…", "sv": "…", "en": "…"}.')
                continue
            for lang, text in value.items():
                if text is not None and not isinstance(text, str):
                    wrong[f"{key}.{lang}"] = _("Must be text.")
                data[f"{key}_{lang}"] = text if isinstance(text, str) else ""
        elif key == "reimbursed":
            if value is None:
                value = True  # the page's default: travel to a session is reimbursed unless said otherwise
            if not isinstance(value, bool):
                wrong[key] = _("Must be true or false.")
            data[key] = "y" if value is True else ""  # BooleanField reads "" as false
        elif value is None:
            continue
        elif key == "claim_deadline_months":
            if isinstance(value, bool) or not isinstance(value, int):
                wrong[key] = _("Must be a whole number.")
            else:
                data[key] = str(value)
        elif not isinstance(value, str):
            wrong[key] = _("Must be text.")
        else:
            data[key] = value
    return data, wrong


def _checked(
    form_class: type[FlaskForm], body: dict, fields: tuple[str, ...], named: dict[str, str] | None = None
) -> FlaskForm:
    """The page's form filled from the body and validated: every problem with the field it concerns.

    `named`: the body's name of a form field where they differ (the period's "from" is the form's "starts")."""
    named = named or {}
    body = {form_name: body.get(body_name) for form_name, body_name in named.items()} | {
        k: v for k, v in body.items() if k not in named.values()
    }
    data, wrong = _form_data(body, fields)
    form = form_class(formdata=data, meta={"csrf": False})
    valid = form.validate()
    errors = [{"field": named.get(field, field), "message": message} for field, message in wrong.items()]
    refused = {e["field"] for e in errors}
    for name, messages in form.errors.items():
        # name_fi → name.fi: the field as the body names it; a value of the wrong type has its own message
        field = name.replace("_", ".", 1) if name.startswith(_BY_LANGUAGE) else named.get(name, name)
        if field not in refused and field.split(".")[0] not in refused:
            errors += [{"field": field, "message": str(message)} for message in messages]
    if errors or not valid:
        raise Invalid(errors[0]["message"], errors=errors)
    return form


def _round(round_id: str) -> ProgrammeRound:
    round_ = db.session.get(ProgrammeRound, round_id)
    if round_ is None:
        raise NotFound(_("There is no round %(id)s.", id=round_id))
    return round_


def _session(round_: ProgrammeRound, session_id: str) -> ProgrammeSession:
    session = db.session.get(ProgrammeSession, session_id)
    if session is None or session.round_id != round_.id:
        raise NotFound(_("Round %(round)s has no session %(id)s.", round=round_.id, id=session_id))
    return session


def _unchanged_since(round_: ProgrammeRound, body: dict) -> None:
    """If-Match or the body's "version": refuse a change made on a round that someone has changed since."""
    version = inputs.version(body)
    if version is not None and version != round_.revision:
        raise Stale(_("The round has changed since you read it. Reload it and try again."))


def _document(round_: ProgrammeRound) -> dict[str, Any]:
    """The round as `programmes export` writes it, with its revision and each session's count of claims."""
    document = rounds.document_of(round_)
    claims = rounds.claims_per_session([s["id"] for s in document["sessions"]])
    for session in document["sessions"]:
        session["claims"] = claims.get(session["id"], 0)
    document["revision"] = round_.revision
    return json.loads(json.dumps(document, default=str))  # dates as ISO 8601, not as HTTP dates


def _answer(round_id: str, status: int = 200) -> Response:
    round_ = _round(round_id)
    response = jsonify(_document(round_))
    response.status_code = status
    response.set_etag(str(round_.revision))
    if status == 201:
        response.headers["Location"] = url_for(".get_round", round_id=round_id)
    return response


def _commit(problems: list[str]) -> None:
    """Keep the change, or refuse it with every problem the round's rules found."""
    if problems:
        db.session.rollback()
        raise Refused(problems[0], errors=[{"field": "round", "message": p} for p in problems])
    try:
        db.session.commit()
    except StaleDataError:  # another change of the round committed between our read and our write
        db.session.rollback()
        raise Stale(_("The round has changed since you read it. Reload it and try again.")) from None


@bp.get("/rounds")
@roles("admin", message=ADMIN_ONLY)
def list_rounds() -> Response:
    all_rounds = db.session.scalars(select(ProgrammeRound).order_by(ProgrammeRound.starts.desc()))
    return jsonify([_document(r) for r in all_rounds])


@bp.post("/rounds")
@roles("admin", message=ADMIN_ONLY)
def create_round() -> Response:
    form = _checked(NewRoundForm, inputs.action_body(*ROUND_FIELDS), ROUND_FIELDS)
    _commit(rounds.create_round(form.id.data, form.data, api_user()))
    return _answer(form.id.data, 201)


@bp.get("/rounds/<round_id>")
@roles("admin", message=ADMIN_ONLY)
def get_round(round_id: str) -> Response:
    return _answer(round_id)


@bp.put("/rounds/<round_id>")
@roles("admin", message=ADMIN_ONLY)
def update_round(round_id: str) -> Response:
    round_ = _round(round_id)
    body = inputs.action_body(*ROUND_FIELDS[1:])
    _unchanged_since(round_, body)
    form = _checked(RoundForm, body, ROUND_FIELDS[1:])
    _commit(rounds.update_round(round_, form.data, api_user()))
    return _answer(round_id)


@bp.put("/rounds/<round_id>/independent")
@roles("admin", message=ADMIN_ONLY)
def independent(round_id: str) -> Response:
    """The round's independent-meetings period, replaced, as the page does."""
    round_ = _round(round_id)
    body = inputs.action_body("from", "to", "title")
    _unchanged_since(round_, body)
    form = _checked(PeriodForm, body, PERIOD_FIELDS, PERIOD_NAMES)
    _commit(rounds.set_independent(round_, [rounds.period_values(form.data)], api_user()))
    return _answer(round_id)


@bp.post("/rounds/<round_id>/sessions")
@roles("admin", message=ADMIN_ONLY)
def add_session(round_id: str) -> Response:
    round_ = _round(round_id)
    body = inputs.action_body(*SESSION_FIELDS)
    _unchanged_since(round_, body)
    form = _checked(SessionForm, body, SESSION_FIELDS)
    session_id, problems = rounds.add_session(round_, form.data, api_user())
    _commit(problems)
    response = _answer(round_id, 201)
    response.headers["Location"] = url_for(".get_session", round_id=round_id, session_id=session_id)
    return response


@bp.get("/rounds/<round_id>/sessions/<session_id>")
@roles("admin", message=ADMIN_ONLY)
def get_session(round_id: str, session_id: str) -> Response:
    """One session as its round lists it, with the round's revision as the ETag."""
    round_ = _round(round_id)
    _session(round_, session_id)
    entry = next(s for s in _document(round_)["sessions"] if s["id"] == session_id)
    response = jsonify(entry)
    response.set_etag(str(round_.revision))
    return response


@bp.put("/rounds/<round_id>/sessions/<session_id>")
@roles("admin", message=ADMIN_ONLY)
def update_session(round_id: str, session_id: str) -> Response:
    round_ = _round(round_id)
    _session(round_, session_id)
    body = inputs.action_body(*SESSION_FIELDS)
    _unchanged_since(round_, body)
    form = _checked(SessionForm, body, SESSION_FIELDS)
    _commit(rounds.edit_session(round_, session_id, form.data, api_user()))
    return _answer(round_id)


def _session_action(round_id: str, session_id: str, action: Callable[..., list[str]]) -> Response:
    """Cancel or delete a session of a round not changed since the caller read it; the round as it is then."""
    round_ = _round(round_id)
    _session(round_, session_id)
    _unchanged_since(round_, inputs.action_body())
    _commit(action(round_, session_id, api_user()))
    return _answer(round_id)


@bp.post("/rounds/<round_id>/sessions/<session_id>/cancel")
@roles("admin", message=ADMIN_ONLY)
def cancel_session(round_id: str, session_id: str) -> Response:
    return _session_action(round_id, session_id, rounds.cancel_session)


@bp.delete("/rounds/<round_id>/sessions/<session_id>")
@roles("admin", message=ADMIN_ONLY)
def delete_session(round_id: str, session_id: str) -> Response:
    return _session_action(round_id, session_id, rounds.delete_session)
