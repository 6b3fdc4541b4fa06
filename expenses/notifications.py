"""E-mail to mentors and finance, sent only after the transaction that caused it commits.

Messages are queued on the database session; a commit sends them, a rollback forgets them. With
no SMTP server configured (development) they are written to the log instead.
"""

import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import Flask, current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from expenses.extensions import db
from expenses.formatting import money, status_name
from expenses.i18n import N_
from expenses.models import Claim, User, utcnow

OUTBOX = "outbox"
SUBJECTS = {
    "return": N_("Your travel claim %(ref)s was returned for correction"),
    "reject": N_("Your travel claim %(ref)s was rejected"),
    "approve": N_("Your travel claim %(ref)s was approved"),
    "pay": N_("Your travel claim %(ref)s was paid"),
}


def _queue(message: EmailMessage) -> None:
    db.session.info.setdefault(OUTBOX, []).append(message)


def _message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def claim_changed(claim: Claim, action: str) -> None:
    """Tell the mentor that finance returned, rejected, approved or paid their claim."""
    if action not in SUBJECTS:
        return
    mentor = claim.mentor
    with force_locale(mentor.language or claim.language or "fi"):
        subject = _(SUBJECTS[action], ref=claim.reference)
        lines = [_("Hello %(name)s,", name=mentor.name), "", subject + "."]
        if claim.status_reason and action in ("return", "reject"):
            lines += ["", _("Reason: %(reason)s", reason=claim.status_reason)]
        lines += ["", _("Total: %(total)s", total=money(claim.total))]
        lines += ["", url_for("mentor.show", claim_id=claim.id, _external=True)]
    _queue(_message(mentor.email, subject, "\n".join(lines)))


def remind_finance() -> int:
    """Mail every finance officer the claims waiting longer than WAITING_DAYS; return how many."""
    days = int(current_app.config["WAITING_DAYS"])
    waiting = db.session.scalars(
        select(Claim).where(
            Claim.status.in_(("submitted", "checked")),
            Claim.submitted_at < utcnow() - timedelta(days=days),
            Claim.waiting_notified_at.is_(None),
        )
    ).all()
    if not waiting:
        return 0
    officers = db.session.scalars(select(User).where(User.role == "finance", User.active.is_(True))).all()
    for officer in officers:
        with force_locale(officer.language or "fi"):
            subject = ngettext(
                "%(num)s travel claim has waited over %(days)s days",
                "%(num)s travel claims have waited over %(days)s days",
                len(waiting),
                days=days,
            )
            listing = "\n".join(
                f"{c.reference}  {status_name(c.status)}  {c.mentor.name}  {money(c.total)}" for c in waiting
            )
        _queue(_message(officer.email, subject, listing))
    for claim in waiting:
        claim.waiting_notified_at = utcnow()
    db.session.commit()
    return len(waiting)


def _send(app: Flask, messages: list[EmailMessage]) -> None:
    config = app.config
    if not config["MAIL_SERVER"]:
        for message in messages:
            app.logger.info("Mail (not sent, no EXPENSES_MAIL_SERVER):\n%s", message)
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in messages:
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # The claim's change is already committed; a mail failure must not undo or hide it.
        app.logger.exception("Sending %d notification(s) failed", len(messages))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    messages = session.info.pop(OUTBOX, None)
    if messages:
        _send(current_app._get_current_object(), messages)


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction: object) -> None:
    session.info.pop(OUTBOX, None)
