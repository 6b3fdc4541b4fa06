"""Language of each request: the user's choice (`?lang=`, remembered), else the browser's, else Finnish."""

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from expenses.extensions import babel
from expenses.security import is_api_call

LANGUAGES = ("fi", "sv", "en")
DEFAULT = "fi"


def select_locale() -> str:
    if not has_request_context():  # commands and background work: the default, unless forced
        return DEFAULT
    if is_api_call(request):
        # The API keeps no session and signs nobody in: the request alone says which language it wants.
        return _asked_for() or request.accept_languages.best_match(LANGUAGES) or DEFAULT
    chosen = _chosen_here()
    if chosen is not None:
        return chosen
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and getattr(current_user, "language", None) in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def _asked_for() -> str | None:
    chosen = request.args.get("lang")
    return chosen if chosen in LANGUAGES else None


def _chosen_here() -> str | None:
    """The language `?lang=` chooses, kept in the session for the next requests."""
    chosen = _asked_for()
    # Written only when it changes: a changed session is signed and sent again with the response.
    if chosen is not None and session.get("lang") != chosen:
        session["lang"] = chosen
    return chosen


def _remember_choice() -> None:
    # Also on requests that only redirect and so never ask for the locale (`/?lang=sv` → the home page).
    if not is_api_call(request):
        _chosen_here()


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; it is translated (`_(...)`) where used."""
    return message


def init_app(app: Flask) -> None:
    app.before_request(_remember_choice)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale, default_timezone="Europe/Helsinki")
