"""Two-factor sign-in (TOTP, RFC 6238) for the officers: enrolment, codes at sign-in, recovery codes, and
an admin's reset for an officer who lost both the phone and the codes.

A code is accepted once (the last time step used is kept) and within one step of the clock either
way. Recovery codes are shown once and stored as SHA-256 digests: they are long random strings, so a
fast hash keeps them secret, as with API tokens.
"""

import hashlib
import secrets
import time

import pyotp
import segno
from flask import current_app

from expenses import account_log, account_notices
from expenses.accounts import end_sessions
from expenses.models import User

#: Who may set it up: the roles that check, approve, pay, read the archive or keep the users.
ROLES = ("finance", "auditor", "admin")
ISSUER = "Matkakorvaukset"
RECOVERY_CODES = 10


def required_roles() -> set[str]:
    """EXPENSES_REQUIRE_2FA_ROLES: the roles that must enrol before anything else (empty: nobody)."""
    return {r.strip() for r in str(current_app.config["REQUIRE_2FA_ROLES"]).split(",") if r.strip()}


def must_enrol(user: User) -> bool:
    return user.role in required_roles() and user.role in ROLES and not user.totp_secret


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(user: User, secret: str) -> str:
    """The authenticator app's address for the secret, as a QR code in an SVG data URI (allowed by the CSP)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _step_of(secret: str, code: str) -> int | None:
    """The time step the code belongs to (now, or one step either side), or None."""
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    code = "".join(code.split())
    for step in (now, now - 1, now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-factor sign-in on when the code fits the secret; the recovery codes to show once, else None."""
    step = _step_of(secret, code)
    if step is None:
        return None
    codes = new_recovery_codes()
    user.totp_secret, user.totp_last_step = secret, step
    user.recovery_codes = [_digest(c) for c in codes]
    account_log.record(user, "totp_enrolled", user)
    return codes


def check(user: User, code: str) -> bool:
    """A sign-in code: a fresh TOTP code, or an unused recovery code (then spent)."""
    if not user.totp_secret:
        return False
    step = _step_of(user.totp_secret, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return False  # a code seen once (or an older one) is not taken again
        user.totp_last_step = step
        return True
    digest = _digest(code)
    if digest in (user.recovery_codes or []):
        user.recovery_codes = [d for d in user.recovery_codes if d != digest]
        account_log.record(user, "recovery_code_used", user, left=len(user.recovery_codes))
        return True
    return False


def remove(user: User, admin: User) -> None:
    """Turn the user's two-factor sign-in off, in the open transaction: their sessions end, they hear of it
    at their own address, and where their role requires it they set it up again at their next sign-in."""
    user.totp_secret = user.totp_last_step = user.recovery_codes = None
    end_sessions(user)
    account_log.record(user, "totp_removed", admin)
    account_notices.changed(user, "two_factor")
