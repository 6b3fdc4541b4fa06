"""A notice to the user's own address when their password, bank account or two-factor sign-in changes.

If someone else made the change (a stolen session, a forged reset), the owner hears of it at once.
"""

from flask_babel import force_locale
from flask_babel import gettext as _

from expenses import notifications
from expenses.i18n import N_
from expenses.models import User

WHAT = {
    "password": N_("The password of your account was changed."),
    "iban": N_("The bank account your reimbursements are paid to was changed."),
    "two_factor": N_(
        "An administrator turned off two-factor sign-in for your account. Where your role requires it, you "
        "will set it up again the next time you sign in."
    ),
}


def changed(user: User, what: str) -> None:
    """Queue the notice, sent when the change commits."""
    language = user.language or "fi"
    with force_locale(language):
        subject = _("A change to your travel claims account")
        lines = [
            _("Hello %(name)s,", name=user.name), "", _(WHAT[what]), "",
            _("If you made the change, there is nothing more to do. If you did not, contact the programme's staff "
              "at once."), "",
            _("This message was sent automatically; please do not reply to it."),
        ]  # fmt: skip
    notifications.send(user, subject, "\n".join(lines), language)
