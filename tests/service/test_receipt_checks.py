"""Receipt contents: what runs, unpacks without bound or doubles as a web page is refused before it is kept."""

import io
import time

import pytest
from flask_babel import force_locale

from expenses import receipts
from expenses.extensions import db
from expenses.models import Receipt
from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    attachment_pdf,
    flate_bomb_pdf,
    html_polyglot,
    javascript_pdf,
    launch_pdf,
    make_user,
    one_page_pdf,
    pdf_with,
    png_header,
)

RUNS = "The PDF contains JavaScript, actions that start programs, or files attached inside it"


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def _store(data: bytes, name: str = "receipt.pdf") -> Receipt:
    return receipts.store(io.BytesIO(data), name, make_user("mentor"))


def _stored_files(app) -> list:
    from pathlib import Path

    return [p for p in Path(app.config["RECEIPTS_DIR"]).rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (javascript_pdf, RUNS),
        (launch_pdf, RUNS),
        (attachment_pdf, RUNS),
        (flate_bomb_pdf, "The PDF unpacks to far more data than a receipt has."),
        (html_polyglot, "The file also contains web-page code"),
        (lambda: png_header(65535, 65535), "The picture is 65535 × 65535 pixels"),
        (lambda: png_header(8000, 6000), "The picture is 8000 × 6000 pixels"),  # under Pillow's own limit, over ours
        (lambda: b"%PDF-1.7\nnot really a pdf", "The PDF cannot be read: the file is damaged."),
        (lambda: PNG_BYTES[:-8], "The picture cannot be read"),  # cut short: a chunk's checksum fails
    ],
)
def test_a_hostile_file_is_refused_and_nothing_is_kept(app, build, says):
    with pytest.raises(receipts.ReceiptError, match=says):
        _store(build())
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Receipt.id))) == 0
    assert _stored_files(app) == []


def test_javascript_anywhere_in_the_pdf_is_found(app):
    """Not only the catalogue's /OpenAction: a link's action written inside the page's annotation."""

    def link(pdf) -> None:
        action = {"/S": "/JavaScript", "/JS": "app.launchURL('x')"}
        import pikepdf

        pdf.pages[0].Annots = pikepdf.Array(
            [pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 9, 9], A=action)]
        )

    with pytest.raises(receipts.ReceiptError, match=RUNS):
        _store(pdf_with(link))


def test_the_bomb_is_stopped_quickly(app):
    bomb = flate_bomb_pdf(1000)  # a gigabyte of zeros in about a megabyte
    assert len(bomb) < 2 * 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(receipts.ReceiptError, match="unpacks to far more"):
        _store(bomb)
    assert time.perf_counter() - started < 10  # counted up to the limit only, on a busy machine


@pytest.mark.parametrize("data", [PDF_BYTES, one_page_pdf(), PNG_BYTES, flate_bomb_pdf(20)])
def test_plain_receipts_are_kept(app, data):
    receipt = _store(data)
    db.session.commit()
    assert receipt.size == len(data)


def test_the_refusal_is_in_the_readers_language(app):
    with force_locale("fi"), pytest.raises(receipts.ReceiptError, match="JavaScriptiä"):
        _store(javascript_pdf())
    with force_locale("sv"), pytest.raises(receipts.ReceiptError, match="JavaScript"):
        _store(javascript_pdf())
