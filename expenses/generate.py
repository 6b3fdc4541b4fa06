"""A realistic population for benchmarks and for trying the app with volume (`flask --app wsgi generate`).

Mentors, claims across the reimbursed sessions in every status, their audit chains, receipts and,
for approved and paid claims, approval documents, written with multi-row INSERTs so that 10,000
claims take well under a minute (most of it the real rules engine deciding every claim).

Two deliberate simplifications, both visible in the data: the approval documents are small
placeholder PDFs marked "generated" (rendering 5,000 real summaries takes over an hour;
`--real-pdfs` renders real ones), and all receipts share one stored file.

Why thousands of mentors rather than a few hundred: a mentor has at most one active claim per
session, and the programme reimburses two sessions, so N claims need at least N / 2 mentors
(10,000 claims: 5,000 mentors). Fewer mentors than that is refused with a message.
"""

import hashlib
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, insert, select, text

from expenses import accounts, documents
from expenses.audit import GENESIS, chain_hash
from expenses.decisions import texts_of
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, ClaimDocument, Receipt, User, claim_reference, utcnow
from expenses.rounds import current_calendar
from expenses.storage import document_store, receipt_store
from rules import evaluate, parse_claim
from rules.i18n import LANGUAGES
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
    session = current_calendar().get(session_id)
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


def _people(mentors: int, tag: str, start_id: int) -> list[dict]:
    """The user rows: the mentors, then three finance officers and an auditor, all with one password hash."""
    password_hash = accounts._hasher().hash(PASSWORD)  # one hash for all: hashing 5,000 would take minutes
    now = utcnow()
    people = [("mentor", n) for n in range(mentors)] + [("finance", 1), ("finance", 2), ("finance", 3), ("auditor", 1)]
    return [
        {
            "id": start_id + i,
            "email": f"{role}{n}.{tag}@generated.example.fi",
            "name": f"{'Mentor' if role == 'mentor' else role.title()} {n} ({tag})",
            "role": role,
            "password_hash": password_hash,
            "active": True,
            "session_epoch": 1,
            "created_at": now,
        }
        for i, (role, n) in enumerate(people)
    ]


def _next_id(model: type) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _advance_sequences() -> None:
    """PostgreSQL hands out ids from sequences, which rows with explicit ids do not move: move them past."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("users", "claims"):
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )


def generate(claims: int = 10_000, mentors: int | None = None, seed: int = 1, real_pdfs: bool = False) -> dict:
    """Add the population to the database (which may already have data); return what was made.

    Rows get their ids here rather than from the database, so that claims, their audit chains and
    documents are written with plain multi-row INSERTs and no RETURNING (SQLite's sorted RETURNING
    made 10,000 claims take minutes). Nothing else may write to the database meanwhile.
    """
    rng = random.Random(seed)
    calendar = current_calendar()
    sessions = [s.id for s in calendar.reimbursable()]
    mentors = mentors or -(-claims // len(sessions))
    if mentors * len(sessions) < claims:
        raise ValueError(
            f"{claims} claims need at least {-(-claims // len(sessions))} mentors: "
            f"one active claim per mentor for each of the {len(sessions)} reimbursed sessions."
        )
    start_id = _next_id(User)
    tag = f"{seed}-{start_id}"
    user_rows = _people(mentors, tag, start_id)
    db.session.execute(insert(User.__table__), user_rows)
    mentor_ids = [u["id"] for u in user_rows if u["role"] == "mentor"]
    names = {u["id"]: u["name"] for u in user_rows}
    checker, approver = [u["id"] for u in user_rows if u["role"] == "finance"][:2]

    receipt_sha256 = receipt_store().put(RECEIPT_BYTES)

    pairs = [(m, s) for s in sessions for m in mentor_ids][:claims]
    statuses, weights = [s for s, _ in STATUSES], [w for _, w in STATUSES]
    now = utcnow()
    first_claim = _next_id(Claim)
    claim_rows, receipt_rows, event_rows, document_rows = [], [], [], []
    pdfs: list[bytes] = []
    for claim_id, (mentor_id, session_id) in enumerate(pairs, start=first_claim):
        receipt_id = hashlib.sha256(f"{tag}-{mentor_id}-{session_id}".encode()).hexdigest()[:32]
        receipt_rows.append(
            {
                "id": receipt_id,
                "owner_id": mentor_id,
                "sha256": receipt_sha256,
                "content_type": "application/pdf",
                "size": len(RECEIPT_BYTES),
                "filename": "ticket.pdf",
                "created_at": now,
            }
        )
        body = _body(rng, session_id, receipt_id)
        parsed = parse_claim({**body, "claimant": {"name": names[mentor_id], "role": "mentor"}})
        # Every language's texts too, as the workflow stores them, so that reading a claim costs what it does.
        decisions = {lang: evaluate(parsed, calendar, lang=lang) for lang in LANGUAGES}
        decision = decisions["fi"]
        status = rng.choices(statuses, weights)[0]
        submitted = now - timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
        row = {
            "id": claim_id,
            "mentor_id": mentor_id,
            "session_id": session_id,
            "status": status,
            "body": body,
            "decision": decision.to_dict(),
            "decision_texts": {lang: texts_of(d) for lang, d in decisions.items()},
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
            "waiting_notified_at": None,
            "payment_batch_id": None,
        }
        row["audit_head"] = _audit_chain(row, checker, approver, event_rows)
        claim_rows.append(row)
        if status in ("approved", "paid") and not real_pdfs:
            document_rows.append(_placeholder_document(row, pdfs))
    document_store().put_many(pdfs)
    db.session.execute(insert(Receipt.__table__), receipt_rows)
    db.session.execute(insert(Claim.__table__), claim_rows)
    db.session.execute(insert(AuditEvent.__table__), event_rows)
    if document_rows:
        db.session.execute(insert(ClaimDocument.__table__), document_rows)
    _advance_sequences()
    db.session.commit()
    # Fresh statistics after a bulk load, as PostgreSQL's autovacuum would gather: without them SQLite
    # plans the auditors' export as a search by status and a sort instead of a walk in id order.
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    made_documents = len(document_rows)
    if real_pdfs:
        made_documents = _render_real_documents([r["id"] for r in claim_rows])
    current_app.logger.info("Generated %d mentors and %d claims", len(mentor_ids), len(claim_rows))
    return {
        "mentors": len(mentor_ids),
        "claims": len(claim_rows),
        "events": len(event_rows),
        "documents": made_documents,
        "password": PASSWORD,
        "first_user_id": start_id,
        "first_claim_id": first_claim,
        "users": {_officer_name(u): u["email"] for u in user_rows if u["role"] != "mentor"},
    }


def _officer_name(user: dict) -> str:
    # "finance 1 (checks)" and "finance 2 (approves)": the generated claims were checked and approved so.
    number = user["name"].split()[1]
    does = {"1": " (checked the claims)", "2": " (approved them)"}.get(number, "") if user["role"] == "finance" else ""
    return f"{user['role']} {number}{does}"


def _audit_chain(row: dict, checker: int, approver: int, event_rows: list[dict]) -> str:
    """Add the claim's events along its path to `event_rows`; return the hash at the end of the chain."""
    prev, source = GENESIS, None
    for step, action in enumerate(PATHS[row["status"]]):
        if action in ("create", "submit"):
            actor = row["mentor_id"]
        else:
            actor = checker if action in ("check", "return", "reject") else approver
        at = row["submitted_at"] + timedelta(days=step) if action != "create" else row["created_at"]
        reason = row["status_reason"] if action in ("return", "reject") else None
        target = TARGETS[action]
        digest = chain_hash(prev, row["id"], actor, at, action, source, target, reason, None)
        event_rows.append(
            {
                "claim_id": row["id"],
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
    return prev


def _placeholder_document(row: dict, pdfs: list[bytes]) -> dict:
    data = _placeholder_pdf(claim_reference(row["id"], row["session_id"]))
    sha256 = hashlib.sha256(data).hexdigest()
    pdfs.append(data)
    return {
        "id": sha256[:32],
        "claim_id": row["id"],
        "sha256": sha256,
        "size": len(data),
        "signed": False,
        "language": "fi",
        "created_at": row["approved_at"],
    }


def _render_real_documents(claim_ids: list[int]) -> int:
    """Render, store and record the real summary of each approved or paid claim (about 0.1 s each)."""
    wanted = db.session.scalars(
        select(Claim.id)
        .where(Claim.id.between(min(claim_ids), max(claim_ids)), Claim.status.in_(("approved", "paid")))
        .order_by(Claim.id)
    ).all()
    for claim_id in wanted:
        claim = db.session.get(Claim, claim_id)
        documents.issue_summary(claim, claim.approved_by, claim.approved_at)
        db.session.commit()
        db.session.expunge_all()  # keep memory flat over thousands of claims
    return len(wanted)
