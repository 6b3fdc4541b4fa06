"""Mail about claims, delivered to a real local SMTP server, and only after the change commits."""

import logging
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from expenses import notifications, workflow
from expenses.decisions import localised
from expenses.extensions import db
from expenses.formatting import when
from expenses.models import Claim, User, utcnow
from tests.factories import car_body, make_claim, make_user
from tests.mail import body_of, free_port


def test_return_mails_the_mentor_the_reason_in_their_language(app, inbox):
    mentor = make_user("mentor")
    mentor.language = "sv"
    db.session.commit()
    claim = make_claim(mentor, "submitted")
    assert inbox.mails == []  # submitting tells nobody

    workflow.return_for_correction(claim.id, make_user("finance"), "Attach the parking receipt.")

    [(recipients, mail)] = inbox.mails
    assert recipients == [mentor.email]
    assert mail["Subject"] == f"Din reseräkning {claim.reference} har återsänts för korrigering"
    assert mail["Content-Language"] == "sv"
    assert mail["From"] == "matkat@vm.example"
    text = body_of(mail)
    # Everything in Swedish, the total the Swedish way; only the reason stays as finance wrote it.
    assert "Hej " in text and "Skäl: Attach the parking receipt." in text and "Totalt: 268,16\u00a0€" in text
    assert "Korrigera reseräkningen och skicka in den på nytt." in text
    assert "Detta meddelande har skickats automatiskt" in text
    assert f"http://localhost/claims/{claim.id}" in text


@pytest.mark.parametrize(
    ("start", "action", "words"),
    [
        ("submitted", "reject", "on hylätty"),
        ("checked", "return", "on palautettu korjattavaksi"),
        ("checked", "approve", "on hyväksytty"),
        ("approved", "pay", "on maksettu"),
    ],
)
def test_mentor_is_told_of_each_decision(app, inbox, start, action, words):
    mentor, checker, approver = make_user("mentor"), make_user("finance"), make_user("finance")
    claim = make_claim(mentor, start, checker=checker, approver=approver)
    inbox.mails.clear()

    if action == "approve":
        workflow.approve(claim.id, approver)
    elif action == "pay":
        workflow.pay(claim.id, approver, "RF18 5555")
    else:
        workflow.ACTIONS[action](claim.id, checker, "Not a programme session.")

    [mail] = inbox.to(mentor.email)
    assert len(inbox.mails) == 1
    # The claim's language (Finnish) when the mentor chose none.
    assert mail["Subject"] == f"Matkalaskusi {claim.reference} {words}"
    text = body_of(mail)
    assert mail["Content-Language"] == "fi"
    assert "Yhteensä: 268,16\u00a0€" in text  # the total, written the Finnish way
    if action in ("reject", "return"):
        assert "Syy: Not a programme session." in text
    if action == "pay":
        assert "Maksun viite: RF18 5555" in text


def test_checking_sends_nothing(app, inbox):
    claim = make_claim(status="submitted")
    workflow.check(claim.id, make_user("finance"))
    assert inbox.mails == []


def test_refused_action_sends_nothing(app, inbox):
    checker = make_user("finance")
    claim = make_claim(status="checked", checker=checker)
    with pytest.raises(workflow.Forbidden):
        workflow.approve(claim.id, checker)
    with pytest.raises(workflow.WrongState):
        workflow.pay(claim.id, make_user("finance"), "RF18 1")
    db.session.commit()  # a later commit must not carry a leftover message either
    assert inbox.mails == []
    assert notifications.OUTBOX not in db.session.info


def test_failed_commit_drops_the_queued_mail(app, inbox):
    claim, officer = make_claim(status="submitted"), make_user("finance")

    def database_fails(session):
        raise RuntimeError("the database went away")

    # The mail is queued before the commit, so only the rollback can keep it from leaving.
    event.listen(Session, "before_commit", database_fails, once=True)
    with pytest.raises(RuntimeError, match="went away"):
        workflow.reject(claim.id, officer, "Duplicate.")
    db.session.commit()

    assert inbox.mails == []
    assert db.session.get(Claim, claim.id).status == "submitted"


def test_rolled_back_transaction_sends_nothing_and_next_commit_sends_only_its_own(app, inbox):
    first = make_claim(status="submitted")
    second = make_claim(status="submitted")
    notifications.claim_changed(first, "reject")
    db.session.rollback()
    notifications.claim_changed(second, "reject")
    db.session.commit()
    assert [rcpt for rcpt, _mail in inbox.mails] == [[second.mentor.email]]


def test_savepoint_mail_waits_for_the_outer_commit_and_dies_with_its_savepoint(app, inbox):
    kept, dropped = make_claim(status="submitted"), make_claim(status="submitted")
    db.session.get(Claim, kept.id)  # begin the outer transaction
    with db.session.begin_nested():
        notifications.claim_changed(kept, "reject")
    assert inbox.mails == []  # releasing the savepoint is not the commit
    savepoint = db.session.begin_nested()
    notifications.claim_changed(dropped, "reject")
    savepoint.rollback()
    db.session.commit()
    assert [rcpt for rcpt, _mail in inbox.mails] == [[kept.mentor.email]]


def test_unreachable_mail_server_does_not_undo_the_change(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    claim = make_claim(status="submitted")
    with caplog.at_level(logging.ERROR):
        workflow.reject(claim.id, make_user("finance"), "Not a programme session.")
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status == "rejected"
    assert "Sending 1 notification(s) through 127.0.0.1" in caplog.text


def test_without_mail_server_the_mail_is_logged(app, caplog):
    claim = make_claim(status="submitted")
    with caplog.at_level(logging.INFO):
        workflow.reject(claim.id, make_user("finance"), "Not a programme session.")
    assert "Mail (not sent, no EXPENSES_MAIL_SERVER)" in caplog.text
    assert f"Matkalaskusi {claim.reference} on hylätty" in caplog.text  # the mentor's language, Finnish


def _submitted_days_ago(days: float, **officers) -> Claim:
    claim = make_claim(status="submitted", body=car_body(), **officers)
    claim.submitted_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return claim


def test_notify_waiting_reports_old_claims_once(app, inbox, runner):
    app.config["WAITING_DAYS"] = 3
    officer, away = make_user("finance"), make_user("finance")
    away.active = False
    db.session.commit()
    old, recent = _submitted_days_ago(4), _submitted_days_ago(2)

    result = runner.invoke(args=["notify-waiting"])
    assert result.exit_code == 0, result.output
    assert "1 waiting claim(s) reported." in result.output
    [mail] = inbox.to(officer.email)
    assert inbox.to(away.email) == []
    assert mail["Subject"] == "1 matkalasku on odottanut yli 3 päivää"  # the officer's language, Finnish
    assert old.reference in body_of(mail)
    # When it was submitted, in the officer's language and Helsinki time: "lähetetty 3.12.2026 klo 10.00".
    with app.test_request_context(), force_locale("fi"):
        assert f"lähetetty {when(old.submitted_at)}" in body_of(mail)
    assert re.search(r"lähetetty \d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d\d\b", body_of(mail))
    assert recent.reference not in body_of(mail)

    again = runner.invoke(args=["notify-waiting"])
    assert "0 waiting claim(s) reported." in again.output
    assert len(inbox.to(officer.email)) == 1


def test_notify_waiting_honours_the_configured_days(app, inbox, runner):
    make_user("finance")
    _submitted_days_ago(4)
    assert app.config["WAITING_DAYS"] == 5
    assert "0 waiting claim(s) reported." in runner.invoke(args=["notify-waiting"]).output
    assert inbox.mails == []


def test_claim_submitted_again_may_be_reported_again(app, inbox):
    officer = make_user("finance")
    claim = _submitted_days_ago(10, checker=officer)
    assert notifications.remind_finance() == 1
    claim.waiting_notified_at = utcnow() - timedelta(days=8)  # as if reported a week ago
    workflow.return_for_correction(claim.id, officer, "Add the parking receipt.")
    workflow.submit(claim.id, claim.mentor, "fi")
    claim.submitted_at = utcnow() - timedelta(days=6)
    db.session.commit()
    assert notifications.remind_finance() == 1
    assert len(inbox.to(officer.email)) == 2


def test_refused_reminder_is_retried_next_time(app, inbox, runner):
    reachable, refused = make_user("finance"), make_user("finance")
    inbox.refuse.add(refused.email)
    claim = _submitted_days_ago(10)

    result = runner.invoke(args=["notify-waiting"])
    assert result.exit_code == 1
    assert "could not be sent" in result.output
    assert len(inbox.to(reachable.email)) == 1  # one refused address does not hold back the others
    assert db.session.scalar(select(Claim.waiting_notified_at).where(Claim.id == claim.id)) is None

    inbox.refuse.clear()
    assert "1 waiting claim(s) reported." in runner.invoke(args=["notify-waiting"]).output
    assert len(inbox.to(refused.email)) == 1


def test_no_finance_user_leaves_claims_unreported(app, inbox, caplog):
    claim = make_claim(status="submitted")
    claim.submitted_at = utcnow() - timedelta(days=30)
    db.session.commit()
    # make_claim made no finance user for a submitted claim.
    assert notifications.remind_finance() == 0
    assert "no active finance user" in caplog.text
    assert claim.waiting_notified_at is None


def test_reminder_is_in_the_officers_language_with_the_right_plural(app, inbox):
    officer = make_user("finance")
    officer.language = "sv"
    db.session.commit()
    first, second = _submitted_days_ago(10), _submitted_days_ago(8)
    assert notifications.remind_finance() == 2
    [mail] = inbox.to(officer.email)
    assert mail["Subject"] == "2 reseräkningar har väntat över 5 dagar"
    text = body_of(mail)
    assert "Dessa reseräkningar har väntat på behandling i över 5 dagar:" in text
    assert f"{first.reference}  Inlämnad" in text and "268,16\u00a0€" in text and second.reference in text


# --- names that would break headers: the decision stands, the mail goes out one line each --------------


def _stored_as_before_names_were_checked(user, name: str) -> None:
    """A name with a line break, written past every check, as rows stored before the check may hold."""
    db.session.execute(User.__table__.update().where(User.__table__.c.id == user.id).values(name=name))
    db.session.commit()
    db.session.expire_all()


def test_a_line_break_in_a_name_cannot_block_a_decision_or_add_a_header(app, inbox):
    mentor = make_user("mentor", email="evil@example.fi")
    claim = make_claim(mentor, "submitted")
    _stored_as_before_names_were_checked(mentor, "Evil\r\nBcc: everyone@example.fi")
    workflow.return_for_correction(claim.id, make_user("finance"), "Attach the receipt.")
    assert db.session.get(Claim, claim.id).status == "returned"
    (mail,) = inbox.to("evil@example.fi")
    assert mail["To"] == '"Evil Bcc: everyone@example.fi" <evil@example.fi>'  # quoted: one name, no header
    assert mail["Bcc"] is None and inbox.to("everyone@example.fi") == []


def test_a_mail_that_cannot_be_written_is_logged_and_the_decision_stands(app, inbox, caplog):
    mentor = make_user("mentor", email="odd@example.fi")
    claim = make_claim(mentor, "submitted")
    db.session.execute(User.__table__.update().where(User.__table__.c.id == mentor.id).values(email="not an address"))
    db.session.commit()
    db.session.expire_all()
    with caplog.at_level(logging.ERROR):
        workflow.reject(claim.id, make_user("finance"), "Not a programme session.")
    assert db.session.get(Claim, claim.id).status == "rejected"
    assert "could not be written" in caplog.text and inbox.mails == []


def test_reminder_says_each_warning_in_words_beside_its_code(app, inbox):
    officer = make_user("finance")
    officer.language = "sv"
    claim = _submitted_days_ago(10)  # long after the session's deadline: a late_claim warning
    assert notifications.remind_finance() == 1
    body = body_of(inbox.to(officer.email)[0])
    [late] = [f for f in localised(claim, "sv")["findings"] if f["code"] == "late_claim"]
    assert f"Att granska: {late['message']} (late_claim)" in body  # the officer's language
    assert body.count("late_claim") == 1
