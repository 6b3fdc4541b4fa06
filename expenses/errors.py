"""Error answers: a JSON body under /api, a plain page everywhere else, never a traceback."""

from contextlib import suppress

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from expenses.extensions import db
from expenses.security import is_api_call
from expenses.workflow import WorkflowError


def _answer(status: int, message: str, /, **extra: object):  # extra may hold a claim "status"
    if is_api_call(request):
        return jsonify({"error": message, **extra}), status
    return render_template("error.html", status=status, message=message), status


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Go back and try again."),
        403: _("You do not have access to this page."),
        404: _("The page was not found. Check the address or go back to the front page."),
        405: _("This address does not accept that kind of request."),
        410: _(
            "This document was removed at the end of its retention period. Its fingerprint (SHA-256) is kept "
            "with the claim."
        ),
        413: _too_large(),
        429: _("Too many attempts. Wait a moment and try again."),
        500: _("Something went wrong on our side. Your data was not changed. Try again in a moment."),
        503: _("The service is temporarily unavailable. Your data was not changed. Try again in a moment."),
    }


def _too_large() -> str:
    # Only an upload is about receipts; an oversize form or JSON body is about what was typed or sent.
    if request.mimetype == "multipart/form-data":
        return _("The upload is too large. Each receipt may be at most 10 MB; send fewer or smaller files at once.")
    limit = current_app.config["MAX_CONTENT_LENGTH"] or 0
    return _(
        "The request is too large: at most %(size)s can be sent at once. Shorten what you entered and try again.",
        size=format_decimal(round(limit / 1024 / 1024, 1)) + " MB" if limit >= 1024 * 1024 else f"{limit} B",
    )


def _caused_by_database(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OperationalError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def init_app(app: Flask) -> None:
    @app.errorhandler(WorkflowError)
    def workflow_error(error: WorkflowError):
        return _answer(error.status, error.message, code=error.code, **error.details)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _answer(400, _("The form had expired or was sent from elsewhere. Reload the page and send it again."))

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        # The window of the limit that was hit bounds the wait; Flask-Limiter adds the exact Retry-After.
        minutes = max(1, -(-error.limit.limit.get_expiry() // 60))
        message = ngettext(
            "Too many sign-in attempts. Wait %(num)s minute and try again. If you have forgotten your "
            "password, ask the programme's staff for a new one.",
            "Too many sign-in attempts. Wait %(num)s minutes and try again. If you have forgotten your "
            "password, ask the programme's staff for a new one.",
            minutes,
        )
        return _answer(429, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        response = make_response(_answer(status, _messages().get(status, error.description or "")))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # RFC 9110: a 405 says which methods the address does take.
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError):
        return _unavailable()

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if _caused_by_database(error):
            # E.g. a session left unusable by a failed flush: still the database, so still 503.
            return _unavailable()
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return _answer(500, _messages()[500])


def _unavailable():
    """The 503 answer, made without the database: it may be gone for the rest of this request."""
    current_app.logger.exception("Database unavailable")
    with suppress(SQLAlchemyError):  # the connection may be gone too; the session is discarded either way
        db.session.rollback()
    # The page's menu and language would load the signed-in user again (and an object the rollback expired
    # reloads itself): this answer is shown as to a visitor. Flask-Login keeps `current_user` in `g._login_user`.
    g._login_user = current_app.login_manager.anonymous_user()
    return _answer(503, _messages()[503])
