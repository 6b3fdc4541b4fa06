"""Conflicting actions at the same moment on PostgreSQL: exactly one wins, the others get 409, no update is lost.

Each request is held after it has loaded the claim and passed every check, just before its audit
event is written, until all of them have got that far (as in tests/api/test_concurrency.py).
"""

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from expenses import audit, payments, workflow
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, Payment, PaymentBatch
from tests.conftest import TEST_DATABASE_URL
from tests.factories import car_body, csrf_token, make_claim, make_token, make_user, new_client, sign_in
from tests.security.conftest import FIGURES

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="CONCURRENCY NOT TESTED: set TEST_DATABASE_URL to a PostgreSQL database to run the race tests",
    ),
    pytest.mark.parametrize("app", ["postgresql"], indirect=True),
]


def _race(app: Flask, monkeypatch, requests: list[tuple[str, str, str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(requests), timeout=10)
    record = audit.record

    def held(*args, **kwargs):
        barrier.wait()
        record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", held)
    statuses: list[int | None] = [None] * len(requests)

    def send(i: int, token: str, method: str, path: str, body: dict) -> None:
        # A plain client: each thread has its own app context and session (the suite's client expects the test's).
        client = FlaskClient(app, app.response_class)
        answer = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
        statuses[i] = answer.status_code

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    monkeypatch.setattr(audit, "record", record)
    assert not any(t.is_alive() for t in threads), "a request hung"
    FIGURES["races (PostgreSQL): conflicting actions sent at once"] += len(requests)
    return statuses


def _events(claim_id: int) -> list[str]:
    db.session.expire_all()
    return [e.action for e in AuditEvent.query.filter_by(claim_id=claim_id).order_by(AuditEvent.id)]


def _lost(won: int, claim_id: int, expected_actions: int) -> int:
    """Updates lost: an answer said 200 but its event is missing, or more events than winners."""
    return abs(len(_events(claim_id)) - expected_actions - won)


def test_three_finance_actions_at_once(app, monkeypatch):
    claim = make_claim(status="submitted")
    tokens = [make_token(make_user("finance")) for _ in range(3)]
    base = f"/api/v1/claims/{claim.id}"
    statuses = _race(
        app,
        monkeypatch,
        [
            (tokens[0], "POST", f"{base}/check", {}),
            (tokens[1], "POST", f"{base}/return", {"reason": "Receipt missing."}),
            (tokens[2], "POST", f"{base}/reject", {"reason": "Not a programme session."}),
        ],
    )
    assert sorted(statuses) == [200, 409, 409]
    winner = ["check", "return", "reject"][statuses.index(200)]
    assert _events(claim.id) == ["create", "submit", winner]
    lost = _lost(1, claim.id, 2)
    FIGURES["races (PostgreSQL): lost updates"] += lost
    assert lost == 0
    assert audit.verify_chain() == []


def test_two_payments_at_once_pay_once(app, monkeypatch):
    claim = make_claim(status="approved")
    tokens = [make_token(make_user("finance")) for _ in range(2)]
    path = f"/api/v1/claims/{claim.id}/pay"
    statuses = _race(app, monkeypatch, [(t, "POST", path, {"reference": f"RF18 000{n}"}) for n, t in enumerate(tokens)])
    assert sorted(statuses) == [200, 409]
    assert Payment.query.filter_by(claim_id=claim.id).count() == 1
    FIGURES["races (PostgreSQL): lost updates"] += _lost(1, claim.id, 4)
    assert _lost(1, claim.id, 4) == 0


def test_two_edits_of_one_draft_at_once(app, monkeypatch):
    """The mentor's claim open in two tabs: one change is kept whole, the other is told it was overtaken."""
    mentor = make_user("mentor")
    claim = make_claim(mentor, "draft", car_body())
    token = make_token(mentor)
    bodies = [car_body(), car_body()]
    bodies[0]["trip"]["start_place"] = "Tampere, first tab"
    bodies[1]["trip"]["start_place"] = "Tampere, second tab"
    path = f"/api/v1/claims/{claim.id}"
    statuses = _race(app, monkeypatch, [(token, "PUT", path, b) for b in bodies])
    assert sorted(statuses) == [200, 409]
    db.session.expire_all()
    kept = db.session.get(Claim, claim.id).body["trip"]["start_place"]
    assert kept == bodies[statuses.index(200)]["trip"]["start_place"]
    FIGURES["races (PostgreSQL): lost updates"] += _lost(1, claim.id, 1)
    assert _lost(1, claim.id, 1) == 0


def test_submit_and_edit_at_once(app, monkeypatch):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "draft", car_body())
    token = make_token(mentor)
    changed = car_body()
    changed["trip"]["start_place"] = "Changed while submitting"
    base = f"/api/v1/claims/{claim.id}"
    statuses = _race(app, monkeypatch, [(token, "POST", f"{base}/submit", {}), (token, "PUT", base, changed)])
    assert sorted(statuses) == [200, 409]
    db.session.expire_all()
    stored = db.session.get(Claim, claim.id)
    if statuses[0] == 200:  # submitted what finance will see, unchanged afterwards
        assert stored.status == "submitted" and stored.body["trip"]["start_place"] == "Tampere"
    else:
        assert stored.status == "draft" and stored.body["trip"]["start_place"] == "Changed while submitting"
    FIGURES["races (PostgreSQL): lost updates"] += _lost(1, claim.id, 1)
    assert _lost(1, claim.id, 1) == 0


def _race_forms(monkeypatch, hold: tuple[object, str], posts: list[tuple[FlaskClient, str, dict]]) -> list[int]:
    """Post the forms from one thread each (signed-in browsers), each held at its first call of `hold`
    until all have got that far: past every check, before anything is written."""
    barrier = threading.Barrier(len(posts), timeout=10)
    target, name = hold
    original = getattr(target, name)
    seen = threading.local()

    def held(*args, **kwargs):
        if not getattr(seen, "once", False):
            seen.once = True
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, held)
    # Each form's CSRF token is read before the race, so the threads only post.
    forms = [(client, path, {"csrf_token": csrf_token(client, "/password"), **data}) for client, path, data in posts]
    statuses: list[int | None] = [None] * len(posts)

    def send(i: int, client: FlaskClient, path: str, data: dict) -> None:
        statuses[i] = client.post(path, data=data).status_code  # its own app context and session per request

    threads = [threading.Thread(target=send, args=(i, *f)) for i, f in enumerate(forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    monkeypatch.setattr(target, name, original)
    assert not any(t.is_alive() for t in threads), "a request hung"
    FIGURES["races (PostgreSQL): conflicting actions sent at once"] += len(posts)
    return statuses


def _officers(app: Flask, n: int) -> list[FlaskClient]:
    clients = []
    for _ in range(n):
        client = new_client(app)
        assert sign_in(client, make_user("finance")).status_code == 302
        clients.append(client)
    return clients


def _approved_with_iban() -> Claim:
    mentor = make_user("mentor")
    payments.set_iban(mentor, "FI21 1234 5600 0007 85")
    return make_claim(mentor, "approved")


def test_two_officers_making_a_payment_file_of_one_claim_at_once(app, monkeypatch):
    """Issue 17, defect 5: the second file got a 500 (StaleDataError); it is the 409 of any conflict."""
    claim = _approved_with_iban()
    posts = [(c, "/finance/payments/", {"claim": [str(claim.id)]}) for c in _officers(app, 2)]
    statuses = _race_forms(monkeypatch, (payments, "_payable"), posts)
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    assert PaymentBatch.query.count() == 1
    assert db.session.get(Claim, claim.id).payment_batch_id == PaymentBatch.query.one().id


def test_two_officers_marking_one_file_paid_at_once_pay_each_claim_once(app, monkeypatch):
    claims = [_approved_with_iban(), _approved_with_iban()]
    batch = payments.export_batch([c.id for c in claims], make_user("finance"))
    path = f"/finance/payments/{batch.id}"
    posts = [(c, path, {"reference": f"BANK-{n}"}) for n, c in enumerate(_officers(app, 2))]
    statuses = _race_forms(monkeypatch, (workflow, "pay"), posts)
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    winner = f"BANK-{statuses.index(302)}"
    assert Payment.query.count() == 2 and {p.reference for p in Payment.query} == {winner}
    assert db.session.get(PaymentBatch, batch.id).paid_reference == winner
    for claim in claims:
        FIGURES["races (PostgreSQL): lost updates"] += _lost(1, claim.id, 4)
        assert _events(claim.id) == ["create", "submit", "check", "approve", "pay"]
