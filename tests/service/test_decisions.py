"""The checks only the service can make (the roster, duplicate claims, late claims, the volunteers' yearly
limits), and a decision told in every language."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from expenses import roster, workflow
from expenses.decisions import decide, localised
from expenses.extensions import db
from expenses.models import Claim
from rules import load_calendar
from rules.i18n import LANGUAGES
from rules.programme import read_calendar
from tests.factories import car_body, counted, make_claim, make_user


def codes(decision) -> dict[str, str]:
    return {f.code: f.severity for f in decision.findings}


# --- late claims -------------------------------------------------------------------------------


def test_claim_deadline_defaults_to_two_months_after_the_session():
    calendar = load_calendar()
    assert calendar.get("2023-09-22").claim_deadline == date(2023, 11, 22)
    assert calendar.get("2024-04-23").claim_deadline == date(2024, 6, 23)


def test_programme_file_may_set_its_own_deadline_and_months(tmp_path):
    (tmp_path / "p.toml").write_text(
        'id = "p"\nclaim_deadline_months = 1\n[name]\nfi = "P"\n'
        '[[sessions]]\ndate = 2025-01-31\nstart = "10:00"\nend = "12:00"\nmode = "in_person"\n'
        'reimbursed = true\nplace = "Helsinki"\ntitle = { fi = "A" }\n'
        '[[sessions]]\ndate = 2025-03-10\nstart = "10:00"\nend = "12:00"\nmode = "in_person"\n'
        'reimbursed = true\nplace = "Helsinki"\ntitle = { fi = "B" }\nclaim_deadline = 2025-03-20\n'
    )
    calendar = read_calendar(tmp_path)
    assert calendar.get("2025-01-31").claim_deadline == date(2025, 2, 28)  # no 31 February
    assert calendar.get("2025-03-10").claim_deadline == date(2025, 3, 20)


@pytest.mark.parametrize(
    ("submitted_at", "late"),
    [
        (datetime(2024, 5, 2, 9, 0, tzinfo=UTC), False),
        # The deadline day ends at midnight in Helsinki (summer time, UTC+3), not in UTC.
        (datetime(2024, 6, 23, 20, 59, 0, tzinfo=UTC), False),
        (datetime(2024, 6, 23, 21, 0, 1, tzinfo=UTC), True),
        (datetime(2024, 9, 1, 12, 0, tzinfo=UTC), True),
    ],
)
def test_late_claim_is_a_warning_after_the_deadline(app, submitted_at, late):
    decision = decide(car_body(), make_user("mentor"), "en", submitted_at=submitted_at).decision
    assert decision.eligible  # a warning for finance, never a refusal
    assert ("late_claim" in codes(decision)) is late
    if late:
        assert codes(decision)["late_claim"] == "warning"
        message = next(f.message for f in decision.findings if f.code == "late_claim")
        # The deadline is written the reader's way, never as an ISO date.
        assert "23 Jun 2024" in message and "2024-06-23" not in message


@pytest.mark.parametrize(("lang", "deadline"), [("fi", "23.6.2024"), ("sv", "23.6.2024")])
def test_late_claim_names_the_deadline_in_the_readers_language(app, lang, deadline):
    submitted_at = datetime(2024, 9, 1, 12, 0, tzinfo=UTC)
    decision = decide(car_body(), make_user("mentor"), lang, submitted_at=submitted_at).decision
    assert deadline in next(f.message for f in decision.findings if f.code == "late_claim")


def test_submission_time_decides_lateness(app, monkeypatch):
    in_time_mentor, late_mentor = make_user("mentor"), make_user("mentor")
    in_time, late = make_claim(in_time_mentor), make_claim(late_mentor)

    monkeypatch.setattr("expenses.workflow.utcnow", lambda: datetime(2024, 6, 1, 8, 0, tzinfo=UTC))
    workflow.submit(in_time.id, in_time_mentor, "fi")
    monkeypatch.setattr("expenses.workflow.utcnow", lambda: datetime(2024, 7, 1, 8, 0, tzinfo=UTC))
    workflow.submit(late.id, late_mentor, "fi")

    assert "late_claim" not in {f["code"] for f in in_time.decision["findings"]}
    assert not in_time.has_warnings
    assert "late_claim" in {f["code"] for f in late.decision["findings"]}
    assert late.has_warnings and late.status == "submitted"


# --- duplicate claims --------------------------------------------------------------------------


def test_second_claim_for_a_session_is_a_duplicate_error(app):
    mentor = make_user("mentor")
    first = make_claim(mentor)
    decision = decide(car_body(), mentor, "en").decision
    assert codes(decision)["duplicate_claim"] == "error"
    assert not decision.eligible
    assert str(first.id) in next(f.message for f in decision.findings if f.code == "duplicate_claim")


def test_a_claim_is_no_duplicate_of_itself_or_of_others(app):
    mentor = make_user("mentor")
    own = make_claim(mentor)
    make_claim(make_user("mentor"))  # another mentor's claim for the same session
    decision = decide(car_body(), mentor, "en", claim_id=own.id).decision
    assert "duplicate_claim" not in codes(decision)


def test_rejected_claim_is_no_duplicate(app):
    mentor = make_user("mentor")
    make_claim(mentor, "rejected")
    decision = decide(car_body(), mentor, "en").decision
    assert "duplicate_claim" not in codes(decision)


def test_other_session_is_no_duplicate(app):
    mentor = make_user("mentor")
    make_claim(mentor, body=car_body("2023-09-22"))
    assert "duplicate_claim" not in codes(decide(car_body("2024-04-23"), mentor, "en").decision)


# --- volunteers' yearly tax-free limits -------------------------------------------------------


def stored_claim(mentor, session_id: str, status: str, template: Claim) -> Claim:
    """A claim of another programme round in the same year; the shipped calendar has one session a year."""
    claim = Claim(
        mentor_id=mentor.id,
        session_id=session_id,
        status=status,
        body=template.body,
        decision=template.decision,
        total=template.total,
        eligible=True,
    )
    db.session.add(claim)
    db.session.commit()
    return claim


@pytest.fixture
def limits(app):
    # One claim of car_body() has 1 per-diem day and 217.16 € of kilometre allowance.
    app.config.update(VOLUNTEER_MAX_DAYS=1, VOLUNTEER_MAX_KM_EUR=Decimal("300.00"))


def test_one_claim_within_the_limits_has_no_warning(app, limits):
    decision = decide(car_body(), make_user("mentor"), "en").decision
    assert "volunteer_tax_limit" not in codes(decision)


def test_claims_of_the_same_year_add_up_past_the_limits(app, limits):
    mentor = make_user("mentor")
    other = make_claim(make_user("mentor"), "paid")
    stored_claim(mentor, "2024-10-15", "paid", other)
    decision = decide(car_body(), mentor, "en").decision
    assert codes(decision)["volunteer_tax_limit"] == "warning"
    assert decision.eligible
    message = next(f.message for f in decision.findings if f.code == "volunteer_tax_limit")
    assert "2 per-diem days" in message and "434.32" in message and "2024" in message


def test_only_the_days_limit_can_be_passed(app, limits):
    app.config["VOLUNTEER_MAX_KM_EUR"] = Decimal("3000.00")
    mentor = make_user("mentor")
    stored_claim(mentor, "2024-10-15", "approved", make_claim(make_user("mentor")))
    assert "volunteer_tax_limit" in codes(decide(car_body(), mentor, "en").decision)


@pytest.mark.parametrize("status", ["draft", "returned", "rejected"])
def test_claims_not_sent_to_finance_do_not_count(app, limits, status):
    mentor = make_user("mentor")
    stored_claim(mentor, "2024-10-15", status, make_claim(make_user("mentor")))
    assert "volunteer_tax_limit" not in codes(decide(car_body(), mentor, "en").decision)


def test_claims_of_another_year_do_not_count(app, limits):
    mentor = make_user("mentor")
    make_claim(
        mentor, "paid", body=car_body("2023-09-22", departure="2023-09-22T09:00", **{"return": "2023-09-22T20:00"})
    )
    assert "volunteer_tax_limit" not in codes(decide(car_body(), mentor, "en").decision)


def test_claim_being_changed_is_not_counted_twice(app, limits):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "submitted")
    assert "volunteer_tax_limit" not in codes(decide(car_body(), mentor, "en", claim_id=claim.id).decision)


def test_limit_warning_reaches_finance_through_submit(app, limits):
    mentor = make_user("mentor")
    stored_claim(mentor, "2024-10-15", "paid", make_claim(make_user("mentor")))
    claim = make_claim(mentor, "submitted")
    assert "volunteer_tax_limit" in {f["code"] for f in claim.decision["findings"]}
    assert claim.has_warnings


# --- every language ----------------------------------------------------------------------------

LATE = datetime(2024, 9, 1, 12, 0, tzinfo=UTC)


def messages(texts: dict, lang: str) -> list[str]:
    return texts[lang]["findings"]


def test_service_findings_are_told_in_every_language(app):
    mentor = make_user("mentor")
    first = make_claim(mentor)
    texts = decide(car_body(), mentor, "fi", submitted_at=LATE).texts()
    assert set(texts) == set(LANGUAGES)
    # The engine's findings come first, then the service's: duplicate_claim, late_claim.
    duplicate = {lang: messages(texts, lang)[0] for lang in LANGUAGES}
    late = {lang: messages(texts, lang)[1] for lang in LANGUAGES}
    assert duplicate["en"] == f"You already have a claim for this session (number {first.id}). Open that claim instead."
    assert duplicate["fi"].startswith("Sinulla on jo matkalasku") and f"numero {first.id}" in duplicate["fi"]
    assert duplicate["sv"].startswith("Du har redan en reseräkning") and f"nummer {first.id}" in duplicate["sv"]
    assert late["en"] == "The claim was submitted after the deadline of 23 Jun 2024."
    assert "23.6.2024" in late["fi"]
    assert "23.6.2024" in late["sv"]


def test_limit_warning_is_told_in_every_language(app, limits):
    mentor = make_user("mentor")
    stored_claim(mentor, "2024-10-15", "paid", make_claim(make_user("mentor"), "paid"))
    texts = decide(car_body(), mentor, "fi").texts()
    assert "2 per-diem days" in messages(texts, "en")[-1] and "€434.32" in messages(texts, "en")[-1]
    assert "434,32" in messages(texts, "fi")[-1] and "434,32" in messages(texts, "sv")[-1]
    assert messages(texts, "fi")[-1] != messages(texts, "sv")[-1]


def test_the_database_is_asked_once_whatever_the_languages(app, limits):
    mentor = make_user("mentor")
    make_claim(mentor)
    decided = decide(car_body(), mentor, "fi", submitted_at=LATE)
    with counted() as statements:
        texts = decided.texts()
    assert statements == []
    # The service's findings are all there in each language: the database's answers were kept.
    assert all(len(messages(texts, lang)) == len(decided.decision.findings) for lang in LANGUAGES)


def test_only_the_texts_differ_between_languages(app, limits):
    """The engine is deterministic: codes, kinds, rules and amounts are the same in every language."""
    mentor = make_user("mentor")
    stored_claim(mentor, "2024-10-15", "paid", make_claim(make_user("mentor"), "paid"))
    decided = decide(car_body(), mentor, "fi", submitted_at=LATE)
    told = {lang: decided.in_language(lang).to_dict() for lang in LANGUAGES}
    assert told["fi"] == decided.decision.to_dict()

    def without_texts(decision: dict) -> dict:
        return {
            **decision,
            "lines": [{k: v for k, v in line.items() if k != "explanation"} for line in decision["lines"]],
            "findings": [{k: v for k, v in f.items() if k != "message"} for f in decision["findings"]],
        }

    assert without_texts(told["fi"]) == without_texts(told["sv"]) == without_texts(told["en"])
    assert [f["code"] for f in told["en"]["findings"]] == ["late_claim", "volunteer_tax_limit"]
    assert told["fi"]["lines"][0]["explanation"] != told["en"]["lines"][0]["explanation"]


# --- a stored decision read in another language ------------------------------------------------


def test_stored_decision_is_read_in_the_readers_language(app):
    claim = make_claim(make_user("mentor"), "submitted")  # saved in Finnish, and late by now
    assert claim.language == "fi"
    english = localised(claim, "en")
    assert english["lines"][0]["explanation"].startswith("trip 11 h 30 min")
    assert english["findings"][-1]["message"].startswith("The claim was submitted after the deadline")
    assert localised(claim, "sv")["lines"][0]["explanation"].startswith("resan 11 h 30 min")
    # Only the texts change; the stored record stays in the claim's language.
    assert {k: v for k, v in english.items() if k not in ("lines", "findings")} == {
        k: v for k, v in claim.decision.items() if k not in ("lines", "findings")
    }
    assert claim.decision["lines"][0]["explanation"].startswith("matka 11 h 30 min")
    assert localised(claim, "fi") == claim.decision


def test_claims_saved_before_every_language_was_kept_are_read_as_stored(app):
    claim = make_claim(make_user("mentor"))
    claim.decision_texts = None
    db.session.commit()
    assert localised(claim, "en") == claim.decision
    assert claim.decision["lines"][0]["explanation"].startswith("matka")


# --- the round's roster ---------------------------------------------------------------------------


def test_a_round_with_a_roster_admits_only_the_mentors_on_it(app):
    on, off = make_user("mentor"), make_user("mentor")
    assert roster.import_roster(f"email,name,role\n{on.email},On,mentor\n".encode(), roster.DEFAULT_PROGRAMME).ok
    assert "not_on_roster" not in codes(decide(car_body(), on, "en").decision)
    refused = decide(car_body(), off, "en")
    assert codes(refused.decision)["not_on_roster"] == "error" and not refused.decision.eligible
    finding = next(f for f in refused.decision.findings if f.code == "not_on_roster")
    assert "not on the roster of Procurement Finland mentoring programme 2023–2024" in finding.message
    assert "inte" in next(f for f in refused.in_language("sv").findings if f.code == "not_on_roster").message
    with pytest.raises(workflow.Ineligible):
        workflow.submit(make_claim(off).id, off, "en")


def test_a_round_without_a_roster_admits_any_mentor(app):
    assert "not_on_roster" not in codes(decide(car_body(), make_user("mentor"), "en").decision)

