"""Links by e-mail to set a password: the invitation of a new user and the reset of a forgotten password.

A link is signed (itsdangerous) with the secret key, names its purpose and the user, expires
(INVITATION_DAYS, RESET_MINUTES), and carries a digest of the user's password hash as it was when the
link was made: setting a password changes the hash, so each link works once and every older link
of that account stops working with it. Nothing about links is stored.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from expenses import account_log, notifications
from expenses.accounts import AccountError, find_user
from expenses.extensions import db
from expenses.models import User, utcnow

PURPOSES = ("invite", "reset")


class LinkError(ValueError):
    """The link cannot be used; `reason` is "expired", "used" or "invalid"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # The salt keeps an invitation from being used as a reset link, and the reverse.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"password-link-{purpose}")


def _state(user: User) -> str:
    return hashlib.sha256((user.password_hash or "no password").encode()).hexdigest()[:20]


def max_age(purpose: str) -> timedelta:
    config = current_app.config
    if purpose == "invite":
        return timedelta(days=config["INVITATION_DAYS"])
    return timedelta(minutes=config["RESET_MINUTES"])


def make_link(user: User, purpose: str) -> str:
    """The token of a link for the user (the caller puts it into an address)."""
    return _serializer(purpose).dumps({"u": user.id, "s": _state(user)})


def read_link(token: str, purpose: str) -> User:
    """The user the link is for, or LinkError saying why it cannot be used."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age(purpose).total_seconds()))
    except SignatureExpired:
        raise LinkError("expired") from None
    except BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise LinkError("invalid")
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        raise LinkError("invalid")
    if data.get("s") != _state(user):
        raise LinkError("used")
    return user


@dataclass(frozen=True)
class _Wording:
    subject: str
    intro: str
    valid: str


def _mail(user: User, purpose: str, endpoint: str) -> None:
    language = user.language or "fi"
    link = notifications.service_link(endpoint, token=make_link(user, purpose))
    with force_locale(language):
        if purpose == "invite":
            days = current_app.config["INVITATION_DAYS"]
            wording = _Wording(
                _("Set your password for the travel claims service"),
                _(
                    "You have been added to the travel claims service of the Hankinta-Suomi mentoring programme. "
                    "Set your password at this address:"
                ),
                _("The link works once, for %(days)s days.", days=days),
            )
        else:
            minutes = current_app.config["RESET_MINUTES"]
            wording = _Wording(
                _("Reset your password for the travel claims service"),
                _("Someone asked to reset the password of your account. Set a new password at this address:"),
                _(
                    "The link works once, for %(minutes)s minutes. If you did not ask for it, ignore this message: "
                    "your password stays as it is.",
                    minutes=minutes,
                ),
            )
        lines = [
            _("Hello %(name)s,", name=user.name), "", wording.intro, "", link, "", wording.valid, "",
            _("Your user name is your e-mail address: %(email)s", email=user.email), "",
            _("This message was sent automatically; please do not reply to it."),
        ]  # fmt: skip
    notifications.send(user, wording.subject, "\n".join(lines), language)


def invite(user: User, actor: User | None) -> None:
    """Mail the user a link to set their first password (again, when resent); the caller commits."""
    if user.password_hash:
        raise AccountError(_("%(email)s already has a password: send a password reset link instead.", email=user.email))
    if not user.active:
        raise AccountError(_("%(email)s is deactivated: reactivate the account first.", email=user.email))
    user.invited_at = utcnow()
    _mail(user, "invite", "auth.accept_invitation")
    account_log.record(user, "invited", actor)


def send_reset(user: User, actor: User | None) -> None:
    """Mail the user a link to set a new password; `actor` is the admin who sent it, None when they asked."""
    if not user.active:
        raise AccountError(_("%(email)s is deactivated: reactivate the account first.", email=user.email))
    _mail(user, "reset", "auth.reset_password")
    account_log.record(user, "reset_sent" if actor else "reset_requested", actor)


def request_reset(email: str) -> None:
    """The forgotten-password form: a link for an active account, and nothing (said the same way) otherwise."""
    user = find_user(email)
    if user is not None and user.active:
        send_reset(user, None)
