"""Two officers acting on one claim at the same moment: exactly one wins, the other gets 409, nothing is lost.

Runs on PostgreSQL only (SQLite serialises whole-database writes, so it cannot show the race).
Both requests are held at a barrier after they have loaded the claim and passed every check but
before either commits, so both really act on the same version; the version column must then turn
the second UPDATE into 409 "changed" instead of a lost update.
"""

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from expenses import workflow
from expenses.models import AuditEvent, Claim
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_claim, make_token, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="CONCURRENCY NOT TESTED: set TEST_DATABASE_URL to a PostgreSQL database to run the race tests",
    ),
    pytest.mark.parametrize("app", ["postgresql"], indirect=True),
]


def _race(app: Flask, monkeypatch, requests: list[tuple[str, str, dict]]) -> list[int]:
    """Send the requests from one thread each, all held between loading the claim and committing."""
    barrier = threading.Barrier(len(requests), timeout=60)  # approvals render PDFs first: slow on a busy machine
    check_text = workflow._check_text

    def held(*args, **kwargs):
        # The officer's action checks its text after loading the claim and passing every other check,
        # and before anything is changed (approval's PDF reads the database, and a flush there would
        # lock the row): hold each request here until all have got this far.
        barrier.wait()
        return check_text(*args, **kwargs)

    monkeypatch.setattr(workflow, "_check_text", held)
    statuses: list[int | None] = [None] * len(requests)

    def send(i: int, token: str, path: str, body: dict) -> None:
        # Its own client, app context and database session (a plain client: the suite's IsolatedClient
        # expects the test's own app context, which this thread does not have).
        client = FlaskClient(app, app.response_class)
        answer = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        statuses[i] = answer.status_code

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return statuses


def _fresh(claim_id: int) -> Claim:
    from expenses.extensions import db

    db.session.expire_all()
    return db.session.get(Claim, claim_id)


def test_two_approvals_at_once_one_wins(app, monkeypatch):
    checker = make_user("finance")
    claim = make_claim(status="checked", checker=checker)
    tokens = [make_token(make_user("finance")), make_token(make_user("finance"))]
    path = f"/api/v1/claims/{claim.id}/approve"
    statuses = _race(app, monkeypatch, [(tokens[0], path, {}), (tokens[1], path, {})])
    assert sorted(statuses) == [200, 409]
    assert _fresh(claim.id).status == "approved"
    assert AuditEvent.query.filter_by(claim_id=claim.id, action="approve").count() == 1


def test_return_and_approve_at_once_cannot_both_win(app, monkeypatch):
    claim = make_claim(status="checked")
    returner, approver = make_token(make_user("finance")), make_token(make_user("finance"))
    base = f"/api/v1/claims/{claim.id}"
    statuses = _race(
        app,
        monkeypatch,
        [(returner, f"{base}/return", {"reason": "Wrong session."}), (approver, f"{base}/approve", {})],
    )
    assert sorted(statuses) == [200, 409]
    winner = "return" if statuses[0] == 200 else "approve"
    assert _fresh(claim.id).status == {"return": "returned", "approve": "approved"}[winner]
    acted = [e.action for e in AuditEvent.query.filter_by(claim_id=claim.id).order_by(AuditEvent.id)]
    assert acted == ["create", "submit", "check", winner]
