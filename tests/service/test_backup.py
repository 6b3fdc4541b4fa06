"""Backups: a populated SQLite database with receipts and PDFs, round-tripped through backup and restore."""

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from expenses import backup, documents
from expenses.extensions import db
from expenses.models import Claim, Receipt
from expenses.storage import receipt_store
from tests.factories import make_claim, make_receipt, make_user, train_body


@pytest.fixture
def sqlite_app(app):
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("backup/restore of the database file is for SQLite; PostgreSQL uses pg_dump (README)")
    return app


def _snapshot() -> dict:
    claims = {c.id: (c.status, str(c.total), c.audit_head, len(c.events)) for c in db.session.scalars(select(Claim))}
    receipt_hashes = {
        r.id: hashlib.sha256(receipt_store().read(r.sha256)).hexdigest() for r in db.session.scalars(select(Receipt))
    }
    pdf_hashes = {
        c.id: hashlib.sha256(documents.read(c.document)).hexdigest()
        for c in db.session.scalars(select(Claim))
        if c.document
    }
    return {"claims": claims, "receipts": receipt_hashes, "pdfs": pdf_hashes}


def test_backup_and_restore_round_trip(sqlite_app, runner, tmp_path):
    mentor = make_user("mentor")
    make_claim(mentor, "approved", body=train_body(make_receipt(mentor).id))
    make_claim(status="submitted")
    before = _snapshot()
    assert before["pdfs"] and before["receipts"]

    result = runner.invoke(args=["backup", str(tmp_path / "copy")])
    assert result.exit_code == 0, result.output

    # Lose data after the backup: an audit event and every stored file.
    db.session.delete(db.session.scalars(select(Claim).where(Claim.status == "submitted")).one().events[0])
    db.session.commit()
    for key in backup.STORES:
        for path in Path(sqlite_app.config[key]).rglob("*"):
            if path.is_file():
                path.unlink()

    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "copy")])
    assert result.exit_code == 0, result.output
    assert _snapshot() == before


def test_backup_refuses_a_folder_that_is_not_empty(sqlite_app, runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_restore_refuses_a_changed_backup(sqlite_app, runner, tmp_path):
    mentor = make_user("mentor")
    make_receipt(mentor)
    runner.invoke(args=["backup", str(tmp_path / "copy")])
    stored = next((tmp_path / "copy" / "receipts_dir").rglob("*"), None)
    while stored is not None and stored.is_dir():
        stored = next(stored.iterdir())
    stored.write_bytes(b"%PDF-changed")
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "copy")])
    assert result.exit_code != 0
    assert "missing or changed" in result.output
