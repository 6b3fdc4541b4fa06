"""`storage check`: stored files that no row refers to, such as the PDF of an approval whose process was killed."""

import os
import time

import pytest

from expenses import notifications, orphans, workflow
from expenses.extensions import db
from expenses.models import Claim, ClaimDocument
from expenses.storage import document_store, receipt_store
from tests.factories import PNG_BYTES, make_claim, make_receipt, make_user, train_body


class Killed(BaseException):
    """The worker dying mid-request (`kill -9`): no handler of the app's runs, the transaction never commits."""


def _approval_killed_before_its_commit(monkeypatch) -> Claim:
    claim = make_claim(status="checked")

    def die(*args, **kwargs):
        raise Killed  # after the PDF is stored and its row added, before the commit

    monkeypatch.setattr(notifications, "claim_changed", die)
    with pytest.raises(Killed):
        workflow.approve(claim.id, make_user("finance"))
    db.session.rollback()  # what the database does with the connection of a process that died
    monkeypatch.undo()
    return claim


def _age(sha256: str, store, seconds: int = 7200) -> None:
    then = time.time() - seconds
    os.utime(store.path(sha256), (then, then))


def test_the_pdf_of_a_killed_approval_is_found_and_removed(app, runner, monkeypatch):
    """Issue 17: a `kill -9` during approval left an orphan PDF that nothing ever found."""
    kept_receipt = make_receipt(make_user("mentor"))
    approved = make_claim(status="approved")
    claim = _approval_killed_before_its_commit(monkeypatch)
    assert db.session.get(Claim, claim.id).status == "checked" and ClaimDocument.query.count() == 1
    [left] = [f for f in document_store().files() if f.sha256 != approved.document.sha256]
    stray = receipt_store().put(PNG_BYTES)  # an upload whose row never committed
    for sha256, store in ((left.sha256, document_store()), (stray, receipt_store())):
        _age(sha256, store)

    listed = runner.invoke(args=["storage", "check"])
    assert listed.exit_code == 1, listed.output
    assert f"document  {left.sha256}" in listed.output and f"receipt   {stray}" in listed.output
    assert "2 file(s) that no row refers to" in listed.output
    assert kept_receipt.sha256 not in listed.output and approved.document.sha256 not in listed.output

    removed = runner.invoke(args=["storage", "check", "--remove"])
    assert removed.exit_code == 0 and "Removed 2 file(s)" in removed.output
    assert not document_store().exists(left.sha256) and not receipt_store().exists(stray)
    assert document_store().exists(approved.document.sha256) and receipt_store().exists(kept_receipt.sha256)
    again = runner.invoke(args=["storage", "check"])
    assert again.exit_code == 0 and "Every stored file belongs to a row." in again.output


def test_a_file_younger_than_the_minimum_age_is_left_alone(app, runner):
    """A file just written may be waiting for its row's commit (an approval under way): never removed."""
    fresh = receipt_store().put(PNG_BYTES)
    assert orphans.find() == []
    assert runner.invoke(args=["storage", "check", "--remove"]).exit_code == 0
    assert receipt_store().exists(fresh)
    assert [o.file.sha256 for o in orphans.find(min_age=orphans.MIN_AGE * 0)] == [fresh]


def test_the_store_lists_its_files_but_not_unfinished_writes(app):
    receipt = make_receipt(make_user("mentor"))
    root = receipt_store().path(receipt.sha256).parent.parent
    (root / ".partial-abc").write_bytes(b"half")
    (root / receipt.sha256[:2] / "not-an-address").write_bytes(b"x")
    assert [(f.sha256, f.size) for f in receipt_store().files()] == [(receipt.sha256, receipt.size)]


def test_a_receipt_cited_by_a_claim_is_not_an_orphan(app):
    mentor = make_user("mentor")
    receipt = make_receipt(mentor)
    make_claim(mentor, "submitted", train_body(receipt.id))
    _age(receipt.sha256, receipt_store())
    assert orphans.find() == []
