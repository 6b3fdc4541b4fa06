"""Where receipts and approval documents are kept: files named by the SHA-256 of their bytes.

Everything that stores, reads or deletes them goes through `receipt_store()` and `document_store()`,
so that the storage behind them can change in this module alone. Today that is a directory (on
shared storage when several app servers run); an S3-compatible object store would be one more class
with the methods of `ContentStore`, its keys the same content addresses, built in `_store`.
"""

import contextlib
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

CHUNK = 64 * 1024


class TooLarge(ValueError):
    """The stream is longer than the limit it was saved with; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Kept:
    """One file of a store: its address, its size and when it was written (UTC)."""

    sha256: str
    size: int
    written: datetime


class ContentStore(Protocol):
    """Files addressed by the SHA-256 of their bytes. A missing file raises `FileNotFoundError`."""

    def save(self, stream: BinaryIO, limit: int, head: bytes = b"") -> tuple[str, int]:
        """Keep `head` and then the rest of `stream`, all or nothing; return (sha256, size).

        Raises `TooLarge` past `limit` bytes, `OSError` when the storage fails.
        """
        ...

    def put(self, data: bytes) -> str:
        """Keep these bytes (again, if they are kept already); return their SHA-256."""
        ...

    def put_many(self, blobs: Iterable[bytes]) -> None:
        """Keep many small files quickly, for bulk loads whose data can be made again: not durable one by one."""
        ...

    def open(self, sha256: str) -> BinaryIO: ...

    def read(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Remove the file; nothing happens if it is gone already."""
        ...

    def files(self) -> Iterator[Kept]:
        """Every file kept (not the temporary files of writes under way)."""
        ...


_ADDRESS = re.compile("[0-9a-f]{64}")


class DirectoryStore:
    """A directory with one subdirectory per first two hex digits: `ab/abcdef…<suffix>`.

    Backups (expenses/backup.py) copy this layout as it is and skip the dot-named temporary files.
    """

    def __init__(self, root: str | os.PathLike, suffix: str = ""):
        self._root = os.fspath(root)
        self.suffix = suffix

    def _name(self, sha256: str) -> str:
        # A plain string: the export reads thousands of files, and building a Path for each costs more.
        return os.path.join(self._root, sha256[:2], sha256 + self.suffix)

    def path(self, sha256: str) -> Path:
        """Where the file is, for tests and benchmarks that change the bytes behind the store's back."""
        return Path(self._name(sha256))

    def save(self, stream: BinaryIO, limit: int, head: bytes = b"") -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        os.makedirs(self._root, exist_ok=True)
        # Written to a temporary file first, so that a failed or oversized stream never leaves a partial file.
        fd, temp = tempfile.mkstemp(dir=self._root, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                chunk = head or stream.read(CHUNK)
                while chunk:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(limit)
                    digest.update(chunk)
                    out.write(chunk)
                    chunk = stream.read(CHUNK)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self._name(sha256)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            os.replace(temp, final)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return sha256, size

    def put(self, data: bytes) -> str:
        return self.save(io.BytesIO(data), len(data))[0]

    def put_many(self, blobs: Iterable[bytes]) -> None:
        # Written straight, no temporary file or fsync each: thousands of generated files
        # (expenses/generate.py) would otherwise take many times as long.
        named = {self._name(hashlib.sha256(data).hexdigest()): data for data in blobs}
        for folder in {os.path.dirname(name) for name in named}:
            os.makedirs(folder, exist_ok=True)
        for name, data in named.items():
            with open(name, "wb") as out:
                out.write(data)

    def open(self, sha256: str) -> BinaryIO:
        return open(self._name(sha256), "rb")

    def read(self, sha256: str) -> bytes:
        with open(self._name(sha256), "rb") as f:
            return f.read()

    def exists(self, sha256: str) -> bool:
        return os.path.isfile(self._name(sha256))

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._name(sha256))

    def files(self) -> Iterator[Kept]:
        if not os.path.isdir(self._root):
            return
        for folder in os.scandir(self._root):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            for entry in os.scandir(folder.path):
                sha256 = entry.name.removesuffix(self.suffix) if entry.name.endswith(self.suffix) else ""
                if entry.is_file() and _ADDRESS.fullmatch(sha256) and sha256[:2] == folder.name:
                    stat = entry.stat()
                    yield Kept(sha256, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


def _store(key: str, suffix: str) -> ContentStore:
    # One store per app and kind, made on first use from the app's configuration.
    stores = current_app.extensions.setdefault("expenses.storage", {})
    if key not in stores:
        stores[key] = DirectoryStore(current_app.config[key], suffix)
    return stores[key]


def receipt_store() -> ContentStore:
    return _store("RECEIPTS_DIR", "")


def document_store() -> ContentStore:
    return _store("DOCUMENTS_DIR", ".pdf")
