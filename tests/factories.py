"""Test data: users, receipts, claim bodies and claims in any workflow state, made the way the app makes them."""

import io
import itertools
import re
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pikepdf
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import event

from expenses import receipts, workflow
from expenses.accounts import create_user, issue_token
from expenses.extensions import db
from expenses.models import Claim, Receipt, User

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def _tiny_pdf() -> bytes:
    """A valid PDF of one blank page, about 500 bytes: uploads are opened and checked (receipt_checks)."""
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(100, 100))
        pdf.save(out, static_id=True)
    return out.getvalue()


def _tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return out.getvalue()


PDF_BYTES = _tiny_pdf()
PNG_BYTES = _tiny_png()


def one_page_pdf(width: float = 595, height: float = 842) -> bytes:
    """A real PDF of one blank page (A4 by default), which a PDF renderer can draw."""
    from pypdf import PdfWriter  # a test dependency: only the tests that need a drawable PDF import it

    writer = PdfWriter()
    writer.add_blank_page(width=width, height=height)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_user(role: str = "mentor", name: str | None = None, email: str | None = None) -> User:
    n = next(_numbers)
    user = create_user(email or f"{role}{n}@example.fi", name or f"{role.title()} {n}", role, PASSWORD)
    db.session.commit()
    return user


def make_token(user: User) -> str:
    token = issue_token(user)
    db.session.commit()
    return token


def make_receipt(owner: User, data: bytes = PDF_BYTES, filename: str = "receipt.pdf") -> Receipt:
    receipt = receipts.store(io.BytesIO(data), filename, owner)
    db.session.commit()
    return receipt


def car_body(session: str = "2024-04-23", **trip) -> dict:
    """Tampere by car to the closing session: 51.00 per diem + 356 km × 0.61 = 268.16 €."""
    return {
        "session": session,
        "trip": {
            "start_place": "Tampere",
            "distance_km": 178,
            "departure": f"{session}T07:00",
            "return": f"{session}T18:30",
            **trip,
        },
        "expenses": [{"type": "own_car", "date": session, "km": 356, "passengers": 1, "route": "Tampere–Helsinki"}],
    }


CAR_TOTAL = Decimal("268.16")


def train_body(receipt_id: str | None, session: str = "2023-09-22") -> dict:
    """Oulu by train to the kick-off: 48.00 per diem + the ticket."""
    expense = {"type": "public_transport", "date": session, "description": "Train", "amount": "160.00"}
    if receipt_id:
        expense["receipt"] = receipt_id
    return {
        "session": session,
        "trip": {
            "start_place": "Oulu",
            "distance_km": 607,
            "departure": f"{session}T06:00",
            "return": f"{session}T21:30",
        },
        "expenses": [expense],
    }


def make_claim(mentor: User | None = None, status: str = "draft", body: dict | None = None, **officers: User) -> Claim:
    """A claim brought to `status` through the workflow, with the officers it needs."""
    mentor = mentor or make_user("mentor")
    claim = workflow.create(body or car_body(), mentor, "fi")
    if status == "draft":
        return claim
    workflow.submit(claim.id, mentor, "fi")
    if status == "submitted":
        return claim
    checker = officers.get("checker") or make_user("finance")
    if status in ("returned", "rejected"):
        action = workflow.return_for_correction if status == "returned" else workflow.reject
        return action(claim.id, checker, "Please attach the parking receipt.")
    workflow.check(claim.id, checker)
    if status == "checked":
        return claim
    approver = officers.get("approver") or make_user("finance")
    workflow.approve(claim.id, approver)
    if status == "approved":
        return claim
    return workflow.pay(claim.id, approver, "RF18 1234")


#: A day within the claim deadline of the car trip's session (2024-04-23): no late_claim warning.
IN_TIME = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)


def make_clean_claim(mentor: User | None = None, status: str = "submitted", **officers: User) -> Claim:
    """A claim without findings (the car trip, submitted in time): one finance can decide from its queue."""
    with mock.patch("expenses.workflow.utcnow", lambda: IN_TIME):
        return make_claim(mentor, status, car_body(), **officers)


# Forms carry a CSRF token tied to the session (the tests keep CSRF on, as in production); these
# helpers send it the way a browser would.
_CSRF_INPUT = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')


def new_client(app: Flask, language: str | None = "en") -> FlaskClient:
    """A browser of its own (another person, another session).

    The language rule of the tests: a test that checks texts states the language it reads. The
    `client` fixture and these clients read English unless told otherwise; `language=None` sends no
    Accept-Language at all, so the pages are Finnish (the product's default).
    """
    client = app.test_client()
    if language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page that has a form.

    Empty when the test has switched CSRF off: the forms then carry no token, and none is needed.
    """
    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""
    page = client.get(path).get_data(as_text=True)
    found = _CSRF_INPUT.search(page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD, next_path: str | None = None):
    """Sign in through the real form, token and all; the session is then renewed, so fetch a new token."""
    path = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(path, data={"email": user.email, "password": password, "csrf_token": csrf_token(client)})


def post_form(client: FlaskClient, path: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token of the signed-in session (read from the password page)."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/password"), **(data or {})}, **kwargs)


@contextmanager
def counted() -> Iterator[list[str]]:
    """The SQL statements sent to the database while the block runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- hostile receipts (expenses/receipt_checks.py refuses each), small and quick to build --------------


def pdf_with(change) -> bytes:
    """A one-page PDF changed by `change(pdf)` before it is saved."""
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(100, 100))
        change(pdf)
        pdf.save(out, static_id=True)
    return out.getvalue()


def _open_action(pdf, **action) -> None:
    pdf.Root.OpenAction = pikepdf.Dictionary(**action)


def javascript_pdf() -> bytes:
    return pdf_with(lambda pdf: _open_action(pdf, S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))


def launch_pdf() -> bytes:
    return pdf_with(lambda pdf: _open_action(pdf, S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")))


def attachment_pdf() -> bytes:
    def attach(pdf) -> None:
        pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ...", mime_type="application/octet-stream")

    return pdf_with(attach)


def flate_bomb_pdf(megabytes: int = 200) -> bytes:
    """A page whose content stream unpacks to `megabytes` of zeros from about 1 kB per megabyte.

    Built without compressing it all: after a full flush the compressor starts afresh, so one
    megabyte's compressed block, repeated, is the whole stream (its checksum left off: the check
    stops counting long before a reader would get to it).
    """
    zero = bytes(1 << 20)
    deflate = zlib.compressobj()
    first = deflate.compress(zero) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(zero) + deflate.flush(zlib.Z_FULL_FLUSH)

    def fill(pdf) -> None:
        pdf.pages[0].Contents = pikepdf.Stream(pdf, first + block * (megabytes - 1), Filter=pikepdf.Name.FlateDecode)

    return pdf_with(fill)


def html_polyglot() -> bytes:
    """Starts as a PDF, reads as a web page to a browser that guesses."""
    return b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n" + PDF_BYTES


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels in 70 bytes: its one data chunk is empty."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
