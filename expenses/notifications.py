"""E-mail to mentors and finance, sent only after the transaction that caused it commits.

Messages are queued on the database session (`send`, the one way mail leaves); a commit sends them,
a rollback forgets them. With no SMTP server configured (development) they are written to the log
instead. Mail never blocks what it reports: a message that cannot be written or sent is logged.
"""

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.routing import BuildError

from expenses.decisions import localised
from expenses.extensions import db
from expenses.formatting import money, status_name, when
from expenses.i18n import N_
from expenses.models import Claim, User, utcnow

OUTBOX = "outbox"
#: Messages of the last commit that could not be handed to the SMTP server.
FAILED = "mail_failed"
# Marked for the catalogue here, translated into the reader's language when the mail is written.
SUBJECTS = {
    "return": N_("Your travel claim %(ref)s was returned for correction"),
    "reject": N_("Your travel claim %(ref)s was rejected"),
    "approve": N_("Your travel claim %(ref)s was approved"),
    "pay": N_("Your travel claim %(ref)s was paid"),
}
ACTIONS = tuple(SUBJECTS)


class MailError(RuntimeError):
    """Mail could not be sent; the log has the SMTP server's answer."""


@dataclass(frozen=True)
class _Queued:
    # The (possibly nested) transaction the message belongs to: rolling it back drops the message.
    transaction: SessionTransaction | None
    message: EmailMessage


def _queue(message: EmailMessage) -> None:
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(OUTBOX, []).append(_Queued(transaction, message))


# Control characters and line breaks: never in a header, whatever a name held before names were checked.
_NOT_IN_A_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _one_line(text: str) -> str:
    return " ".join(_NOT_IN_A_HEADER.sub(" ", text).split())


def _message(to: User, subject: str, body: str, language: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    # headerregistry quotes and encodes the name itself; the address is parsed, so it cannot add headers.
    message["To"] = Address(display_name=_one_line(to.name), addr_spec=to.email)
    message["Subject"] = _one_line(subject)
    message["Message-ID"] = make_msgid(domain=current_app.config["MAIL_SENDER"].rpartition("@")[2] or None)
    # Tells auto-responders not to answer: nobody reads the sender's mailbox.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    message["Content-Language"] = language  # after set_content, which drops Content-* headers
    return message


def send(to: User, subject: str, body: str, language: str) -> None:
    """Queue a mail to the user, sent when the current transaction commits.

    A message that cannot be written (an address the mail library refuses, say) is logged and left out:
    the change it reports stands, and mail must never be what stops a decision.
    """
    try:
        message = _message(to, subject, body, language)
    except Exception:
        current_app.logger.exception("A mail to user %s could not be written; it is not sent", to.id)
        return
    _queue(message)


def service_link(endpoint: str, **values: object) -> str:
    """An absolute link into the service at EXPENSES_BASE_URL.

    Not the request's own address: behind a reverse proxy that would be the inner http:// one, and
    commands have no request at all.
    """
    try:
        if current_app.config.get("SERVER_NAME"):
            return url_for(endpoint, _external=True, **values)
        base = urlsplit(current_app.config["BASE_URL"])
        adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
        return adapter.build(endpoint, values, force_external=True)
    except (BuildError, RuntimeError, ValueError):
        # A missing link must not stop a claim's approval; the mail still says what happened.
        current_app.logger.warning("No link to %s for a notification", endpoint, exc_info=True)
        return ""


def _language(user: User, fallback: str | None = None) -> str:
    return user.language or fallback or "fi"


def claim_changed(claim: Claim, action: str) -> None:
    """Tell the mentor that finance returned, rejected, approved or paid their claim, all in their language.

    Only the reason stays as the finance officer typed it.
    """
    if action not in ACTIONS:
        return
    mentor = claim.mentor
    language = _language(mentor, claim.language)
    with force_locale(language):
        subject = _(SUBJECTS[action], ref=claim.reference)
        lines = [_("Hello %(name)s,", name=mentor.name), "", subject + "."]
        if action in ("return", "reject") and claim.status_reason:
            lines += ["", _("Reason: %(reason)s", reason=claim.status_reason)]
        if action == "return":
            lines += ["", _("Correct the claim and submit it again.")]
        # The total in every mail, so that the mentor knows the claim at a glance.
        lines += ["", _("Total: %(total)s", total=money(claim.total))]
        if action == "pay" and claim.payment_reference:
            lines += [_("Payment reference: %(ref)s", ref=claim.payment_reference)]
        link = service_link("mentor.show", claim_id=claim.id)
        if link:
            lines += ["", link]
        lines += ["", _("This message was sent automatically; please do not reply to it.")]
    send(mentor, subject, "\n".join(lines), language)


def waiting_claims(days: int) -> list[Claim]:
    """Claims waiting for finance longer than `days` that have not been reported since they were submitted."""
    return list(
        db.session.scalars(
            select(Claim)
            .where(
                Claim.status.in_(("submitted", "checked")),
                Claim.submitted_at < utcnow() - timedelta(days=days),
                # A claim returned and submitted again waits anew, so it may be reported again.
                or_(Claim.waiting_notified_at.is_(None), Claim.waiting_notified_at < Claim.submitted_at),
            )
            .order_by(Claim.submitted_at, Claim.id)
        )
    )


def remind_finance() -> int:
    """Mail every finance officer the claims waiting longer than WAITING_DAYS; return how many were reported.

    Each claim is reported once per submission. Raises `MailError` when the mail could not be sent; the
    claims are then left unreported so that the next run tries again.
    """
    days = int(current_app.config["WAITING_DAYS"])
    waiting = waiting_claims(days)
    if not waiting:
        return 0
    officers = db.session.scalars(
        select(User).where(User.role == "finance", User.active.is_(True)).order_by(User.id)
    ).all()
    if not officers:
        current_app.logger.warning("%d claim(s) wait for finance, but there is no active finance user", len(waiting))
        return 0
    for officer in officers:
        language = _language(officer)
        with force_locale(language):
            subject = ngettext(
                "%(num)s travel claim has waited over %(days)s days",
                "%(num)s travel claims have waited over %(days)s days",
                len(waiting),
                days=days,
            )
            lines = [_("These travel claims have waited for handling over %(days)s days:", days=days), ""]
            for c in waiting:
                lines.append(
                    f"{c.reference}  {status_name(c.status)}  {c.mentor.name}  {money(c.total)}  "
                    + _("submitted %(when)s", when=when(c.submitted_at))
                )
                lines += [f"    {_('To check')}: {sentence} ({code})" for code, sentence in _warnings(c, language)]
            link = service_link("review.index")
            if link:
                lines += ["", link]
        send(officer, subject, "\n".join(lines), language)
    now = utcnow()
    for claim in waiting:
        claim.waiting_notified_at = now
    db.session.info.pop(FAILED, None)
    db.session.commit()
    if db.session.info.pop(FAILED, None):
        for claim in waiting:
            claim.waiting_notified_at = None
        db.session.commit()
        # For the operator at the command line, whose other messages are English too.
        raise MailError("The reminder could not be sent (see the log); the claims will be reported next time.")
    return len(waiting)


def _warnings(claim: Claim, language: str) -> list[tuple[str, str]]:
    """(code, sentence in `language`) of the claim's warnings: the code only ever beside its sentence."""
    findings = localised(claim, language).get("findings", [])
    return [(f["code"], f["message"]) for f in findings if f.get("severity") == "warning"]


def _send(app: Flask, messages: list[EmailMessage]) -> list[EmailMessage]:
    """Hand the messages to the SMTP server (or the log); return those that could not be sent."""
    config = app.config
    if not config["MAIL_SERVER"]:
        for message in messages:
            app.logger.info(
                "Mail (not sent, no EXPENSES_MAIL_SERVER):\nTo: %s\nSubject: %s\n\n%s",
                message["To"],
                message["Subject"],
                message.get_content().rstrip(),
            )
        return []
    sent = 0
    failed: list[EmailMessage] = []
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                # The default context checks the server's certificate; smtplib's own does not.
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in messages:
                try:
                    smtp.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused, ValueError):
                    # One refused address must not hold back the others.
                    app.logger.exception("The mail server refused %r to %s", message["Subject"], message["To"])
                    failed.append(message)
                else:
                    app.logger.info("Sent %r to %s", message["Subject"], message["To"])
                sent += 1
    except (OSError, smtplib.SMTPException):
        # The change is already committed; a mail failure must not undo or hide it.
        failed += messages[sent:]
        app.logger.exception(
            "Sending %d notification(s) through %s:%s failed",
            len(messages) - sent,
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
        )
    return failed


def _ancestors(transaction: SessionTransaction | None) -> list[SessionTransaction | None]:
    chain = [transaction]
    while transaction is not None:
        transaction = transaction.parent
        chain.append(transaction)
    return chain


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    # Releasing a savepoint also fires after_commit; mail waits for the outermost transaction.
    if session.in_nested_transaction():
        return
    queued: list[_Queued] = session.info.pop(OUTBOX, None) or []
    if queued:
        app = current_app._get_current_object()
        try:
            session.info[FAILED] = _send(app, [q.message for q in queued])
        except Exception:
            # After the commit: raising here would answer 500 for a change that was made.
            app.logger.exception("Sending %d notification(s) failed", len(queued))
            session.info[FAILED] = [q.message for q in queued]


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction: SessionTransaction) -> None:
    queued: list[_Queued] = session.info.get(OUTBOX) or []
    outermost = previous_transaction.parent is None
    kept = [
        q
        for q in queued
        if not (previous_transaction in _ancestors(q.transaction) or (q.transaction is None and outermost))
    ]
    if kept:
        session.info[OUTBOX] = kept
    else:
        session.info.pop(OUTBOX, None)
