"""The database: users, programme rounds, roster, claims, receipts, payments and the append-only audit trail."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, Numeric, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from expenses.extensions import db

ROLES = ("mentor", "actor", "finance", "auditor", "admin")
STATUSES = ("draft", "submitted", "checked", "returned", "approved", "paid", "rejected")
#: Statuses in which a claim still counts as the mentor's claim for its session.
ACTIVE_STATUSES = ("draft", "submitted", "checked", "returned", "approved", "paid")


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as UTC; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def claim_reference(claim_id: int, session_id: str) -> str:
    """A claim's reference as people quote it: MK-2023-000042; lists and exports build it from two columns."""
    return f"MK-{session_id[:4]}-{claim_id:06d}"


Money = Numeric(12, 2, asdecimal=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(5))
    # The account reimbursements are paid to, validated (schwifty) and stored compact: FI2112345600000785.
    iban: Mapped[str | None] = mapped_column(String(34))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped when the password changes so that older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the latest invitation to set a password was mailed; with no password it is still open.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (expenses.two_factor): the TOTP secret once enrolled, the last time step used
    # (a code is accepted once), and the SHA-256 of each unused recovery code.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    recovery_codes: Mapped[list | None] = mapped_column(JSON)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token: tokens are long random strings, so a fast hash is enough to keep them secret.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the owner calls it ("laptop script"), so that they know which one to revoke.
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written at most every few minutes (accounts.TOKEN_USE_PRECISION): a write per call would cost every call.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Revoked tokens stay as rows, so that the owner's list and the account log can say when.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ProgrammeRound(db.Model):
    """A round of the programme (e.g. 2023–2024): what the engine's calendar is built from (expenses.rounds)."""

    __tablename__ = "programme_rounds"

    # The roster's `programme` and the calendar name the round by this key, e.g. "hankinta-suomi-2023-2024".
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name_fi: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(50), default="Europe/Helsinki")
    claim_deadline_months: Mapped[int] = mapped_column(default=2)
    # Bumped by every change of the round or of its sessions: the calendar cache's key, and concurrent
    # edits of one round turn into StaleDataError rather than a lost update.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sessions: Mapped[list["ProgrammeSession"]] = relationship(
        back_populates="round",
        order_by="(ProgrammeSession.day, ProgrammeSession.start_time, ProgrammeSession.id)",
        cascade="all, delete-orphan",
    )
    independent: Mapped[list["IndependentMeetings"]] = relationship(
        back_populates="round", order_by="IndependentMeetings.starts", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - SQLAlchemy's own convention


class ProgrammeSession(db.Model):
    """A session of a round, at the local time of the round's timezone."""

    __tablename__ = "programme_sessions"

    # The key claims keep in `session_id`: its date, or its date and a suffix (rules.programme.SESSION_ID).
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("programme_rounds.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    mode: Mapped[str] = mapped_column(String(20))
    reimbursed: Mapped[bool]
    place: Mapped[str] = mapped_column(String(200))
    title_fi: Mapped[str] = mapped_column(String(200))
    title_sv: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    # Null: the round's rule (claim_deadline_months after the session).
    claim_deadline: Mapped[date | None] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(default=False)

    round: Mapped[ProgrammeRound] = relationship(back_populates="sessions")


class IndependentMeetings(db.Model):
    """A period of a round when mentor–actor pairs meet on their own: named so a claim for it is told why not."""

    __tablename__ = "independent_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("programme_rounds.id", ondelete="CASCADE"), index=True)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    title_fi: Mapped[str] = mapped_column(String(200))
    title_sv: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")

    round: Mapped[ProgrammeRound] = relationship(back_populates="independent")


class ProgrammeChange(db.Model):
    """One change of a round (its sessions, periods or roster): who and when. Rows are only ever added.

    Each carries the hash of the round's change before it, as the claims' audit trail does.
    """

    __tablename__ = "programme_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("programme_rounds.id"), index=True)
    # Null for a round the service imported itself (the shipped round of a new database).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    details: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship()


class AccountEvent(db.Model):
    """One thing done to an account: invited, password set or reset, token made or revoked, 2FA enrolled.

    Rows are only ever added. Claims have their own hash-chained trail (AuditEvent); these are not a
    claim's, so they are kept beside it (expenses.account_log).
    """

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Who did it: an admin, the person themselves, or nobody (a shell command).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    details: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class RosterEntry(db.Model):
    """Who takes part in which programme, and as what (mentor or actor)."""

    __tablename__ = "roster"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    __table_args__ = (Index("ux_roster_programme_user", "programme", "user_id", unique=True),)


class Receipt(db.Model):
    """An uploaded receipt file; the bytes live in the receipt store under their SHA-256."""

    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()


class Claim(db.Model):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # `field`: the name the claim document gives it, for a refusal of text too long (expenses.text).
    session_id: Mapped[str] = mapped_column(String(20), info={"field": "session"})
    status: Mapped[str] = mapped_column(String(20), default="draft")
    body: Mapped[dict] = mapped_column(JSON)
    # The decision (docs/claims.md) in the claim's `language`: the record, which the PDF embeds.
    decision: Mapped[dict] = mapped_column(JSON)
    # Its explanations and findings in every language, {"fi": {"lines": [...], "findings": [...]}, ...},
    # so that each reader sees it in their own (decisions.localised); null for claims saved before.
    # Deferred: only a page showing one claim's decision needs it, never a list.
    decision_texts: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    total: Mapped[Decimal] = mapped_column(Money)
    eligible: Mapped[bool]
    has_warnings: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(5), default="fi")
    version: Mapped[int] = mapped_column(default=1)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    waiting_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hash of the latest audit event: the end of this claim's chain (see expenses/audit.py).
    audit_head: Mapped[str | None] = mapped_column(String(64))
    payment_batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"), index=True)

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    checked_by: Mapped[User | None] = relationship(foreign_keys=[checked_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    document: Mapped["ClaimDocument | None"] = relationship(back_populates="claim")
    payment_batch: Mapped["PaymentBatch | None"] = relationship(back_populates="claims")
    events: Mapped[list["AuditEvent"]] = relationship(
        back_populates="claim", order_by="AuditEvent.id", cascade="save-update, merge"
    )

    # The version column turns a concurrent second update into StaleDataError, never a lost update.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own convention
    __table_args__ = (
        # Each of finance's queues is one status in the order of its step: submitted, checked, approved.
        Index("ix_claims_status_submitted", "status", "submitted_at"),
        Index("ix_claims_status_checked", "status", "checked_at"),
        # Also the auditors' list: approved and paid claims, newest approval first.
        Index("ix_claims_status_approved", "status", "approved_at"),
        Index("ix_claims_mentor", "mentor_id", "created_at"),
        # Finance's recently handled claims: returned, rejected and paid, the latest change first.
        Index("ix_claims_status_updated", "status", "updated_at"),
        # One active claim per mentor and session; rejected claims do not count.
        Index(
            "ux_claims_active_per_session",
            "mentor_id",
            "session_id",
            unique=True,
            sqlite_where=text("status <> 'rejected'"),
            postgresql_where=text("status <> 'rejected'"),
        ),
    )

    @property
    def reference(self) -> str:
        return claim_reference(self.id, self.session_id)


class ClaimDocument(db.Model):
    """The archived PDF summary made at approval; its bytes live in the document store by SHA-256."""

    __tablename__ = "claim_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    signed: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim: Mapped["Claim"] = relationship(back_populates="document")


class PaymentBatch(db.Model):
    """A SEPA credit-transfer file (pain.001) made for a selection of approved claims."""

    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    count: Mapped[int]
    total: Mapped[Decimal] = mapped_column(Money)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    paid_reference: Mapped[str | None] = mapped_column(String(100))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claims: Mapped[list["Claim"]] = relationship(back_populates="payment_batch", order_by="Claim.id")


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AuditEvent(db.Model):
    """One thing that happened to a claim. Rows are only ever added."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    claim: Mapped[Claim] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()
