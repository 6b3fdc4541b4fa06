"""The workflow service: every transition allowed and refused, by role and by state."""

import pytest

from expenses import workflow
from expenses.models import AuditEvent
from tests.factories import CAR_TOTAL, car_body, make_claim, make_user, train_body


def test_create_stores_draft_with_decision_and_event(app):
    mentor = make_user("mentor")
    claim = workflow.create(car_body(), mentor, "fi")
    assert claim.status == "draft"
    assert claim.total == CAR_TOTAL
    assert claim.decision["eligible"] is True
    assert [e.action for e in claim.events] == ["create"]


@pytest.mark.parametrize("role", ["actor", "finance", "auditor", "admin"])
def test_only_mentors_create_claims(app, role):
    with pytest.raises(workflow.Forbidden):
        workflow.create(car_body(), make_user(role), "fi")


def test_second_active_claim_for_same_session_is_duplicate(app):
    mentor = make_user("mentor")
    workflow.create(car_body(), mentor, "fi")
    with pytest.raises(workflow.Ineligible) as refused:
        workflow.create(car_body(), mentor, "fi")
    assert refused.value.details["findings"][0]["code"] == "duplicate_claim"


def test_rejected_claim_does_not_block_a_new_one(app):
    mentor = make_user("mentor")
    make_claim(mentor, "rejected")
    assert workflow.create(car_body(), mentor, "fi").status == "draft"


def test_claim_with_error_cannot_be_submitted(app):
    mentor = make_user("mentor")
    claim = workflow.create(train_body(receipt_id=None), mentor, "fi")
    with pytest.raises(workflow.Ineligible) as refused:
        workflow.submit(claim.id, mentor, "fi")
    assert "receipt_missing" in [f["code"] for f in refused.value.details["findings"]]
    assert workflow.get_claim(claim.id, mentor).status == "draft"


def test_submit_refusal_is_in_the_mentors_language_not_the_claims(app):
    mentor = make_user("mentor")
    claim = workflow.create(train_body(receipt_id=None), mentor, "fi")
    with pytest.raises(workflow.Ineligible) as refused:
        workflow.submit(claim.id, mentor, "sv")
    messages = {f["code"]: f["message"] for f in refused.value.details["findings"]}
    assert messages["receipt_missing"] == "Bifoga kvittot för denna kostnad."
    assert workflow.get_claim(claim.id, mentor).language == "fi"  # a refusal stores nothing


def test_saving_keeps_the_decision_in_every_language_and_submit_takes_the_mentors(app):
    mentor = make_user("mentor")
    claim = workflow.create(car_body(), mentor, "fi")
    assert claim.language == "fi" and claim.decision["lines"][0]["explanation"].startswith("matka")
    assert {lang: texts["lines"][0][:6] for lang, texts in claim.decision_texts.items()} == {
        "fi": "matka ",
        "sv": "resan ",
        "en": "trip 1",
    }
    workflow.submit(claim.id, mentor, "en")
    # Like saving, submitting makes the mentor's language the claim's, which its PDF will speak.
    assert claim.language == "en" and claim.decision["lines"][0]["explanation"].startswith("trip")
    assert claim.decision_texts["en"] == {
        "lines": [line["explanation"] for line in claim.decision["lines"]],
        "findings": [f["message"] for f in claim.decision["findings"]],
    }


def test_whole_workflow_writes_one_event_per_transition(app):
    mentor, checker, approver = make_user("mentor"), make_user("finance"), make_user("finance")
    claim = make_claim(mentor, "paid", checker=checker, approver=approver)
    assert claim.status == "paid"
    actions = [(e.action, e.from_status, e.to_status) for e in claim.events]
    assert actions == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        ("check", "submitted", "checked"),
        ("approve", "checked", "approved"),
        ("pay", "approved", "paid"),
    ]
    assert claim.checked_by == checker and claim.approved_by == approver
    assert claim.payment_reference == "RF18 1234"


def test_checker_cannot_approve(app):
    checker = make_user("finance")
    claim = make_claim(status="checked", checker=checker)
    with pytest.raises(workflow.Forbidden):
        workflow.approve(claim.id, checker)
    assert AuditEvent.query.filter_by(claim_id=claim.id, action="approve").count() == 0


def test_returned_claim_can_be_fixed_and_resubmitted(app):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "returned")
    assert claim.status_reason == "Please attach the parking receipt."
    workflow.update(claim.id, car_body(), mentor, "fi")
    assert workflow.submit(claim.id, mentor, "fi").status == "submitted"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "check"),
        ("submitted", "approve"),
        ("submitted", "pay"),
        ("checked", "check"),
        ("approved", "return"),
        ("paid", "reject"),
        ("rejected", "check"),
    ],
)
def test_wrong_state_is_refused(app, status, action):
    claim = make_claim(status=status)
    officer = make_user("finance")
    args = {"return": ("why",), "reject": ("why",), "pay": ("ref",)}.get(action, ())
    with pytest.raises(workflow.WrongState):
        workflow.ACTIONS[action](claim.id, officer, *args)


@pytest.mark.parametrize("role", ["mentor", "auditor", "admin", "actor"])
def test_only_finance_checks(app, role):
    claim = make_claim(status="submitted")
    with pytest.raises((workflow.Forbidden, workflow.NotFound)):
        workflow.check(claim.id, make_user(role))


def test_mentor_cannot_see_or_edit_another_mentors_claim(app):
    claim = make_claim(status="draft")
    other = make_user("mentor")
    with pytest.raises(workflow.NotFound):
        workflow.get_claim(claim.id, other)
    with pytest.raises(workflow.NotFound):
        workflow.update(claim.id, car_body(), other, "fi")


def test_approved_claim_cannot_be_edited(app):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "approved")
    with pytest.raises(workflow.WrongState):
        workflow.update(claim.id, car_body(), mentor, "fi")


def test_return_needs_a_reason(app):
    claim = make_claim(status="submitted")
    with pytest.raises(workflow.Invalid):
        workflow.return_for_correction(claim.id, make_user("finance"), "   ")


def test_stale_version_is_refused(app):
    claim = make_claim(status="submitted")
    with pytest.raises(workflow.Stale):
        workflow.check(claim.id, make_user("finance"), version=claim.version - 1)
