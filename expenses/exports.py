"""Auditors' exports: approved and paid claims as one ZIP of their PDFs with a CSV ledger, streamed.

Nothing is held in memory beyond one PDF, one batch of claims and the ledger's rows, so a thousand
claims (or a whole programme year) stream out at the speed of the disk.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import chain
from stat import S_IFREG

from sqlalchemy import Select
from sqlalchemy.orm import defer, joinedload

from expenses import documents
from expenses.extensions import db
from expenses.models import Claim, utcnow

LEDGER_COLUMNS = (
    "reference",
    "mentor",
    "session",
    "status",
    "approved_at",
    "approved_by",
    "paid_at",
    "payment_reference",
    "total",
    "pdf_sha256",
)
BATCH = 100
CHUNK = 64 * 1024


#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """Text as typed, except that a leading formula character is quoted so that no spreadsheet evaluates it."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def ledger_row(claim: Claim) -> tuple[str, ...]:
    return (
        claim.reference,
        text_cell(claim.mentor.name),
        claim.session_id,
        claim.status,
        claim.approved_at.isoformat() if claim.approved_at else "",
        text_cell(claim.approved_by.name) if claim.approved_by else "",
        claim.paid_at.isoformat() if claim.paid_at else "",
        text_cell(claim.payment_reference or ""),
        str(claim.total),
        claim.document.sha256 if claim.document else "",
    )


def _claims(query: Select) -> Iterator[Claim]:
    """The selected claims in batches, with what the ledger shows loaded alongside (no N+1)."""
    # Joined, as the auditor's list query (web/audit.py) already joins the people: one strategy for both.
    query = query.options(
        joinedload(Claim.mentor),
        joinedload(Claim.approved_by),
        joinedload(Claim.document),
        # The ledger needs neither the body nor the decision, the two JSON columns that cost most to read.
        defer(Claim.body),
        defer(Claim.decision),
    ).execution_options(yield_per=BATCH)
    result = db.session.scalars(query)
    try:
        yield from result
    finally:
        # yield_per keeps a server-side cursor open on PostgreSQL; a download stopped halfway (the
        # browser went away) closes this generator, and the cursor must not outlive it.
        result.close()


def _csv_lines(rows: Iterable[Sequence[str]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A BOM so that spreadsheet programs open the UTF-8 names (Ääninen) correctly.
    yield "\ufeff".encode()
    for row in chain([LEDGER_COLUMNS], rows):
        writer.writerow(row)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def _pdf_chunks(sha256: str) -> Iterator[bytes]:
    with documents.path_for(sha256).open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def zip_of(query: Select, created: datetime | None = None) -> Iterator[bytes]:
    """The ZIP as a stream of bytes: one PDF per claim, then `ledger.csv` of the same claims.

    Close the stream (the WSGI server does) if it is not read to the end: that closes the query too.
    """
    # Imported here: stream_zip brings a cryptography library that would add half a second to every start.
    from stream_zip import NO_COMPRESSION_64, ZIP_64, stream_zip

    created = created or utcnow()
    rows: list[tuple[str, ...]] = []
    mode = S_IFREG | 0o644

    def members() -> Iterator[tuple]:
        for claim in _claims(query):
            rows.append(ledger_row(claim))
            # After its retention period a PDF is gone; the ledger still carries its hash.
            if claim.document is not None and documents.stored(claim.document):
                # Stored, not deflated: a PDF's streams are compressed already, so deflating it again
                # costs most of the export's time for a percent or two. (Stored members are buffered
                # one at a time to compute their checksum first: one summary, tens of kilobytes.)
                yield f"{claim.reference}.pdf", created, mode, NO_COMPRESSION_64, _pdf_chunks(claim.document.sha256)
        yield "ledger.csv", created, mode, ZIP_64, _csv_lines(rows)

    files = members()
    try:
        yield from stream_zip(files)
    finally:
        files.close()  # at once, not whenever the garbage collector gets to it
