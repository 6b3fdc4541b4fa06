"""User accounts: creation, Argon2 passwords, API tokens."""

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from zxcvbn import zxcvbn

from expenses.extensions import db
from expenses.models import ROLES, ApiToken, User, utcnow
from expenses.text import limit, refusal

MIN_PASSWORD_LENGTH = 12
#: zxcvbn's score (0-4) a password must reach: 3 means about 10^8 guesses or more. Common passwords,
#: repeats, sequences, keyboard rows, dates and the person's own name or e-mail score lower.
MIN_PASSWORD_SCORE = 3
#: zxcvbn refuses longer input (its matching grows fast with the length); the first characters tell enough.
_SCORED_LENGTH = 72
#: Words of this service that a password must not be built from, besides the person's own name and e-mail.
_SERVICE_WORDS = ("matkakulut", "matkakulu", "mentorointi", "mentorointiohjelma", "hankinta", "mentor", "expenses")


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def _hasher() -> PasswordHasher:
    # Tests use the cheapest parameters; production keeps argon2-cffi's recommended ones.
    if current_app.config["PASSWORD_HASH_COST"] == "cheap":
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def _guessable_words(personal: Iterable[str]) -> list[str]:
    """What someone who knows the person tries first. zxcvbn finds only whole words of this list in a
    password, so "kaisa.virtanen@vm.fi" and "Kaisa Virtanen" give kaisa, virtanen and kaisavirtanen too."""
    words = list(_SERVICE_WORDS)
    for text in personal:
        parts = [part for part in re.split(r"[\W_]+", (text or "").lower()) if len(part) > 2]
        words += [*parts, "".join(parts)]
    return words


def check_password_strength(password: str, personal: Iterable[str] = ()) -> None:
    """Refuse a password that is short or easy to guess (NIST SP 800-63B 5.1.1.2), in the reader's language.

    The one check of every password that is set (the forms, `users create`, set_password); `personal`
    are the person's own e-mail and name, which a password must not be built from.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must be at least %(n)s characters long.", n=MIN_PASSWORD_LENGTH))
    if zxcvbn(password[:_SCORED_LENGTH], user_inputs=_guessable_words(personal))["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(
            _(
                "This password is too easy to guess: it is a common password, a repeat or a sequence "
                "(such as aaaa or 1234), or close to your name or e-mail. Choose another one, for example "
                "four or five words that do not belong together."
            )
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, role: str, password: str | None = None) -> User:
    """Add a user (the caller commits); without a password the user cannot sign in yet."""
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an e-mail address.")
    if not name.strip():
        raise AccountError("The name must not be empty.")
    for what, value, column in (("e-mail", email, User.email), ("name", name.strip(), User.name)):
        # One line each: a name with a line break would break the headers of every mail to them.
        problem = refusal(value, limit=limit(column))
        if problem:
            raise AccountError(f"The {what}: {problem}")
    if find_user(email) is not None:
        raise AccountError(f"A user with the e-mail {email} already exists.")
    user = User(email=email, name=name.strip(), role=role)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """A new password ends everything the old one opened: other sessions (the epoch) and API tokens."""
    check_password_strength(password, (user.email, user.name))
    user.password_hash = _hasher().hash(password)
    end_sessions(user)
    if user.id is not None:  # a user being created has no tokens yet
        revoke_tokens(user)


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session carries the epoch it began in (User.get_id)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def verify_password(user: User | None, password: str) -> bool:
    """True when the password is right; costs the same time whether or not the user exists."""
    hasher = _hasher()
    if user is None or not user.password_hash:
        # Hash anyway so that response times do not tell which e-mails have accounts.
        hasher.hash(password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "", expires_at: datetime | None = None) -> str:
    """A new API token for the user; only its hash is stored, so it is shown once."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), name=name, expires_at=expires_at))
    return token


def tokens(user: User) -> list[ApiToken]:
    """The user's tokens that are not revoked (expired ones too, so that the owner sees why one stopped)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_tokens(user: User, token_id: int | None = None) -> int:
    """Revoke one of the user's tokens (by id) or all of them; how many were revoked."""
    query = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount


class Caller(NamedTuple):
    """Who signed an API request: what access checks and the rules engine need, without loading the account."""

    id: int
    role: str
    name: str


_users, _tokens = User.__table__, ApiToken.__table__
# Built once and run on the session's connection: every API request asks this, and a Core row costs a
# fraction of an ORM User (README, "Performance").
_TOKEN_OWNER = (
    select(
        _users.c.id, _users.c.role, _users.c.name, _users.c.active,
        _tokens.c.id.label("token_id"), _tokens.c.expires_at, _tokens.c.last_used_at,
    )
    .join(_tokens, _tokens.c.user_id == _users.c.id)
    .where(_tokens.c.token_hash == bindparam("token_hash"), _tokens.c.revoked_at.is_(None))
)  # fmt: skip
_TOKEN_USED = update(_tokens).where(_tokens.c.id == bindparam("token_id")).values(last_used_at=bindparam("now"))
#: How exact "last used" is: writing it on every call would add a write (and a commit) to every read.
TOKEN_USE_PRECISION = timedelta(minutes=5)


def token_owner(token: str) -> Caller | None:
    """The active user whose API token this is, if it is neither revoked nor expired; notes its use."""
    connection = db.session.connection()
    row = connection.execute(_TOKEN_OWNER, {"token_hash": _token_hash(token)}).first()
    now = utcnow()
    if row is None or not row.active or (row.expires_at is not None and row.expires_at <= now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_PRECISION:
        connection.execute(_TOKEN_USED, {"token_id": row.token_id, "now": now})
        db.session.commit()
    return Caller(row.id, row.role, row.name)
