"""The audit trail: append-only events, each carrying the hash of the one before it on the same claim.

Chaining per claim keeps it safe under concurrency: two transitions of one claim cannot both commit
(the claim's version column refuses the second), so a claim's chain never forks. The claim keeps the
hash of its latest event, so a removed last event is noticed too.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import select

from expenses.extensions import db
from expenses.models import AuditEvent, Claim, User, utcnow

GENESIS = "0" * 64


def chain_hash(
    prev: str,
    claim: int,
    actor: int,
    at: datetime,
    action: str,
    source: str | None,
    target: str,
    reason: str | None,
    details: dict | None,
) -> str:
    """SHA-256 over an event's content and the previous hash, in a canonical form."""
    content = {
        "prev": prev,
        "claim": claim,
        "actor": actor,
        "at": at.isoformat(timespec="microseconds"),
        "action": action,
        "from": source,
        "to": target,
        "reason": reason,
        "details": details,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    return chain_hash(
        event.prev_hash, event.claim_id, event.actor_id, event.at, event.action, event.from_status,
        event.to_status, event.reason, event.details,
    )  # fmt: skip


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
    events = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.claim_id, AuditEvent.id).execution_options(yield_per=1000)
    )
    by_claim = {claim_id: list(group) for claim_id, group in groupby(events, key=lambda e: e.claim_id)}
    problems: list[BrokenLink] = []
    for claim in db.session.scalars(select(Claim).order_by(Claim.id).execution_options(yield_per=1000)):
        problems.extend(_claim_links(claim, by_claim.get(claim.id, [])))
    return problems
