"""Who is calling the API: a Bearer token (never the session cookie), and which roles each route admits."""

from collections.abc import Callable
from functools import wraps

import flask_babel
from flask import Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from expenses.accounts import Caller, token_owner
from expenses.api import bp
from expenses.extensions import db
from expenses.models import User
from expenses.workflow import Forbidden

MENTORS_ONLY = _l("Only the programme's mentors can claim travel costs. Actors' travel is not reimbursed.")
FINANCE_ONLY = _l("Only ministry finance can do this.")
READERS_ONLY = _l("Only mentors, ministry finance and auditors can see claims.")
VERIFIERS_ONLY = _l("Only ministry finance and auditors can check documents.")


def public(view: Callable) -> Callable:
    """Mark a route that needs no token (the OpenAPI document)."""
    view.api_public = True  # type: ignore[attr-defined]
    return view


def caller() -> Caller:
    """Who signed this request: enough for access checks and reads."""
    return g.api_caller


def api_user() -> User:
    """The caller's account, loaded when first asked for: the workflow records it as the actor of a change."""
    if "api_user" not in g:
        g.api_user = db.session.get(User, caller().id)
    return g.api_user


def roles(*allowed: str, message: object = READERS_ONLY) -> Callable:
    """Admit only these roles; anyone else gets 403 with `message`, before any input is read."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if caller().role not in allowed:
                raise Forbidden(str(message))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _unauthorized(message: str, error: str | None) -> Response:
    response = jsonify({"error": message, "code": "unauthorized"})
    response.status_code = 401
    # RFC 6750: say which scheme to use, and whether the token given was the problem.
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    response.headers["WWW-Authenticate"] = challenge
    return response


@bp.before_request
def authenticate() -> Response | None:
    # Language and caller belong to this request alone, even where one app context serves several
    # requests (the test client inside a test's app context): never reuse the previous caller's.
    g.pop("api_caller", None)
    g.pop("api_user", None)
    flask_babel.refresh()
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "api_public", False):
        return None
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _unauthorized(
            _("Sign the request with your API token: send the header 'Authorization: Bearer TOKEN'."), None
        )
    found = token_owner(token)
    if found is None:
        return _unauthorized(_("The API token is not valid. Ask for a new one."), "invalid_token")
    g.api_caller = found
    return None
