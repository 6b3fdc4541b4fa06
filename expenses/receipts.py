"""The receipt store: PDF, JPEG and PNG files checked by content (receipt_checks), kept under their SHA-256."""

import io
import secrets
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from expenses import receipt_checks
from expenses.extensions import db
from expenses.models import Receipt, User
from expenses.storage import receipt_store

#: File signatures of the accepted types; the name and the browser's claimed type are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class ReceiptError(ValueError):
    """The upload cannot be stored; the message tells the user what to do instead."""


def sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def display_name(filename: str | None) -> str:
    """A file name fit to show: no folders, no control characters, not too long."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-120:] or "receipt"


def store(stream: BinaryIO, filename: str | None, owner: User) -> Receipt:
    """Check and keep an uploaded file; add its row to the session (the caller commits)."""
    limit = current_app.config["MAX_RECEIPT_BYTES"]
    head = stream.read(16)
    content_type = sniff(head)
    if not head:
        raise ReceiptError(_("The file is empty. Choose the receipt file again."))
    if content_type is None:
        raise ReceiptError(_("Only PDF, JPEG and PNG receipts are accepted. Save or scan the receipt as one of them."))
    # Read whole (at most the limit) to check the content before anything is kept: a refused file
    # leaves nothing behind, and a kept one may be shared by its hash with another receipt.
    data = head + stream.read(limit + 1 - len(head))
    if len(data) > limit:
        raise ReceiptError(
            _(
                "The file is larger than %(mb)s MB. Scan it at a lower resolution or save it as a smaller PDF.",
                mb=limit // (1024 * 1024),
            )
        )
    try:
        receipt_checks.check(content_type, data)
    except receipt_checks.Unsafe as e:
        raise ReceiptError(str(e)) from None
    try:
        sha256, size = receipt_store().save(io.BytesIO(data), limit)
    except OSError as e:
        raise ReceiptError(_("The receipt could not be saved right now. Try again in a moment.")) from e
    receipt = Receipt(
        id=secrets.token_hex(16),
        owner_id=owner.id,
        sha256=sha256,
        content_type=content_type,
        size=size,
        filename=display_name(filename),
    )
    db.session.add(receipt)
    return receipt


def owned_receipts(owner: User, ids: set[str]) -> dict[str, Receipt]:
    """Those of these receipts that are the owner's, to show."""
    if not ids:
        return {}
    rows = db.session.scalars(select(Receipt).where(Receipt.owner_id == owner.id, Receipt.id.in_(ids)))
    return {r.id: r for r in rows}


_receipts = Receipt.__table__
# Asked by every preview of a claim with receipts: built once, a Core query (README, "Performance").
_OWNED = select(_receipts.c.id).where(
    _receipts.c.owner_id == bindparam("owner_id"), _receipts.c.id.in_(bindparam("ids", expanding=True))
)


def owned_receipt_ids(owner_id: int, ids: set[str]) -> set[str]:
    """Those of these receipt ids that are the owner's, to check a claim by."""
    if not ids:
        return set()
    return set(db.session.connection().execute(_OWNED, {"owner_id": owner_id, "ids": list(ids)}).scalars())


def open_receipt(receipt: Receipt) -> BinaryIO:
    return receipt_store().open(receipt.sha256)
