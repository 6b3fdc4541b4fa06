"""The auditors' ZIP export: exactly the selected claims' PDFs and receipts, the ledgers and a manifest."""

import csv
import hashlib
import io
import unicodedata
import zipfile
from decimal import Decimal

from sqlalchemy import select, text

from expenses import documents, exports, ledger
from expenses.extensions import db
from expenses.models import Claim, Receipt
from expenses.storage import receipt_store
from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    car_body,
    make_claim,
    make_receipt,
    make_user,
    one_page_pdf,
    train_body,
)


def _zip(query) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(exports.zip_of(query))))


def test_zip_has_exactly_the_selected_claims_and_a_ledger_that_adds_up(app):
    approver = make_user("finance")
    chosen = [make_claim(status="approved", approver=approver), make_claim(status="paid", approver=approver)]
    make_claim(status="approved")  # not selected
    make_claim(status="submitted")
    archive = _zip(select(Claim).where(Claim.id.in_([c.id for c in chosen])).order_by(Claim.id))
    pdfs = [f"{c.reference}/{c.reference}.pdf" for c in chosen]
    assert sorted(archive.namelist()) == sorted([*pdfs, "ledger.csv", "ledger-data.csv", "manifest.sha256"])
    for claim, name in zip(chosen, pdfs, strict=True):
        assert archive.read(name) == documents.read(claim.document)
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger-data.csv").decode("utf-8-sig"))))
    assert [row["reference"] for row in ledger] == [c.reference for c in chosen]
    assert sum(Decimal(row["total"]) for row in ledger) == sum(c.total for c in chosen)
    assert {row["pdf_sha256"] for row in ledger} == {c.document.sha256 for c in chosen}
    assert ledger[1]["payment_reference"] == "RF18 1234"


def test_ledger_keeps_names_as_typed(app):
    mentor = make_user("mentor", name='Åsa O\'Brien-Ääninen, "Ässä"')
    claim = make_claim(mentor, "approved", body=car_body())
    archive = _zip(select(Claim).where(Claim.id == claim.id))
    [row] = csv.DictReader(io.StringIO(archive.read("ledger-data.csv").decode("utf-8-sig")))
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


def test_a_download_stopped_halfway_closes_its_query(app, monkeypatch):
    monkeypatch.setattr(ledger, "BATCH", 1)  # so that the first batch leaves rows to read
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
        texts = ("ledger.csv", "ledger-data.csv", "manifest.sha256")
        assert info.compress_type == (zipfile.ZIP_DEFLATED if info.filename in texts else zipfile.ZIP_STORED)


def test_a_large_export_gets_zip64_records(app, monkeypatch):
    """Past 4 GiB offsets need ZIP64; a lowered limit makes a small export take those code paths."""
    claims = [make_claim(status="approved") for _ in range(2)]
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    data = b"".join(exports.zip_of(select(Claim).where(Claim.id.in_([c.id for c in claims])).order_by(Claim.id)))
    assert zipfile.stringEndArchive64 in data  # the ZIP64 end of central directory record
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    pdfs = [archive.read(f"{c.reference}/{c.reference}.pdf") for c in claims]
    assert pdfs == [documents.read(c.document) for c in claims]


def _with_receipts(names: list[str], data: list[bytes]) -> Claim:
    """A paid claim whose expenses cite receipts of these names (the first is the train ticket)."""
    mentor = make_user("mentor")
    receipts = [make_receipt(mentor, content, name) for name, content in zip(names, data, strict=True)]
    body = train_body(receipts[0].id)
    for receipt in receipts[1:]:
        body["expenses"].append(
            {"type": "other", "date": "2023-09-22", "description": "Parking", "amount": "5.00", "receipt": receipt.id}
        )
    return make_claim(mentor, "paid", body=body)


def test_every_receipt_is_in_the_claims_folder_and_matches_its_stored_hash(app):
    claim = _with_receipts(["Juna Oulu–Helsinki.pdf", "pysäköinti.png"], [PDF_BYTES, PNG_BYTES])
    other = make_claim(status="approved", body=car_body())  # no receipts at all
    archive = _zip(select(Claim).where(Claim.id.in_([claim.id, other.id])).order_by(Claim.id))
    folder = claim.reference
    receipts = db.session.scalars(select(Receipt).where(Receipt.owner_id == claim.mentor_id)).all()
    expected = {f"{folder}/01-Juna Oulu–Helsinki.pdf", f"{folder}/02-pysäköinti.png"}
    assert expected <= set(archive.namelist())
    by_name = {f"{folder}/01-Juna Oulu–Helsinki.pdf": receipts[0], f"{folder}/02-pysäköinti.png": receipts[1]}
    for name, receipt in by_name.items():
        content = archive.read(name)
        assert hashlib.sha256(content).hexdigest() == receipt.sha256
        assert content == receipt_store().read(receipt.sha256)
    others = [n for n in archive.namelist() if n.startswith(other.reference)]
    assert others == [f"{other.reference}/{other.reference}.pdf"]


def test_the_manifest_holds_every_files_sha256(app):
    claim = _with_receipts(["ticket.pdf"], [PDF_BYTES])
    archive = _zip(select(Claim).where(Claim.id == claim.id))
    lines = archive.read("manifest.sha256").decode().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)  # the format of `sha256sum -c`
    assert set(listed) == set(archive.namelist()) - {"manifest.sha256"}
    for name, digest in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name


def test_receipt_names_are_safe_on_every_file_system(app):
    decomposed = unicodedata.normalize("NFD", "Ääninen.pdf")
    names = ["CON", "a:b?*.pdf", "raportti. ", decomposed, "..", "x" * 300 + ".pdf"]
    claim = _with_receipts(names, [one_page_pdf(width=595 + n) for n in range(len(names))])  # distinct files
    archive = _zip(select(Claim).where(Claim.id == claim.id))
    folder = f"{claim.reference}/"
    pdf = f"{folder}{claim.reference}.pdf"
    saved = sorted(n.removeprefix(folder) for n in archive.namelist() if n.startswith(folder) and n != pdf)
    assert len(saved) == len(names)
    for name in saved:
        stem = name[3:]
        assert not set(stem) & set('<>:"/\\|?*'), name
        assert not stem.endswith((".", " ")), name
        assert stem.split(".")[0].upper() not in ("CON", "PRN", "AUX", "NUL"), name
        assert len(name) <= 110 and unicodedata.is_normalized("NFC", name), name
    assert "04-Ääninen.pdf" in saved and "05-receipt" in saved
    assert saved[-1].endswith("x.pdf")  # a long name keeps its type


def test_the_office_ledger_in_the_zip_is_in_the_readers_language(app):
    claim = make_claim(status="paid")
    data = b"".join(exports.zip_of(select(Claim).where(Claim.id == claim.id), "fi"))
    office = zipfile.ZipFile(io.BytesIO(data)).read("ledger.csv").decode("utf-8-sig")
    [header, row] = list(csv.reader(io.StringIO(office), delimiter=";"))
    assert header[0] == "Tunnus" and row[header.index("Tila")] == "Maksettu"
    assert Decimal(row[header.index("Korvattu (€)")].replace(",", ".")) == claim.total
