"""Finance's work queues: which claims wait for which step, one page of rows at a time.

The queue page is the one finance reloads all day, so its rows are read as plain columns (no
claim objects, no claim body, only the stored findings and their sentences in the reader's
language) and formatted once per list.
"""

from dataclasses import dataclass
from typing import NamedTuple

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from expenses.extensions import db
from expenses.formatting import formats, language
from expenses.models import Claim, User, claim_reference
from expenses.queue_decisions import is_clean
from expenses.web.claim_pages import Page, paginate, session_label
from expenses.web.search import SearchForm
from rules.i18n import LANGUAGES

PAGE_SIZE = 50
_claims = Claim.__table__


@dataclass(frozen=True)
class Queue:
    """A step of the workflow that waits for finance; `id` names its tab, table and `?queue=` value."""

    id: str
    status: str
    title: str
    intro: str
    order: tuple[ColumnElement, ...]
    extra: str | None = None  # the one column this queue shows besides the common ones
    action: str | None = None  # what a clean claim of this queue can be decided with from its row


QUEUES = (
    Queue(
        "to-check",
        "submitted",
        _l("To check"),
        _l("Submitted by mentors: check each against its receipts, or return or reject it with a reason."),
        (_claims.c.submitted_at, _claims.c.id),
        action="check",
    ),
    Queue(
        "to-approve",
        "checked",
        _l("To approve"),
        _l("Checked by one officer; another officer approves them."),
        (_claims.c.checked_at, _claims.c.id),
        "checked_by",
        "approve",
    ),
    Queue(
        "to-pay",
        "approved",
        _l("Approved, to pay"),
        _l("Approved claims waiting for payment: put them in a payment file for the bank under Payments."),
        (_claims.c.approved_at, _claims.c.id),
        "approved_at",
    ),
)


class QueueRow(NamedTuple):
    """One claim of a queue, formatted for the reader (a tuple: fifty are built for every page view)."""

    id: int
    link: str
    reference: str
    mentor: str
    session: str
    submitted_at: str
    checked_by: str
    checked_by_me: bool
    approved_at: str
    total: str
    version: int
    clean: bool  # decidable from the queue: no error and no warning still to accept (queue_decisions)
    errors: tuple[tuple[str, str], ...]  # (code, sentence) of the stored decision's findings, by severity
    warnings: tuple[tuple[str, str], ...]


def queue_named(queue_id: str | None) -> Queue:
    """The queue a `?queue=` value names; the first (to check) for none or an unknown one."""
    return next((q for q in QUEUES if q.id == queue_id), QUEUES[0])


_mentor, _checker = User.__table__.alias("mentor"), User.__table__.alias("checker")

# The page finance reloads all day: statements built once, run as Core queries on the session's
# connection (plain rows; no ORM objects or per-row ORM processing), README "Performance".
_COUNTS = (
    select(_claims.c.status, func.count())
    .where(_claims.c.status.in_([q.status for q in QUEUES]))
    .group_by(_claims.c.status)
)


def counts() -> dict[str, int]:
    """How many claims wait in each queue, by status, in one query."""
    return {status: count for status, count in db.session.connection().execute(_COUNTS)}


_ROWS = (
    select(
        _claims.c.id,
        _claims.c.session_id,
        _claims.c.submitted_at,
        _claims.c.approved_at,
        _claims.c.total,
        _claims.c.checked_by_id,
        _claims.c.status,
        _claims.c.version,
        _claims.c.decision["findings"].label("findings"),
        _mentor.c.name.label("mentor"),
        _checker.c.name.label("checker"),
    )
    .join(_mentor, _mentor.c.id == _claims.c.mentor_id)
    .outerjoin(_checker, _checker.c.id == _claims.c.checked_by_id)
)
# One statement per queue and language: each reader gets the findings' sentences in their own language.
_QUEUE_ROWS = {
    (q.status, lang): _ROWS.add_columns(_claims.c.decision_texts[lang]["findings"].label("texts"))
    .where(_claims.c.status == q.status)
    .order_by(*q.order)
    for q in QUEUES
    for lang in LANGUAGES
}


def _said(findings: list[dict] | None, texts: list[str] | None, severity: str) -> tuple[tuple[str, str], ...]:
    """(code, sentence) of the findings of a severity; claims stored before the texts keep their own message."""
    findings = findings or []
    sentences = texts if texts and len(texts) == len(findings) else [f.get("message", "") for f in findings]
    return tuple(
        (f["code"], text) for f, text in zip(findings, sentences, strict=True) if f.get("severity") == severity
    )


def _rows(page_query: Select) -> list[QueueRow]:
    result = db.session.connection().execute(page_query)
    shown, lang, me = formats(), language(), current_user.id
    # One url_for for the whole list: building fifty URLs costs more than the rest of the rows.
    link = url_for("review.show", claim_id=0).removesuffix("0")
    return [
        QueueRow(
            id=row.id,
            link=f"{link}{row.id}",
            reference=claim_reference(row.id, row.session_id),
            mentor=row.mentor,
            session=session_label(row.session_id, lang),
            submitted_at=shown.when(row.submitted_at),
            checked_by=row.checker or "",
            checked_by_me=row.checked_by_id == me,
            approved_at=shown.when(row.approved_at),
            total=shown.money(row.total),
            version=row.version,
            clean=is_clean(row.status, row.findings),
            errors=_said(row.findings, row.texts, "error"),
            warnings=_said(row.findings, row.texts, "warning"),
        )
        for row in result
    ]


def queue_page(queue: Queue, waiting: dict[str, int], search: SearchForm | None = None) -> Page:
    """The requested page (`?page=`) of a queue, oldest first; `waiting` is what `counts` returned.

    A search (a valid `SearchForm` that narrows) counts its own rows: one query more than the queue."""
    query = _QUEUE_ROWS[queue.status, language()]
    if search is None or not search.searching:
        return paginate(query, "page", PAGE_SIZE, total=waiting.get(queue.status, 0), rows=_rows)
    return paginate(search.narrowed(query, _mentor.c.name, _mentor.c.email), "page", PAGE_SIZE, rows=_rows)
