"""The audit trail: append-only events, each carrying the hash of the one before it on the same claim.

Chaining per claim keeps it safe under concurrency: two transitions of one claim cannot both commit
(the claim's version column refuses the second), so a claim's chain never forks. The claim keeps the
hash of its latest event, so a removed last event is noticed too.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from expenses.extensions import db
from expenses.models import AuditEvent, Claim, User, utcnow

GENESIS = "0" * 64


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the event's content and the previous hash, in a canonical form."""
    content = {
        "prev": event.prev_hash,
        "claim": event.claim_id,
        "actor": event.actor_id,
        "at": event.at.isoformat(timespec="microseconds"),
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "reason": event.reason,
        "details": event.details,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def record(claim: Claim, actor: User, action: str, source: str | None, reason: str | None = None, **details) -> None:
    """Add an event for the claim's current status to the open transaction."""
    if claim.id is None:
        db.session.flush()  # the claim's id is part of what the hash covers
    event = AuditEvent(
        claim=claim,
        claim_id=claim.id,
        actor_id=actor.id,
        at=utcnow(),
        action=action,
        from_status=source,
        to_status=claim.status,
        reason=reason,
        details=details or None,
        prev_hash=claim.audit_head or GENESIS,
    )
    event.hash = event_hash(event)
    claim.audit_head = event.hash
    db.session.add(event)


@dataclass(frozen=True)
class BrokenLink:
    claim: str
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id} of claim {self.claim}" if self.event_id else f"claim {self.claim}"
        return f"{where}: {self.problem}"


def _claim_links(claim: Claim, events: list[AuditEvent]) -> Iterator[BrokenLink]:
    previous = GENESIS
    for event in events:
        if event.prev_hash != previous:
            yield BrokenLink(
                claim.reference, event.id, "it does not follow the event before it (an event was removed or reordered)"
            )
            return
        if event_hash(event) != event.hash:
            yield BrokenLink(claim.reference, event.id, "its content does not match its hash (it was changed)")
            return
        previous = event.hash
    if (claim.audit_head or GENESIS) != previous:
        yield BrokenLink(claim.reference, None, "its latest events are missing")


def verify_chain() -> list[BrokenLink]:
    """Every claim's chain checked from its first event; the first broken link of each claim."""
    problems: list[BrokenLink] = []
    for claim in db.session.scalars(select(Claim).order_by(Claim.id)):
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.claim_id == claim.id).order_by(AuditEvent.id)
        ).all()
        problems.extend(_claim_links(claim, events))
    return problems
