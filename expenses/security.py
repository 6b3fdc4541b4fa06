"""Sign-in sessions (Flask-Login) and the security headers of every response."""

from flask import Flask, Response
from flask_babel import lazy_gettext as _l

from expenses.extensions import db, login_manager
from expenses.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    # The id carries the password epoch: changing the password signs out other sessions.
    user_id, _sep, epoch = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_epoch) != epoch or not user.active:
        return None
    return user


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.session_protection = "strong"
    app.after_request(_headers)
