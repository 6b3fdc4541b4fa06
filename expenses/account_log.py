"""The account log: who invited, reset, revoked or enrolled whom, and when (AccountEvent rows, only added)."""

from sqlalchemy import select

from expenses.extensions import db
from expenses.models import AccountEvent, User

#: What can happen to an account; the log's `action` is one of these.
ACTIONS = (
    "invited",
    "password_set",
    "password_changed",
    "reset_requested",
    "reset_sent",
    "password_reset",
    "token_created",
    "token_revoked",
    "tokens_revoked",
    "deactivated",
    "reactivated",
    "totp_enrolled",
    "totp_removed",
    "recovery_code_used",
    "iban_changed",
)


def record(user: User, action: str, actor: User | None = None, **details: object) -> None:
    """Add an event to the open transaction; `actor` is None for a shell command."""
    if action not in ACTIONS:
        raise ValueError(f"unknown account action {action!r}")
    db.session.add(
        AccountEvent(user_id=user.id, actor_id=actor.id if actor else None, action=action, details=details or None)
    )


def events(user: User) -> list[AccountEvent]:
    """The user's events, the latest first."""
    return list(
        db.session.scalars(select(AccountEvent).where(AccountEvent.user_id == user.id).order_by(AccountEvent.id.desc()))
    )
