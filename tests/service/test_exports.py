"""The auditors' ZIP export: exactly the selected claims' PDFs and a ledger whose totals add up."""

import csv
import io
import zipfile
from decimal import Decimal

from sqlalchemy import select, text

from expenses import documents, exports
from expenses.extensions import db
from expenses.models import Claim
from tests.factories import car_body, make_claim, make_user


def _zip(query) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(exports.zip_of(query))))


def test_zip_has_exactly_the_selected_claims_and_a_ledger_that_adds_up(app):
    approver = make_user("finance")
    chosen = [make_claim(status="approved", approver=approver), make_claim(status="paid", approver=approver)]
    make_claim(status="approved")  # not selected
    make_claim(status="submitted")
    archive = _zip(select(Claim).where(Claim.id.in_([c.id for c in chosen])).order_by(Claim.id))
    assert sorted(archive.namelist()) == sorted([f"{c.reference}.pdf" for c in chosen] + ["ledger.csv"])
    for claim in chosen:
        assert archive.read(f"{claim.reference}.pdf") == documents.read(claim.document)
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode("utf-8-sig"))))
    assert [row["reference"] for row in ledger] == [c.reference for c in chosen]
    assert sum(Decimal(row["total"]) for row in ledger) == sum(c.total for c in chosen)
    assert {row["pdf_sha256"] for row in ledger} == {c.document.sha256 for c in chosen}
    assert ledger[1]["payment_reference"] == "RF18 1234"


def test_ledger_keeps_names_as_typed(app):
    mentor = make_user("mentor", name='Åsa O\'Brien-Ääninen, "Ässä"')
    claim = make_claim(mentor, "approved", body=car_body())
    archive = _zip(select(Claim).where(Claim.id == claim.id))
    [row] = csv.DictReader(io.StringIO(archive.read("ledger.csv").decode("utf-8-sig")))
    assert row["mentor"] == 'Åsa O\'Brien-Ääninen, "Ässä"'


def test_export_is_streamed_in_chunks(app):
    claims = [make_claim(status="approved") for _ in range(2)]
    stream = exports.zip_of(select(Claim).where(Claim.id.in_([c.id for c in claims])))
    first = next(iter(stream))
    assert first.startswith(b"PK")  # bytes flow before the whole archive exists


def _open_cursors(app) -> int | None:
    """Server-side cursors open in this session's connection (PostgreSQL only; SQLite has none)."""
    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.scalar(text("SELECT count(*) FROM pg_cursors"))


def test_a_download_stopped_halfway_closes_its_query(app):
    claims = [make_claim(status="approved") for _ in range(2)]
    stream = exports.zip_of(select(Claim).where(Claim.id.in_([c.id for c in claims])))
    next(stream)
    assert _open_cursors(app) in (None, 1)  # the batched query is still being read
    stream.close()  # what the WSGI server does when the browser goes away
    assert _open_cursors(app) in (None, 0)


def test_members_carry_sizes_in_their_local_headers(app):
    """No data descriptors: tools that unpack while downloading cannot tell where a stored member ends without."""
    claims = [make_claim(status="approved") for _ in range(2)]
    archive = _zip(select(Claim).where(Claim.id.in_([c.id for c in claims])))
    for info in archive.infolist():
        assert not info.flag_bits & 0x08, info.filename
        assert info.compress_type == (zipfile.ZIP_DEFLATED if info.filename == "ledger.csv" else zipfile.ZIP_STORED)


def test_a_large_export_gets_zip64_records(app, monkeypatch):
    """Past 4 GiB offsets need ZIP64; a lowered limit makes a small export take those code paths."""
    claims = [make_claim(status="approved") for _ in range(2)]
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    data = b"".join(exports.zip_of(select(Claim).where(Claim.id.in_([c.id for c in claims])).order_by(Claim.id)))
    assert zipfile.stringEndArchive64 in data  # the ZIP64 end of central directory record
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert [archive.read(f"{c.reference}.pdf") for c in claims] == [documents.read(c.document) for c in claims]
