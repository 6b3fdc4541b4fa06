"""The account log: who invited, reset, revoked or enrolled whom, and when (AccountEvent rows, only added)."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from expenses.extensions import db
from expenses.i18n import N_
from expenses.models import AccountEvent, User

#: What can happen to an account (the log's `action`), as the account's page says it; the placeholders
#: are the event's details.
ACTIONS = {
    "invited": N_("Invited to the service"),
    "password_set": N_("Password set"),
    "password_changed": N_("Password changed"),
    "reset_requested": N_("Password reset asked for"),
    "reset_sent": N_("Password reset link sent"),
    "password_reset": N_("Password reset"),
    "token_created": N_("API token “%(name)s” created"),
    "token_revoked": N_("API token “%(name)s” revoked"),
    "tokens_revoked": N_("All API tokens revoked (%(count)s)"),
    "deactivated": N_("Account deactivated"),
    "reactivated": N_("Account reactivated"),
    "totp_enrolled": N_("Two-factor sign-in set up"),
    "totp_removed": N_("Two-factor sign-in removed"),
    "recovery_code_used": N_("Signed in with a recovery code (%(left)s left)"),
    "iban_changed": N_("Bank account (IBAN) changed"),
}
#: How many of the latest events the account's page shows.
SHOWN = 10


def record(user: User, action: str, actor: User | None = None, **details: object) -> None:
    """Add an event to the open transaction; `actor` is None for a shell command."""
    if action not in ACTIONS:
        raise ValueError(f"unknown account action {action!r}")
    db.session.add(
        AccountEvent(user_id=user.id, actor_id=actor.id if actor else None, action=action, details=details or None)
    )


def events(user: User, limit: int = SHOWN) -> list[AccountEvent]:
    """The user's latest events, the latest first, with who did each."""
    return list(
        db.session.scalars(
            select(AccountEvent)
            .options(joinedload(AccountEvent.actor))
            .where(AccountEvent.user_id == user.id)
            .order_by(AccountEvent.id.desc())
            .limit(limit)
        )
    )


def describe(event: AccountEvent) -> str:
    """The event in the reader's language, with its details (a token's name, how many codes are left)."""
    details = {"count": "", "left": "", **(event.details or {})}
    details["name"] = details.get("name") or _("(no name)")
    return _(ACTIONS[event.action], **details)
