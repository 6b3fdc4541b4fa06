"""The programme's finances in figures: a round's reimbursements by session and by kind, its claims by
status and the average per mentor, for finance and auditors (pages, chart and CSV).

Aggregated in the database, a handful of queries whatever the number of claims: the amounts by kind
are the decision's lines (`Claim.decision["lines"]`, as `expenses.ledger` reads them one claim at a
time), unnested in SQL with the JSON table function of each database.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import JSON, Numeric, cast, column, distinct, func, select, true
from sqlalchemy.sql import Select

from expenses.extensions import db
from expenses.ledger import KIND_GROUPS
from expenses.models import Claim
from expenses.rounds import current_calendar
from rules.programme import Session

ZERO = Decimal("0.00")
#: What the totals count: money the state has committed to (approved) or paid.
COMMITTED = ("approved", "paid")
#: The statuses the summary counts claims in: every claim a mentor has sent, in the workflow's order.
SENT = ("submitted", "checked", "returned", "approved", "paid", "rejected")
_GROUP_OF = {kind: group for group, kinds in KIND_GROUPS.items() for kind in kinds}


@dataclass(frozen=True)
class Round:
    """A round of the programme and its sessions that are reimbursed, in date order."""

    id: str
    name: dict[str, str]
    sessions: tuple[Session, ...]

    def name_in(self, lang: str) -> str:
        return self.name.get(lang) or self.name.get("fi") or self.id


def rounds() -> list[Round]:
    """The programme's rounds, the latest first (from the calendar files: one programme, one round)."""
    by_programme: dict[str, list[Session]] = {}
    for session in sorted(current_calendar().reimbursable(), key=lambda s: s.date):
        by_programme.setdefault(session.programme, []).append(session)
    found = [Round(pid, sessions[0].programme_name, tuple(sessions)) for pid, sessions in by_programme.items()]
    return sorted(found, key=lambda r: r.sessions[-1].date, reverse=True)


def round_named(round_id: str | None) -> Round | None:
    """The round of that id; the latest for none; None for an unknown id."""
    found = rounds()
    if not round_id:
        return found[0] if found else None
    return next((r for r in found if r.id == round_id), None)


@dataclass
class SessionTotals:
    session: Session
    claims: int = 0  # approved or paid
    mentors: int = 0
    total: Decimal = ZERO
    kinds: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(KIND_GROUPS, ZERO))

    @property
    def average(self) -> Decimal | None:
        return _average(self.total, self.mentors)


@dataclass(frozen=True)
class StatusTotals:
    status: str
    claims: int
    total: Decimal


@dataclass(frozen=True)
class Summary:
    round: Round
    sessions: list[SessionTotals]
    kinds: dict[str, Decimal]  # the round's reimbursements by kind
    statuses: list[StatusTotals]
    claims: int  # approved or paid
    mentors: int  # who have an approved or paid claim in the round
    total: Decimal

    @property
    def average(self) -> Decimal | None:
        """The round's reimbursements per mentor reimbursed; None before anyone is."""
        return _average(self.total, self.mentors)


def _average(total: Decimal, mentors: int) -> Decimal | None:
    return (total / mentors).quantize(Decimal("0.01")) if mentors else None


def _money(value) -> Decimal:
    # SQLite sums NUMERIC as a float; the cents are exact after rounding to them.
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


def _lines_by_kind(session_ids: Sequence[str]) -> Select:
    """The reimbursed amount of each line kind, per session, of the round's committed eligible claims."""
    if db.session.get_bind().dialect.name == "postgresql":
        lines = func.json_array_elements(Claim.decision["lines"])
    else:
        lines = func.json_each(Claim.decision, "$.lines")
    line = lines.table_valued(column("value", JSON)).alias("line")
    amount = func.sum(cast(line.c.value["amount"].as_string(), Numeric(12, 2)))
    kind = line.c.value["kind"].as_string()
    return (
        select(Claim.session_id, kind, amount)
        .select_from(Claim)
        .join(line, true())
        .where(Claim.session_id.in_(session_ids), Claim.status.in_(COMMITTED), Claim.eligible.is_(True))
        .group_by(Claim.session_id, kind)
    )


def summarise(chosen: Round, statuses: Sequence[str] = SENT) -> Summary:
    """The round's figures in four queries; `statuses` are those the reader may count claims in."""
    ids = [s.id for s in chosen.sessions]
    per_session = {s.id: SessionTotals(s) for s in chosen.sessions}
    connection = db.session.connection()
    committed = (Claim.session_id.in_(ids), Claim.status.in_(COMMITTED))

    for session_id, claims, mentors, total in connection.execute(
        select(Claim.session_id, func.count(), func.count(distinct(Claim.mentor_id)), func.sum(Claim.total))
        .where(*committed)
        .group_by(Claim.session_id)
    ):
        row = per_session[session_id]
        row.claims, row.mentors, row.total = claims, mentors, _money(total)

    kinds = dict.fromkeys(KIND_GROUPS, ZERO)
    for session_id, kind, amount in connection.execute(_lines_by_kind(ids)):
        group = _GROUP_OF.get(kind)
        if group:
            per_session[session_id].kinds[group] += _money(amount)
            kinds[group] += _money(amount)

    mentors = connection.execute(select(func.count(distinct(Claim.mentor_id))).where(*committed)).scalar_one()

    counted = dict.fromkeys(statuses, (0, ZERO))
    for status, claims, total in connection.execute(
        select(Claim.status, func.count(), func.sum(Claim.total))
        .where(Claim.session_id.in_(ids), Claim.status.in_(statuses))
        .group_by(Claim.status)
    ):
        counted[status] = (claims, _money(total))

    sessions = list(per_session.values())
    return Summary(
        round=chosen,
        sessions=sessions,
        kinds=kinds,
        statuses=[StatusTotals(status, claims, total) for status, (claims, total) in counted.items()],
        claims=sum(s.claims for s in sessions),
        mentors=mentors,
        total=sum((s.total for s in sessions), ZERO),
    )
