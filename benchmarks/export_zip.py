"""The auditors' export: streaming the ZIP of 1,000 approved claims, each with its PDF and receipt,
with the two ledgers and the manifest.

Baseline: reading the same files (the PDFs and the receipts) from disk in 64 KiB chunks. Memory:
the peak of Python's allocations (tracemalloc) while the ZIP streams, in a separate pass so that
tracing does not slow the timed one. The generator's approval documents and its receipt are tiny
placeholders (rendering 1,000 real summaries takes minutes), so before measuring each selected
claim's stored PDF, and the receipt they share, are replaced by a real rendered summary, which
makes the sizes (and the work per byte) those of production.
"""

import io
import time
import tracemalloc
import zipfile

from sqlalchemy import select

from benchmarks.common import median, result

TARGET_MB = 50
CHUNK = 64 * 1024


def _claims_query(count: int):
    from expenses.models import Claim

    return select(Claim).where(Claim.status.in_(("approved", "paid"))).order_by(Claim.id).limit(count)


def _real_documents(paths: list, claim) -> int:
    """Overwrite the placeholder files with one real summary's bytes; return its size."""
    from expenses import documents, pdf

    context = documents.summary_context(claim, claim.approved_by, claim.approved_at, "0" * 32)
    data = pdf.render(context, claim.language, claim.approved_at)
    for path in paths:
        path.write_bytes(data)
    return len(data)


def _read_files(paths: list) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                total += len(chunk)
    return total


def _stream(count: int) -> int:
    from expenses import exports

    return sum(len(chunk) for chunk in exports.zip_of(_claims_query(count)))


def export_zip(population, quick: bool = False, count: int = 1000, runs: int = 3) -> dict:
    from expenses import exports
    from expenses.extensions import db
    from expenses.storage import document_store, receipt_store
    from expenses.web.claim_pages import receipts_of

    count, runs = (20, 1) if quick else (count, runs)
    app = population.app()
    with app.test_request_context():
        claims = db.session.scalars(_claims_query(count)).all()
        if len(claims) < count:
            raise RuntimeError(f"only {len(claims)} approved claims")
        # The files themselves: the placeholders are overwritten, and the baseline reads them directly.
        paths = [document_store().path(c.document.sha256) for c in claims]
        receipts = [receipt_store().path(r.sha256) for c in claims for r, _numbers in receipts_of(c)]
        pdf_size = _real_documents(paths + receipts[:1], claims[0])
        paths += receipts
        db.session.remove()

        # The ZIP is a valid archive of every PDF and receipt, plus the two ledgers and the manifest.
        archive = zipfile.ZipFile(io.BytesIO(b"".join(exports.zip_of(_claims_query(count)))))
        if len(archive.namelist()) != len(paths) + 3 or archive.testzip() is not None:
            raise RuntimeError("the export is not a complete ZIP")
        db.session.remove()

        reads, streams = [], []
        for _ in range(runs):
            started = time.perf_counter()
            size = _read_files(paths)
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            zipped = _stream(count)
            streams.append(time.perf_counter() - started)
            db.session.remove()

        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        _stream(count)
        peak = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()
        db.session.remove()
    value, baseline = median(streams), median(reads)
    growth_mb = peak / 1e6
    ratio = value / baseline
    return result(
        "export_zip",
        round(value, 4),
        "s",
        round(baseline, 4),
        round(ratio, 2),
        f"≤ 3× reading the files; memory growth ≤ {TARGET_MB} MB",
        ratio <= 3 and growth_mb <= TARGET_MB,
        memory_mb=round(growth_mb, 1),
        _note=(
            f"{count} claims, {len(paths) - count} receipts, files of {pdf_size / 1000:.0f} kB ({size / 1e6:.1f} MB), "
            f"ZIP {zipped / 1e6:.1f} MB; "
            f"peak Python memory +{growth_mb:.1f} MB"
        ),
    )
