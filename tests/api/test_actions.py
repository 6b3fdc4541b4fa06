"""Finance actions over the API: check, approve, return, reject, pay — who, in which state, with what input."""

import pytest

from expenses.models import AuditEvent, Payment
from tests.api.client import field_names
from tests.factories import make_claim, make_user


def test_check_then_approve_then_pay(api_as):
    checker, approver = make_user("finance"), make_user("finance")
    claim = make_claim(status="submitted")
    checked = api_as(checker).post(f"/claims/{claim.id}/check")
    assert checked.status_code == 200
    assert checked.json["status"] == "checked"
    assert checked.json["checked_by"]["id"] == checker.id
    approved = api_as(approver).post(f"/claims/{claim.id}/approve")
    assert approved.status_code == 200
    assert approved.json["status"] == "approved"
    assert approved.json["approved_by"]["id"] == approver.id
    paid = api_as(approver).post(f"/claims/{claim.id}/pay", json={"reference": "RF18 5678"})
    assert paid.status_code == 200
    assert paid.json["status"] == "paid"
    assert paid.json["payment_reference"] == "RF18 5678"
    assert Payment.query.filter_by(claim_id=claim.id).one().reference == "RF18 5678"


def test_the_checker_cannot_approve(api_as):
    checker = make_user("finance")
    claim = make_claim(status="checked", checker=checker)
    answer = api_as(checker).post(f"/claims/{claim.id}/approve")
    assert answer.status_code == 403
    assert "another officer" in answer.json["error"]
    assert AuditEvent.query.filter_by(claim_id=claim.id, action="approve").count() == 0


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_carry_the_reason(api_as, action):
    claim = make_claim(status="submitted")
    answer = api_as(make_user("finance")).post(f"/claims/{claim.id}/{action}", json={"reason": "Parking receipt?"})
    assert answer.status_code == 200
    assert answer.json["status"] == {"return": "returned", "reject": "rejected"}[action]
    assert answer.json["status_reason"] == "Parking receipt?"
    assert answer.json["history"][-1]["reason"] == "Parking receipt?"


@pytest.mark.parametrize(("action", "field"), [("return", "reason"), ("reject", "reason"), ("pay", "reference")])
def test_reason_and_reference_are_required(api_as, action, field):
    claim = make_claim(status="approved" if action == "pay" else "submitted")
    api = api_as(make_user("finance"))
    for body in ({}, {"json": {}}, {"json": {field: "  "}}):
        assert field_names(api.post(f"/claims/{claim.id}/{action}", **body)) == [field], body


@pytest.mark.parametrize(("action", "extra"), [("check", "reason"), ("return", "reference"), ("pay", "note")])
def test_a_field_the_action_does_not_take_is_422(api_as, action, extra):
    """The document says `additionalProperties: false` for action bodies; the server refuses extras, not ignores."""
    claim = make_claim(status="approved" if action == "pay" else "submitted")
    body = {"reason": "Parking receipt?", "reference": "RF18 1234"}
    body = {k: v for k, v in body.items() if k == ({"return": "reason", "pay": "reference"}.get(action))}
    answer = api_as(make_user("finance")).post(f"/claims/{claim.id}/{action}", json={**body, extra: "x"})
    assert answer.status_code == 422 and field_names(answer) == [extra]


@pytest.mark.parametrize("body", [{"reason": 42}, {"reason": ["a"]}], ids=["number", "list"])
def test_reason_that_is_not_text_is_422(api_as, body):
    claim = make_claim(status="submitted")
    assert field_names(api_as(make_user("finance")).post(f"/claims/{claim.id}/return", json=body)) == ["reason"]


@pytest.mark.parametrize("data", ["[1]", "{broken", '"text"'])
def test_action_body_that_is_not_an_object_is_422(api_as, data):
    claim = make_claim(status="submitted")
    answer = api_as(make_user("finance")).post(f"/claims/{claim.id}/check", data=data)
    assert field_names(answer) == ["body"]


@pytest.mark.parametrize("role", ["mentor", "auditor", "actor", "admin"])
def test_only_finance_acts(api_as, role):
    user = make_user(role)
    # A mentor acting on their own claim is still the wrong role.
    claim = make_claim(user if role == "mentor" else None, status="checked")
    events = AuditEvent.query.filter_by(claim_id=claim.id).count()
    api = api_as(user)
    for action in ("check", "approve", "return", "reject", "pay"):
        answer = api.post(f"/claims/{claim.id}/{action}", json={"reason": "x", "reference": "y"})
        assert answer.status_code == 403, action
        assert answer.json["error"]
    assert AuditEvent.query.filter_by(claim_id=claim.id).count() == events


@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "check"), ("submitted", "approve"), ("checked", "pay"), ("approved", "return"), ("paid", "reject")],
)
def test_wrong_state_is_409(api_as, status, action):
    claim = make_claim(status=status)
    text = {"return": {"reason": "x"}, "reject": {"reason": "x"}, "pay": {"reference": "y"}}.get(action, {})
    answer = api_as(make_user("finance")).post(f"/claims/{claim.id}/{action}", json=text)
    assert answer.status_code == 409
    assert answer.json["code"] == "wrong_state"
    assert answer.json["status"] == status


def test_action_on_missing_claim_is_404(api_as):
    assert api_as(make_user("finance")).post("/claims/424242/check").status_code == 404


def test_stale_version_is_409_and_current_one_passes(api_as):
    claim = make_claim(status="submitted")
    api = api_as(make_user("finance"))
    stale = api.post(f"/claims/{claim.id}/check", headers={"If-Match": str(claim.version - 1)})
    assert stale.status_code == 409
    assert stale.json["code"] == "changed"
    current = api.post(f"/claims/{claim.id}/check", headers={"If-Match": f'"{claim.version}"'})
    assert current.status_code == 200
    assert current.json["version"] == claim.version
    assert current.headers["ETag"] == f'"{claim.version}"'


def test_version_in_body_and_header_must_agree(api_as):
    claim = make_claim(status="submitted")
    answer = api_as(make_user("finance")).post(
        f"/claims/{claim.id}/check", json={"version": claim.version}, headers={"If-Match": "1000"}
    )
    assert field_names(answer) == ["version"]


@pytest.mark.parametrize("version", ["three", True, -1, 2.5])
def test_version_must_be_a_whole_number(api_as, version):
    claim = make_claim(status="submitted")
    answer = api_as(make_user("finance")).post(f"/claims/{claim.id}/check", json={"version": version})
    assert field_names(answer) == ["version"]
