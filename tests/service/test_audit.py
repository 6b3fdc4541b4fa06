"""The audit trail's hash chain: intact after real work, and every kind of tampering named."""

from sqlalchemy import delete, update

from expenses import audit
from expenses.extensions import db
from expenses.models import AuditEvent
from tests.factories import make_claim


def test_chain_of_real_workflow_is_intact(app, runner):
    make_claim(status="returned")
    make_claim(status="checked")
    assert audit.verify_chain() == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "intact" in result.output


def test_changed_event_is_named(app, runner):
    claim = make_claim(status="returned")
    event = claim.events[-1]
    db.session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(reason="nothing to see"))
    db.session.commit()
    [problem] = audit.verify_chain()
    assert problem.event_id == event.id
    assert "changed" in problem.problem
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {event.id} of claim {claim.reference}" in result.output


def test_removed_event_in_the_middle_is_named(app):
    claim = make_claim(status="checked")
    removed, following = claim.events[1], claim.events[2]
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == removed.id))
    db.session.commit()
    [problem] = audit.verify_chain()
    assert problem.event_id == following.id
    assert "removed" in problem.problem


def test_removed_latest_event_is_noticed(app):
    claim = make_claim(status="submitted")
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == claim.events[-1].id))
    db.session.commit()
    [problem] = audit.verify_chain()
    assert problem.event_id is None
    assert "missing" in problem.problem
