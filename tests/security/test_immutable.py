"""Integrity of the record: an approved or paid claim cannot be changed through any path, page, API or service."""

import hashlib

import pytest

from expenses import audit, documents, payments, workflow
from expenses.extensions import db
from expenses.models import AuditEvent, Claim
from tests.factories import car_body, csrf_token, make_claim, make_token, make_user, sign_in, train_body
from tests.security.conftest import FIGURES


def _record(claim_id: int) -> tuple:
    db.session.expire_all()
    claim = db.session.get(Claim, claim_id)
    pdf = hashlib.sha256(documents.read(claim.document)).hexdigest()
    return (
        claim.status,
        claim.version,
        repr(claim.body),
        repr(claim.decision),
        claim.total,
        claim.approved_by_id,
        claim.payment_reference,
        claim.audit_head,
        pdf,
        AuditEvent.query.filter_by(claim_id=claim_id).count(),
    )


@pytest.fixture(params=["approved", "paid"])
def closed(request, app):
    mentor = make_user("mentor")
    checker, approver = make_user("finance"), make_user("finance")
    claim = make_claim(mentor, request.param, car_body(), checker=checker, approver=approver)
    return {"claim": claim, "mentor": mentor, "checker": checker, "approver": approver}


def test_service_refuses_every_change(closed):
    claim, mentor, officer = closed["claim"], closed["mentor"], make_user("finance")
    before = _record(claim.id)
    attempts = [
        lambda: workflow.update(claim.id, train_body(None), mentor, "fi"),
        lambda: workflow.submit(claim.id, mentor, "fi"),
        lambda: workflow.check(claim.id, officer),
        lambda: workflow.approve(claim.id, officer),
        lambda: workflow.return_for_correction(claim.id, officer, "Change it"),
        lambda: workflow.reject(claim.id, officer, "No"),
    ]
    if claim.status == "paid":
        attempts.append(lambda: workflow.pay(claim.id, officer, "RF99 0000"))
        attempts.append(lambda: payments.export_batch([claim.id], officer))
    for attempt in attempts:
        with pytest.raises(workflow.WorkflowError) as refused:
            attempt()
        assert refused.value.status == 409
        db.session.rollback()
    assert _record(claim.id) == before
    FIGURES["immutability: change attempts on approved/paid claims"] += len(attempts)


def test_api_refuses_every_change(app, client, closed):
    claim = closed["claim"]
    mentor_token, finance_token = make_token(closed["mentor"]), make_token(make_user("finance"))
    before = _record(claim.id)
    attempts = [
        (mentor_token, "PUT", f"/claims/{claim.id}", train_body(None)),
        (mentor_token, "POST", f"/claims/{claim.id}/submit", {}),
        (finance_token, "POST", f"/claims/{claim.id}/check", {}),
        (finance_token, "POST", f"/claims/{claim.id}/approve", {}),
        (finance_token, "POST", f"/claims/{claim.id}/return", {"reason": "Change it"}),
        (finance_token, "POST", f"/claims/{claim.id}/reject", {"reason": "No"}),
    ]
    if claim.status == "paid":
        attempts.append((finance_token, "POST", f"/claims/{claim.id}/pay", {"reference": "RF99 0000"}))
    for token, method, path, body in attempts:
        answer = client.open(f"/api/v1{path}", method=method, json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 409, (path, answer.json)
        assert answer.json["code"] == "wrong_state" and answer.json["error"]
    assert _record(claim.id) == before
    FIGURES["immutability: change attempts on approved/paid claims"] += len(attempts)


def test_pages_refuse_every_change(app, closed):
    claim = closed["claim"]
    before = _record(claim.id)
    mentor = app.test_client()
    mentor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(mentor, closed["mentor"])
    token = csrf_token(mentor, "/password")
    edit = mentor.get(f"/claims/{claim.id}/edit")
    assert edit.status_code == 302 and edit.headers["Location"] == f"/claims/{claim.id}"
    form = {"csrf_token": token, "version": str(claim.version), "session": "2024-04-23", "trip-start_place": "Turku"}
    saved = mentor.post(f"/claims/{claim.id}/edit", data=form)
    submitted = mentor.post(f"/claims/{claim.id}/submit", data={"csrf_token": token, "version": str(claim.version)})
    for answer in (saved, submitted):
        assert answer.status_code == 302 and answer.headers["Location"] == f"/claims/{claim.id}"
    shown = mentor.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "can be changed only while it is a draft or returned" in shown or "cannot be done" in shown
    assert f'href="/claims/{claim.id}/edit"' not in shown  # nothing invites an edit

    finance = app.test_client()
    finance.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(finance, make_user("finance"))
    token = csrf_token(finance, "/password")
    actions = {"check": {}, "approve": {}, "return": {"reason": "x"}, "reject": {"reason": "x"}}
    if claim.status == "paid":
        actions["pay"] = {"reference": "RF99 0000"}
    for action, fields in actions.items():
        data = {"csrf_token": token, f"{action}-version": str(claim.version)}
        data.update({f"{action}-{k}": v for k, v in fields.items()})
        answer = finance.post(f"/finance/claims/{claim.id}/{action}", data=data)
        assert answer.status_code == 409, (action, answer.status_code)
    assert _record(claim.id) == before
    assert audit.verify_chain() == []
    FIGURES["immutability: change attempts on approved/paid claims"] += 3 + len(actions)
