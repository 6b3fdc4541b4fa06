"""Deciding clean claims from the queue: only clean ones, each through the workflow, an outcome per claim."""

import pytest
from flask_babel import force_locale

from expenses import queue_decisions
from expenses.extensions import db
from tests.factories import make_claim, make_clean_claim, make_user

WARNING = {"code": "late_claim", "severity": "warning", "message": "late"}
ERROR = {"code": "receipt_missing", "severity": "error", "message": "no receipt"}


@pytest.fixture(autouse=True)
def english(app):
    """The refusals are read in English here."""
    with force_locale("en"):
        yield


@pytest.mark.parametrize(
    ("status", "findings", "clean"),
    [
        ("submitted", [], True),
        ("submitted", None, True),
        ("submitted", [WARNING], False),
        ("submitted", [ERROR], False),
        # The officer who checked it accepted its warnings; an error still holds it back.
        ("checked", [WARNING], True),
        ("checked", [ERROR, WARNING], False),
    ],
)
def test_a_claim_is_clean_without_errors_and_warnings_nobody_has_accepted(app, status, findings, clean):
    assert queue_decisions.is_clean(status, findings) is clean


def test_several_clean_claims_are_checked_each_with_its_outcome(app):
    officer = make_user("finance")
    first, second = make_clean_claim(), make_clean_claim()
    late = make_claim(status="submitted")  # submitted now, long after the deadline: a late_claim warning
    stale = make_clean_claim()

    outcomes = queue_decisions.decide(
        "check",
        [
            (first.id, first.version),
            (second.id, second.version),
            (late.id, late.version),
            (stale.id, stale.version - 1),
        ],
        officer,
    )

    assert [(o.reference, o.problem is None) for o in outcomes] == [
        (first.reference, True),
        (second.reference, True),
        (late.reference, False),
        (stale.reference, False),
    ]
    assert "open the claim" in outcomes[2].problem
    assert "changed since you opened it" in outcomes[3].problem
    db.session.expire_all()
    assert [c.status for c in (first, second, late, stale)] == ["checked", "checked", "submitted", "submitted"]
    assert first.checked_by_id == second.checked_by_id == officer.id


def test_approving_from_the_queue_keeps_checker_and_approver_apart(app):
    checker, approver = make_user("finance"), make_user("finance")
    mine = make_clean_claim(status="checked", checker=checker)
    theirs = make_clean_claim(status="checked", checker=approver)
    # A late claim's warning was accepted when it was checked: approvable from the queue.
    late = make_claim(status="checked", checker=approver)

    outcomes = queue_decisions.decide(
        "approve", [(mine.id, mine.version), (theirs.id, theirs.version), (late.id, late.version)], checker
    )

    assert [o.problem for o in outcomes][1:] == [None, None]
    assert "another officer must approve it" in outcomes[0].problem
    db.session.expire_all()
    assert (mine.status, theirs.status, late.status) == ("checked", "approved", "approved")
    assert theirs.approved_by_id == checker.id and theirs.document is not None


def test_wrong_state_missing_version_unknown_claim_and_too_many_are_refused(app, monkeypatch):
    officer = make_user("finance")
    approved = make_clean_claim(status="approved")
    clean = make_clean_claim()
    monkeypatch.setattr(queue_decisions, "MAX_AT_ONCE", 3)

    outcomes = queue_decisions.decide(
        "check", [(approved.id, approved.version), (clean.id, None), (99999, 1), (clean.id, clean.version)], officer
    )

    assert len(outcomes) == 3  # the fourth is not read: the caller says it was not decided
    assert "status" in outcomes[0].problem
    assert "Reload the page" in outcomes[1].problem
    assert outcomes[2].reference == "#99999" and "no such claim" in outcomes[2].problem
    db.session.expire_all()
    assert clean.status == "submitted"


def test_only_check_and_approve_are_decided_from_the_queue(app):
    claim = make_clean_claim(status="approved")
    with pytest.raises(ValueError):
        queue_decisions.decide("pay", [(claim.id, claim.version)], make_user("finance"))
