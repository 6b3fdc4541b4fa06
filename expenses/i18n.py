"""Language of each request: the user's choice (`?lang=`, remembered), else the browser's, else Finnish."""

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from expenses.extensions import babel

LANGUAGES = ("fi", "sv", "en")
DEFAULT = "fi"


def select_locale() -> str:
    if not has_request_context():  # commands and background work: the default, unless forced
        return DEFAULT
    chosen = _chosen_here()
    if chosen is not None:
        return chosen
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and getattr(current_user, "language", None) in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def _chosen_here() -> str | None:
    """The language `?lang=` chooses, kept in the session for the next requests."""
    chosen = request.args.get("lang")
    if chosen not in LANGUAGES:
        return None
    # Written only when it changes: a changed session is signed and sent again with the response.
    if session.get("lang") != chosen:
        session["lang"] = chosen
    return chosen


def _remember_choice() -> None:
    # Also on requests that only redirect and so never ask for the locale (`/?lang=sv` → the home page).
    _chosen_here()


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; it is translated (`_(...)`) where used."""
    return message


def init_app(app: Flask) -> None:
    app.before_request(_remember_choice)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale, default_timezone="Europe/Helsinki")
