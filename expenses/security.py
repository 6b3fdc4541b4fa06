"""Sign-in sessions (Flask-Login), sign-in rate limits (Flask-Limiter) and the security headers of every response."""

import re
import time

from flask import Flask, Request, Response, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from expenses.extensions import db, limiter, login_manager
from expenses.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
#: Sent on every response, pages, API, files and errors alike (tests/security/test_headers.py).
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: Where the API is (expenses.api): calls signed by tokens, never by the session cookie.
API_PREFIX = "/api/"
#: The largest id a row can have (PostgreSQL's INTEGER): a larger number in a URL or form is no row of ours,
#: and given to the database it would be an error (out of range) rather than "not found".
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def whole_number(text: object, maximum: int = MAX_ID) -> int | None:
    """A non-negative whole number written in ASCII digits, at most `maximum`; anything else is None."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum else None


def at_most(n: int) -> str:
    """A regular expression of the whole numbers 0 … n in decimal (leading zeros allowed, as `int()` reads them)."""
    digits = str(n)
    below = [f"{digits[:i]}[0-{int(d) - 1}][0-9]{{{len(digits) - i - 1}}}" for i, d in enumerate(digits) if d != "0"]
    shorter = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    return "0*(?:" + "|".join([digits, *below, *shorter]) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: numbers past MAX_ID do not match, so they are a plain 404 for every method.

    The bound is in the pattern, not Werkzeug's `max`: a number that matched the pattern but failed `max`
    made the router answer 405 for a method whose rule came second (`PUT /claims/<huge id>`)."""

    regex = at_most(MAX_ID)


#: Browsers keep to HTTPS for a year once they have seen this (production only: development is plain HTTP).
HSTS = "max-age=31536000; includeSubDomains"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    # The id carries the password epoch: changing the password signs out other sessions.
    user_id, _sep, epoch = session_id.partition(":")
    number = whole_number(user_id)
    if number is None:
        return None
    user = db.session.get(User, number)
    if user is None or str(user.session_epoch) != epoch or not user.active:
        return None
    return user


def _headers(response: Response) -> Response:
    # A view's own value wins. The names present are read once: asking the headers for each missing name
    # in turn raises and catches a KeyError apiece, a visible share of a short API answer.
    present = {name.lower() for name, _value in response.headers}
    for name, value in HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE") and "strict-transport-security" not in present:
        response.headers.add("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        # Pages, files and answers carry personal data: no browser or proxy cache may keep a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


def is_api_call(req: Request) -> bool:
    """Whether the request is a call to the API. Read from the path, so that it is known before routing
    (the session opens first) and for an address no route matches (its error is JSON too)."""
    return req.path.startswith(API_PREFIX)


class PageSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions for the pages, and none for the API, which tokens alone sign: a session
    cookie sent along with an API call is never read, so it cannot act for a signed-in browser, and
    the call does not pay for unsigning and re-signing a cookie it has no use for."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_api_call(request):
            return None  # Flask's null session: empty, and writing to it is an error
        return super().open_session(app, request)


def login_account_key() -> str:
    """The account a sign-in attempt is for, as typed: unknown e-mails count too, so the limit tells nothing."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def login_failed(response: Response) -> bool:
    # A successful sign-in redirects; anything else (wrong password, closed account) counts against the account.
    return response.status_code != 302


def address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


#: The session key of a sign-in waiting for its two-factor code (expenses.web.auth.login_code).
PENDING = "two_factor_pending"


def code_account_key() -> str:
    """A two-factor code counts against the account its password was given for: the same counter as sign-in."""
    pending = session.get(PENDING) or {}
    return "account:" + str(pending.get("email") or "")[:254]


def reset_account_key() -> str:
    """The e-mail a password reset is asked for, as typed: so that nobody can flood one mailbox."""
    return "reset:" + (request.form.get("email") or "").strip().lower()[:254]


def no_reset_address() -> bool:
    return not (request.form.get("email") or "").strip()


def reset_address_limit() -> str:
    return current_app.config["RESET_LIMIT_PER_ADDRESS"]


def reset_account_limit() -> str:
    return current_app.config["RESET_LIMIT_PER_ACCOUNT"]


#: The session key of the last request's time (seconds): a session unused for too long ends.
LAST_SEEN = "seen"
#: Roles whose sessions end sooner: they decide about money or personal data.
OFFICERS = ("finance", "auditor", "admin")


def idle_limit(role: str) -> int:
    """Seconds a session of this role may go unused (EXPENSES_IDLE_MINUTES_OFFICERS / _MENTORS)."""
    key = "IDLE_MINUTES_OFFICERS" if role in OFFICERS else "IDLE_MINUTES_MENTORS"
    return int(current_app.config[key]) * 60


def clock() -> int:
    """Now, in whole seconds (a function of its own so that tests can move it on)."""
    return int(time.time())


def expire_idle() -> Response | None:
    """End a session unused longer than its role's idle time; otherwise note this request's time."""
    if is_api_call(request) or request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = clock()
    seen = session.get(LAST_SEEN)
    if isinstance(seen, int) and now - seen > idle_limit(current_user.role):
        logout_user()
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You were signed out because the session was not used for a while. Sign in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if not isinstance(seen, int) or now - seen >= 60:
        # Once a minute at most: a new cookie on every answer would cost every request for nothing.
        session[LAST_SEEN] = now
    return None


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter  # before the blueprints add their routes
    hops = app.config["PROXY_HOPS"]
    if hops:
        # The client's address (for the per-address limit and logs) and https come from the proxies' headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.session_interface = PageSessions()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.session_protection = "strong"
    limiter.init_app(app)
    # The only limits are the sign-in form's, and its decorators check them when it is called. The
    # extension's own check before every request looks for application-wide limits, which we do not set:
    # measurable work on every page and API call for nothing (README, "Performance").
    # (Switched off, RATELIMIT_ENABLED=false, the extension adds no check at all.)
    everywhere = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in everywhere:
        everywhere.remove(limiter._check_request_limit)
    app.before_request(expire_idle)
    app.after_request(_headers)
