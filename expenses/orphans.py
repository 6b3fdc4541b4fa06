"""Stored files that no row refers to: what a crash between writing a file and committing its row leaves.

Files are written before their rows commit (expenses/storage.py), so a worker killed in between (say,
`kill -9` while an approval's PDF is stored) leaves a file that nothing names. `flask --app wsgi storage
check` lists them and `--remove` deletes them. A file younger than `min_age` is never counted: its row may
be committing at this very moment.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from expenses.extensions import db
from expenses.models import ClaimDocument, Receipt, utcnow
from expenses.storage import ContentStore, Kept, document_store, receipt_store

#: What each store keeps, and the column whose rows name its files.
STORES: dict[str, tuple[Callable[[], ContentStore], InstrumentedAttribute]] = {
    "receipt": (receipt_store, Receipt.sha256),
    "document": (document_store, ClaimDocument.sha256),
}
MIN_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class Orphan:
    kind: str  # "receipt" or "document"
    file: Kept


def find(min_age: timedelta = MIN_AGE) -> list[Orphan]:
    """Every stored file older than `min_age` that no row refers to, receipts first, oldest first."""
    before = utcnow() - min_age
    found = []
    for kind, (store, column) in STORES.items():
        named = set(db.session.scalars(select(column).distinct()))
        kept = (f for f in store().files() if f.sha256 not in named and f.written < before)
        found += [Orphan(kind, f) for f in sorted(kept, key=lambda f: (f.written, f.sha256))]
    return found


def remove(orphans: list[Orphan]) -> None:
    for orphan in orphans:
        STORES[orphan.kind][0]().delete(orphan.file.sha256)
