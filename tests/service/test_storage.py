"""The content store: files named by their SHA-256 in today's layout, written whole or not at all."""

import hashlib
import io
from pathlib import Path

import pytest

from expenses.storage import DirectoryStore, TooLarge, document_store, receipt_store
from tests.factories import PDF_BYTES, PNG_BYTES

SHA = hashlib.sha256(PDF_BYTES).hexdigest()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class FailingStream(io.BytesIO):
    """An upload whose connection drops after the first chunk."""

    def read(self, size: int = -1) -> bytes:
        if self.tell():
            raise OSError("connection reset")
        return super().read(size)


def test_files_keep_the_layout_existing_stores_and_backups_have(app):
    """Receipts at ab/<sha>, PDFs at ab/<sha>.pdf, under the configured folders."""
    assert receipt_store().put(PDF_BYTES) == SHA
    assert document_store().put(PDF_BYTES) == SHA
    receipts_dir, documents_dir = Path(app.config["RECEIPTS_DIR"]), Path(app.config["DOCUMENTS_DIR"])
    assert _files(receipts_dir) == [receipts_dir / SHA[:2] / SHA]
    assert _files(documents_dir) == [documents_dir / SHA[:2] / f"{SHA}.pdf"]
    assert (documents_dir / SHA[:2] / f"{SHA}.pdf").read_bytes() == PDF_BYTES
    assert document_store().path(SHA) == documents_dir / SHA[:2] / f"{SHA}.pdf"


def test_each_app_keeps_one_store_of_each_kind(app):
    assert receipt_store() is receipt_store() and document_store() is document_store()
    assert receipt_store() is not document_store()


def test_a_stream_is_saved_with_its_head_and_size(tmp_path):
    store = DirectoryStore(tmp_path)
    data = PDF_BYTES * 5000  # several chunks
    sha256, size = store.save(io.BytesIO(data[16:]), limit=len(data), head=data[:16])
    assert (sha256, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.read(sha256) == data
    with store.open(sha256) as f:
        assert f.read() == data


def test_an_oversized_stream_leaves_no_file(tmp_path):
    store = DirectoryStore(tmp_path)
    data = PDF_BYTES * 5000
    with pytest.raises(TooLarge) as raised:
        store.save(io.BytesIO(data), limit=len(data) - 1)
    assert raised.value.limit == len(data) - 1
    assert _files(tmp_path) == []  # neither the partial temporary file nor a final one
    assert store.save(io.BytesIO(data), limit=len(data))[1] == len(data)  # exactly the limit is fine


def test_a_stream_that_fails_halfway_leaves_no_file(tmp_path):
    store = DirectoryStore(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        store.save(FailingStream(PDF_BYTES * 5000), limit=10**9)
    assert _files(tmp_path) == []


def test_putting_the_same_bytes_again_keeps_one_intact_file(tmp_path):
    store = DirectoryStore(tmp_path, ".pdf")
    assert store.put(PDF_BYTES) == store.put(PDF_BYTES) == SHA
    assert _files(tmp_path) == [store.path(SHA)]
    assert store.read(SHA) == PDF_BYTES


def test_put_many_stores_each_under_its_hash(tmp_path):
    store = DirectoryStore(tmp_path, ".pdf")
    store.put_many([PDF_BYTES, PNG_BYTES, PDF_BYTES])
    png = hashlib.sha256(PNG_BYTES).hexdigest()
    assert _files(tmp_path) == sorted([store.path(SHA), store.path(png)])
    assert store.read(png) == PNG_BYTES and store.read(SHA) == PDF_BYTES


def test_delete_removes_the_file_and_may_be_repeated(tmp_path):
    store = DirectoryStore(tmp_path)
    other = store.put(PNG_BYTES)
    store.put(PDF_BYTES)
    assert store.exists(SHA)
    store.delete(SHA)
    store.delete(SHA)  # already gone: retention may run again after a crash
    assert not store.exists(SHA) and store.exists(other)


@pytest.mark.parametrize("how", ["read", "open"])
def test_a_missing_file_is_file_not_found(tmp_path, how):
    store = DirectoryStore(tmp_path)
    assert not store.exists(SHA)
    with pytest.raises(FileNotFoundError):
        getattr(store, how)(SHA)
