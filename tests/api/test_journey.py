"""A whole claim over HTTP: upload, create, submit, return, fix, resubmit, check, approve, pay, audit."""

from tests.factories import PNG_BYTES, make_user


def _trip() -> dict:
    """Rovaniemi by air to the closing session, one hotel night."""
    return {
        "session": "2024-04-23",
        "trip": {
            "start_place": "Rovaniemi",
            "distance_km": 830,
            "departure": "2024-04-22T15:00",
            "return": "2024-04-23T20:30",
        },
        "free_meals": [0, 0],
        "expenses": [],
    }


def test_claim_journey_over_http(api_as):
    mentor = make_user("mentor", name="Maija Mentori")
    checker, approver = make_user("finance"), make_user("finance")
    auditor = make_user("auditor")
    as_mentor, as_checker, as_approver, as_auditor = (api_as(u) for u in (mentor, checker, approver, auditor))

    # The mentor uploads the flight and hotel receipts and creates the claim, forgetting the hotel.
    flights, hotel = as_mentor.receipt_id(), as_mentor.receipt_id(PNG_BYTES)
    body = _trip()
    body["expenses"] = [
        {"type": "public_transport", "date": "2024-04-22", "amount": "189.00", "receipt": flights},
        {"type": "public_transport", "date": "2024-04-23", "amount": "172.00", "receipt": flights},
    ]
    created = as_mentor.post("/claims", json=body)
    assert created.status_code == 201
    claim_id = created.json["id"]
    assert created.json["decision"]["total"] == "436.00"  # 51.00 + 24.00 + 361.00

    submitted = as_mentor.post(f"/claims/{claim_id}/submit", headers={"If-Match": created.headers["ETag"]})
    assert submitted.json["status"] == "submitted"

    # Finance returns it: the hotel night is missing.
    returned = as_checker.post(f"/claims/{claim_id}/return", json={"reason": "Add the hotel night."})
    assert returned.json["status"] == "returned"
    mine = as_mentor.get(f"/claims/{claim_id}").json
    assert mine["status"] == "returned" and mine["status_reason"] == "Add the hotel night."

    # The mentor fixes the claim and resubmits it.
    body["expenses"].append(
        {"type": "accommodation", "date": "2024-04-22", "nights": 1, "amount": "139.00", "receipt": hotel}
    )
    fixed = as_mentor.put(f"/claims/{claim_id}", json=body, headers={"If-Match": f'"{mine["version"]}"'})
    assert fixed.status_code == 200
    assert fixed.json["decision"]["total"] == "575.00"
    resubmitted = as_mentor.post(f"/claims/{claim_id}/submit", json={"version": fixed.json["version"]})
    assert resubmitted.json["status"] == "submitted"

    # One officer checks, the same officer may not approve, another approves and pays.
    assert as_checker.post(f"/claims/{claim_id}/check").json["status"] == "checked"
    refused = as_checker.post(f"/claims/{claim_id}/approve")
    assert refused.status_code == 403
    assert as_approver.post(f"/claims/{claim_id}/approve").json["status"] == "approved"
    assert as_mentor.put(f"/claims/{claim_id}", json=body).status_code == 409  # approved is final
    paid = as_approver.post(f"/claims/{claim_id}/pay", json={"reference": "RF71 2024 0423"})
    assert paid.json["status"] == "paid"

    # The auditor sees the claim, its whole history and the list.
    audited = as_auditor.get(f"/claims/{claim_id}")
    assert audited.status_code == 200
    assert audited.json["total"] == "575.00"
    assert audited.json["checked_by"]["id"] == checker.id
    assert audited.json["approved_by"]["id"] == approver.id
    history = [(e["action"], e["from"], e["to"], e["who"]["id"]) for e in audited.json["history"]]
    assert history == [
        ("create", None, "draft", mentor.id),
        ("submit", "draft", "submitted", mentor.id),
        ("return", "submitted", "returned", checker.id),
        ("update", "returned", "returned", mentor.id),
        ("submit", "returned", "submitted", mentor.id),
        ("check", "submitted", "checked", checker.id),
        ("approve", "checked", "approved", approver.id),
        ("pay", "approved", "paid", approver.id),
    ]
    assert audited.json["history"][2]["reason"] == "Add the hotel night."
    assert all(e["when"] for e in audited.json["history"])
    listed = as_auditor.get("/claims?status=paid&session=2024-04-23").json
    assert [(c["id"], c["status"], c["total"]) for c in listed] == [(claim_id, "paid", "575.00")]
