"""Auditors' exports: the selected claims as one ZIP, streamed.

Per claim a folder named by its reference with the PDF summary and the receipts; then the ledger
twice (the office's `ledger.csv` and the integrations' `ledger-data.csv`, expenses/ledger.py) and
`manifest.sha256`, every file's SHA-256 in the format `sha256sum -c manifest.sha256` checks.

Memory holds one file at a time, one batch of rows and the texts of the ledgers and the manifest
(a few hundred bytes a claim, the same order as the ZIP's own central directory, which every ZIP
writer keeps until the end), so a thousand claims or a whole programme year stream out at the
speed of the disk.
"""

import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from stat import S_IFREG

from pathvalidate import sanitize_filename
from sqlalchemy import Select, select

from expenses import ledger
from expenses.extensions import db
from expenses.models import Receipt, utcnow
from expenses.storage import ContentStore, document_store, receipt_store
from rules.programme import HELSINKI

#: ZipInfo.external_attr of every member: a regular file, rw-r--r--.
MEMBER_ATTR = (S_IFREG | 0o644) << 16
MANIFEST = "manifest.sha256"
#: Longest receipt name kept (characters): with the folder it stays far below every system's limits.
NAME_LENGTH = 100
_receipts = Receipt.__table__
_RECEIPTS = select(_receipts.c.id, _receipts.c.owner_id, _receipts.c.sha256, _receipts.c.filename)


def safe_name(number: int, filename: str) -> str:
    """A receipt's name as uploaded, fit for every file system: numbered (two receipts may share a
    name), composed Unicode (macOS would otherwise show Ä as two letters elsewhere), and without the
    characters and names Windows forbids (`:`, `?`, `CON`, a trailing dot, ...)."""
    return f"{number:02d}-{_safe(filename)}"


@lru_cache(maxsize=4096)
def _safe(filename: str) -> str:
    # Kept per name: receipts' names repeat (ticket.pdf, kuitti.jpg), and the check costs more than writing the file.
    name = sanitize_filename(unicodedata.normalize("NFC", filename), platform="universal").rstrip(". ")
    if len(name) > NAME_LENGTH:
        _stem, dot, suffix = name.rpartition(".")
        keep = f"{dot}{suffix}" if dot and len(suffix) <= 5 else ""  # the type's suffix, which opens the file
        name = name[: NAME_LENGTH - len(keep)].rstrip(". ") + keep
    return name or "receipt"


def _receipts_of(entries: list[ledger.Entry]) -> dict[int, list]:
    """The receipts of these claims, each claim's in the order its expenses cite them: one query a batch.

    Only the mentor's own uploads, as everywhere (claim_pages.receipts_of): the workflow accepted no other ids.
    """
    wanted = {rid for e in entries for rid in e.receipt_ids}
    if not wanted:
        return {}
    rows = db.session.connection().execute(_RECEIPTS.where(_receipts.c.id.in_(wanted)))
    found = {row.id: row for row in rows}
    return {
        e.claim_id: [found[rid] for rid in e.receipt_ids if rid in found and found[rid].owner_id == e.mentor_id]
        for e in entries
    }


class _Spool(io.BytesIO):
    """Where zipfile writes the ZIP; the export takes the bytes out after each member.

    Positions count from the start of the whole ZIP, so zipfile takes it for a seekable file and
    goes back to put each member's size and checksum into its local header, as readers that unpack
    while downloading need for stored members (with data descriptors they cannot tell where a stored
    member ends). zipfile never goes back further than the member it is writing, which is still here.
    """

    def __init__(self) -> None:
        super().__init__()
        self._taken = 0

    def tell(self) -> int:
        return self._taken + super().tell()

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position -= self._taken
        return self._taken + super().seek(position, whence)

    def take(self) -> bytes:
        data = self.getvalue()
        self._taken += len(data)
        super().seek(0)
        self.truncate()
        return data


def _read(store: ContentStore, sha256: str) -> bytes | None:
    """A stored file's bytes; None once the retention period has removed it (the ledger keeps its hash)."""
    try:
        return store.read(sha256)
    except FileNotFoundError:
        return None


def _member(name: str, stamp: tuple[int, ...], compress_type: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, stamp)
    info.external_attr = MEMBER_ATTR
    info.compress_type = compress_type
    return info


def zip_of(query: Select, locale: str = "fi", created: datetime | None = None) -> Iterator[bytes]:
    """The ZIP of the claims `query` selects (its filters and order) as a stream of bytes; the office's
    ledger in `locale`. Close the stream (the WSGI server does) if it is not read to the end: that
    closes the query too."""
    # ZIP times are local times without a zone: the auditors' own, Helsinki.
    stamp = (created or utcnow()).astimezone(HELSINKI).timetuple()[:6]
    office, data = ledger.office_writer(locale), ledger.data_writer()
    manifest = io.StringIO()
    spool = _Spool()
    documents, receipts = document_store(), receipt_store()
    rows = db.session.execute(ledger.query(query))

    def add(name: str, content: bytes, sha256: str) -> None:
        # Stored, not deflated: PDFs' streams and JPEGs are compressed already, so deflating them again
        # costs most of the export's time for a percent or two.
        archive.writestr(_member(name, stamp), content)
        manifest.write(f"{sha256}  {name}\n")

    def add_text(name: str, text: str) -> None:
        content = text.encode()
        # The fastest level: a ledger still shrinks to a third (against 30 % at the default level), in half the time.
        archive.writestr(_member(name, stamp, zipfile.ZIP_DEFLATED), content, compresslevel=1)
        manifest.write(f"{hashlib.sha256(content).hexdigest()}  {name}\n")

    try:
        # ZIP64 records are added where sizes, offsets or the number of members need them (allowZip64).
        with zipfile.ZipFile(spool, "w") as archive:
            for batch in rows.partitions():
                entries = [ledger.entry(row) for row in batch]
                receipts_of = _receipts_of(entries)
                for entry in entries:
                    office.write(entry.values)
                    data.write(entry.values)
                    folder = entry.reference
                    # The store names each file by its SHA-256, so the manifest takes the hash from the
                    # database: a file changed on disk then fails `sha256sum -c`, as it should.
                    if entry.pdf_sha256 and (content := _read(documents, entry.pdf_sha256)) is not None:
                        add(f"{folder}/{folder}.pdf", content, entry.pdf_sha256)
                    for number, receipt in enumerate(receipts_of.get(entry.claim_id, ()), start=1):
                        if (content := _read(receipts, receipt.sha256)) is not None:
                            add(f"{folder}/{safe_name(number, receipt.filename)}", content, receipt.sha256)
                    yield spool.take()
            add_text("ledger.csv", office.take())
            add_text("ledger-data.csv", data.take())
            archive.writestr(_member(MANIFEST, stamp, zipfile.ZIP_DEFLATED), manifest.getvalue(), compresslevel=1)
        yield spool.take()  # the ledgers, the manifest and the central directory
    finally:
        # yield_per keeps a server-side cursor open on PostgreSQL; a download stopped halfway (the
        # browser went away) closes this generator, and the cursor must not outlive it.
        rows.close()
