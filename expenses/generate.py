"""A realistic population for benchmarks and for trying the app with volume.

Thousands of mentors, claims across the reimbursed sessions in every status, their audit chains,
receipts and, for approved and paid claims, approval documents, written with bulk inserts so that
10,000 claims take seconds. Every claim's decision comes from the real rules engine.

Two deliberate simplifications, both visible in the data: the approval documents are small
placeholder PDFs marked "generated" (rendering 5,000 real summaries would take half an hour;
`flask --app wsgi generate --real-pdfs` renders real ones), and all receipts share one stored file.
One active claim per mentor and session, with two reimbursed sessions, means the default of
10,000 claims needs 5,000 mentors.
"""

import hashlib
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, update

from expenses import accounts, documents, receipts
from expenses.audit import GENESIS, chain_hash
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, ClaimDocument, Receipt, User, utcnow
from rules import evaluate, load_calendar
from rules.programme import HELSINKI

PASSWORD = "generated-password"
PLACES = (
    ("Lahti", 104),
    ("Tampere", 178),
    ("Turku", 166),
    ("Oulu", 607),
    ("Rovaniemi", 830),
    ("Kuopio", 383),
    ("Vaasa", 419),
    ("Jyväskylä", 270),
    ("Pori", 242),
    ("Joensuu", 437),
    ("Espoo", 15),
    ("Kotka", 133),
)
# Where claims stand a while after the sessions: most paid or approved, some still in the queues.
STATUSES = (
    ("paid", 35),
    ("approved", 20),
    ("checked", 8),
    ("submitted", 12),
    ("returned", 5),
    ("rejected", 5),
    ("draft", 15),
)
PATHS = {
    "draft": ("create",),
    "submitted": ("create", "submit"),
    "checked": ("create", "submit", "check"),
    "returned": ("create", "submit", "return"),
    "rejected": ("create", "submit", "reject"),
    "approved": ("create", "submit", "check", "approve"),
    "paid": ("create", "submit", "check", "approve", "pay"),
}
TARGETS = {
    "create": "draft",
    "submit": "submitted",
    "check": "checked",
    "return": "returned",
    "reject": "rejected",
    "approve": "approved",
    "pay": "paid",
}
RECEIPT_BYTES = b"%PDF-1.4\n% generated receipt\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _placeholder_pdf(reference: str) -> bytes:
    return f"%PDF-1.4\n% generated approval document of {reference}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


def _body(rng: random.Random, session_id: str, receipt_id: str) -> dict:
    session = load_calendar().get(session_id)
    place, distance = rng.choice(PLACES)
    start = session.start.astimezone(HELSINKI)
    departure = start - timedelta(minutes=rng.randint(60, 360))
    back = session.end.astimezone(HELSINKI) + timedelta(minutes=rng.randint(60, 420))
    day = start.date().isoformat()
    expenses = [
        {
            "type": "public_transport",
            "date": day,
            "description": f"Train {place}–Helsinki–{place}",
            "amount": f"{rng.uniform(20, 190):.2f}",
            "receipt": receipt_id,
        }
    ]
    if rng.random() < 0.3:
        expenses = [{"type": "own_car", "date": day, "km": 2 * distance, "passengers": rng.randint(0, 2)}]
    if rng.random() < 0.15:
        expenses.append(
            {"type": "other", "date": day, "description": "Parking", "amount": "12.00", "receipt": receipt_id}
        )
    return {
        "session": session_id,
        "trip": {
            "start_place": place,
            "distance_km": distance,
            "departure": departure.strftime("%Y-%m-%dT%H:%M"),
            "return": back.strftime("%Y-%m-%dT%H:%M"),
        },
        "expenses": expenses,
    }


def generate(claims: int = 10_000, mentors: int | None = None, seed: int = 1, real_pdfs: bool = False) -> dict:
    """Add the population to the database (which may already have data); return what was made."""
    rng = random.Random(seed)
    sessions = [s.id for s in load_calendar().reimbursable()]
    mentors = mentors or -(-claims // len(sessions))
    start_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    password_hash = accounts._hasher().hash(PASSWORD)  # one hash for all: hashing 5,000 would take minutes
    tag = f"{seed}-{start_id}"
    user_rows = [
        {
            "email": f"mentor{n}.{tag}@generated.example.fi",
            "name": f"Mentor {n} ({tag})",
            "role": "mentor",
            "password_hash": password_hash,
            "active": True,
            "session_epoch": 1,
            "created_at": utcnow(),
        }
        for n in range(mentors)
    ] + [
        {
            "email": f"{role}{n}.{tag}@generated.example.fi",
            "name": f"{role.title()} {n} ({tag})",
            "role": role,
            "password_hash": password_hash,
            "active": True,
            "session_epoch": 1,
            "created_at": utcnow(),
        }
        for role, n in (("finance", 1), ("finance", 2), ("finance", 3), ("auditor", 1))
    ]
    db.session.execute(insert(User), user_rows)
    users = db.session.execute(select(User.id, User.role, User.name).where(User.id >= start_id).order_by(User.id)).all()
    mentor_ids = [u.id for u in users if u.role == "mentor"]
    names = {u.id: u.name for u in users}
    checker, approver = [u.id for u in users if u.role == "finance"][:2]

    receipt_path = receipts.path_for(hashlib.sha256(RECEIPT_BYTES).hexdigest())
    receipt_path.parent.mkdir(parents=True, exist_ok=True)
    receipt_path.write_bytes(RECEIPT_BYTES)

    pairs = [(m, s) for s in sessions for m in mentor_ids][:claims]
    weights = [w for _, w in STATUSES]
    now = utcnow()
    claim_rows, receipt_rows, plans = [], [], []
    for mentor_id, session_id in pairs:
        receipt_id = hashlib.sha256(f"{tag}-{mentor_id}-{session_id}".encode()).hexdigest()[:32]
        receipt_rows.append(
            {
                "id": receipt_id,
                "owner_id": mentor_id,
                "sha256": hashlib.sha256(RECEIPT_BYTES).hexdigest(),
                "content_type": "application/pdf",
                "size": len(RECEIPT_BYTES),
                "filename": "ticket.pdf",
                "created_at": now,
            }
        )
        body = _body(rng, session_id, receipt_id)
        decision = evaluate({**body, "claimant": {"name": names[mentor_id], "role": "mentor"}}, lang="fi")
        status = rng.choices([s for s, _ in STATUSES], weights)[0]
        submitted = now - timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
        plans.append((status, submitted))
        claim_rows.append(
            {
                "mentor_id": mentor_id,
                "session_id": session_id,
                "status": status,
                "body": body,
                "decision": decision.to_dict(),
                "total": decision.total,
                "eligible": decision.eligible,
                "has_warnings": any(f.severity == "warning" for f in decision.findings),
                "language": "fi",
                "version": 1,
                "status_reason": "Liitä pysäköintikuitti." if status in ("returned", "rejected") else None,
                "created_at": submitted - timedelta(hours=2),
                "updated_at": submitted,
                "submitted_at": submitted if status != "draft" else None,
                "checked_by_id": checker if status in ("checked", "approved", "paid") else None,
                "checked_at": submitted + timedelta(days=1) if status in ("checked", "approved", "paid") else None,
                "approved_by_id": approver if status in ("approved", "paid") else None,
                "approved_at": submitted + timedelta(days=2) if status in ("approved", "paid") else None,
                "paid_at": submitted + timedelta(days=5) if status == "paid" else None,
                "payment_reference": f"GEN-{submitted:%Y%m}" if status == "paid" else None,
            }
        )
    db.session.execute(insert(Receipt), receipt_rows)
    claim_ids = db.session.scalars(insert(Claim).returning(Claim.id, sort_by_parameter_order=True), claim_rows).all()

    event_rows, head_updates, document_rows = [], [], []
    for claim_id, row, (status, submitted) in zip(claim_ids, claim_rows, plans, strict=True):
        prev, source = GENESIS, None
        for step, action in enumerate(PATHS[status]):
            actor = (
                row["mentor_id"]
                if action in ("create", "submit")
                else (checker if action in ("check", "return", "reject") else approver)
            )
            at = submitted + timedelta(days=step) if action != "create" else row["created_at"]
            reason = row["status_reason"] if action in ("return", "reject") else None
            target = TARGETS[action]
            digest = chain_hash(prev, claim_id, actor, at, action, source, target, reason, None)
            event_rows.append(
                {
                    "claim_id": claim_id,
                    "actor_id": actor,
                    "at": at,
                    "action": action,
                    "from_status": source,
                    "to_status": target,
                    "reason": reason,
                    "details": None,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev, source = digest, target
        head_updates.append({"claim": claim_id, "head": prev})
        if status in ("approved", "paid") and not real_pdfs:
            reference = f"MK-{row['session_id'][:4]}-{claim_id:06d}"
            data = _placeholder_pdf(reference)
            sha256 = hashlib.sha256(data).hexdigest()
            path = documents.path_for(sha256)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            document_rows.append(
                {
                    "id": sha256[:32],
                    "claim_id": claim_id,
                    "sha256": sha256,
                    "size": len(data),
                    "signed": False,
                    "language": "fi",
                    "created_at": row["approved_at"],
                }
            )
    db.session.execute(insert(AuditEvent), event_rows)
    claims_table = Claim.__table__
    db.session.execute(
        update(claims_table).where(claims_table.c.id == bindparam("claim")).values(audit_head=bindparam("head")),
        head_updates,
    )
    if document_rows:
        db.session.execute(insert(ClaimDocument), document_rows)
    db.session.commit()
    if real_pdfs:
        _render_real_documents(claim_ids)
    current_app.logger.info("Generated %d mentors and %d claims", len(mentor_ids), len(claim_rows))
    return {
        "mentors": len(mentor_ids),
        "claims": len(claim_rows),
        "events": len(event_rows),
        "documents": len(document_rows),
        "password": PASSWORD,
    }


def _render_real_documents(claim_ids: list[int]) -> None:
    for claim in db.session.scalars(
        select(Claim).where(Claim.id.in_(claim_ids), Claim.status.in_(("approved", "paid")))
    ):
        documents.issue_summary(claim, claim.approved_by, claim.approved_at)
        db.session.commit()
