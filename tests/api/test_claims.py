"""Claims over the API: preview, create, replace, submit, read and list, with every refusal."""

import json
from datetime import date

import pytest

from expenses.models import AuditEvent, Claim
from expenses.rounds import save_programme
from rules.programme import parse_programme
from tests.api.client import field_names
from tests.factories import CAR_TOTAL, car_body, make_claim, make_receipt, make_user, train_body

# --- preview -------------------------------------------------------------------------------


def test_preview_gives_the_decision_and_stores_nothing(api_as):
    answer = api_as(make_user("mentor")).post("/claims/preview", json=car_body())
    assert answer.status_code == 200
    assert answer.json["eligible"] is True
    assert answer.json["total"] == str(CAR_TOTAL)
    assert [line["kind"] for line in answer.json["lines"]] == ["per_diem_full", "mileage"]
    assert Claim.query.count() == 0
    assert AuditEvent.query.count() == 0


def test_preview_of_an_actor_is_refused_with_the_reason(api_as):
    answer = api_as(make_user("actor")).post("/claims/preview", json=car_body())
    assert answer.status_code == 403
    assert "mentors" in answer.json["error"]


@pytest.mark.parametrize("role", ["finance", "auditor", "admin"])
def test_preview_is_for_mentors(api_as, role):
    assert api_as(make_user(role)).post("/claims/preview", json=car_body()).status_code == 403


def _with_expense(expense: dict) -> dict:
    return {**car_body(), "expenses": [expense]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_with_expense({"type": "public_transport", "date": "2024-04-23", "amount": "-5.00"}), "expenses[0].amount"),
        (_with_expense({"type": "helicopter", "date": "2024-04-23", "amount": "500.00"}), "expenses[0].type"),
        (car_body(**{"return": "2024-04-23T06:00"}), "trip.return"),
        ({"trip": car_body()["trip"]}, "session"),
    ],
    ids=["negative-amount", "unknown-type", "return-before-departure", "no-session"],
)
def test_malformed_claim_is_422_naming_the_field(api_as, body, field):
    answer = api_as(make_user("mentor")).post("/claims/preview", json=body)
    assert field in field_names(answer)
    assert all(e["message"] for e in answer.json["errors"])


def test_every_problem_is_reported_at_once(api_as):
    body = car_body(**{"return": "2024-04-23T06:00"})
    body["expenses"].append({"type": "taxi", "date": "2024-04-23", "amount": "-5.00"})
    fields = field_names(api_as(make_user("mentor")).post("/claims/preview", json=body))
    assert {"trip.return", "expenses[1].amount"} <= set(fields)


def test_receipt_of_another_mentor_is_422(api_as):
    stranger = make_user("mentor")
    theirs = make_receipt(stranger)
    answer = api_as(make_user("mentor")).post("/claims/preview", json=train_body(theirs.id))
    assert field_names(answer) == ["expenses[0].receipt"]


def test_unknown_receipt_id_is_422(api_as):
    answer = api_as(make_user("mentor")).post("/claims/preview", json=train_body("no-such-receipt"))
    assert field_names(answer) == ["expenses[0].receipt"]


@pytest.mark.parametrize("data", ["{not json", "", "[1, 2]", '"a claim"', "null", "\xff\xfe"], ids=repr)
def test_body_that_is_not_a_json_object_is_422(api_as, data):
    answer = api_as(make_user("mentor")).post("/claims/preview", data=data, content_type="application/json")
    assert field_names(answer) == ["claim"]
    assert answer.json["errors"][0]["message"]


def test_json_without_content_type_is_still_read(api_as):
    answer = api_as(make_user("mentor")).post("/claims/preview", data=json.dumps(car_body()))
    assert answer.status_code == 200


def test_claimant_in_the_body_is_ignored(api_as):
    body = {**car_body(), "claimant": {"name": "Someone Else", "role": "actor"}}
    answer = api_as(make_user("mentor")).post("/claims/preview", json=body)
    assert answer.status_code == 200
    assert answer.json["eligible"] is True


def test_preview_while_editing_does_not_count_the_claim_itself_as_duplicate(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    api = api_as(mentor)
    codes = [f["code"] for f in api.post("/claims/preview", json=car_body()).json["findings"]]
    assert "duplicate_claim" in codes
    codes = [f["code"] for f in api.post(f"/claims/preview?claim={claim.id}", json=car_body()).json["findings"]]
    assert "duplicate_claim" not in codes


@pytest.mark.parametrize("claim", ["another mentor's", "no"])
def test_preview_while_editing_someone_elses_or_no_claim_is_not_found(api_as, claim):
    claim_id = make_claim(make_user("mentor")).id if claim == "another mentor's" else 999_999
    answer = api_as(make_user("mentor")).post(f"/claims/preview?claim={claim_id}", json=car_body())
    assert answer.status_code == 404
    assert answer.json["code"] == "not_found"


# --- create ----------------------------------------------------------------------------------


def test_create_gives_201_with_id_status_decision_version(api_as):
    mentor = make_user("mentor")
    answer = api_as(mentor).post("/claims", json=car_body())
    assert answer.status_code == 201
    body = answer.json
    assert body["status"] == "draft"
    assert body["decision"]["total"] == str(CAR_TOTAL)
    stored = Claim.query.filter_by(id=body["id"], mentor_id=mentor.id).one()
    assert stored.status == "draft"
    assert body["version"] == stored.version
    assert answer.headers["ETag"] == f'"{stored.version}"'
    assert answer.headers["Location"].endswith(f"/api/v1/claims/{body['id']}")
    assert body["claim"]["session"] == "2024-04-23"
    assert "claimant" not in body["claim"]


def test_second_claim_for_the_same_session_is_409_duplicate(api_as):
    api = api_as(make_user("mentor"))
    assert api.post("/claims", json=car_body()).status_code == 201
    answer = api.post("/claims", json=car_body())
    assert answer.status_code == 409
    assert [f["code"] for f in answer.json["findings"]] == ["duplicate_claim"]
    assert Claim.query.count() == 1


def test_amounts_with_a_decimal_comma_are_read_as_in_the_form(api_as):
    mentor = make_user("mentor")
    body = train_body(make_receipt(mentor).id)
    body["trip"]["distance_km"] = "607,0"
    body["expenses"][0]["amount"] = "160,5"
    body["expenses"].append({"type": "own_car", "date": body["session"], "km": "12,5"})
    answer = api_as(mentor).post("/claims", json=body)
    assert answer.status_code == 201
    stored = Claim.query.one().body
    assert stored["trip"]["distance_km"] == "607.0"
    assert [e.get("amount") or e.get("km") for e in stored["expenses"]] == ["160.5", "12.5"]


@pytest.mark.parametrize("amount", ["1,234.50", "12,50,1", "12;50"])
def test_an_amount_that_is_no_number_either_way_is_422_naming_it(api_as, amount):
    answer = api_as(make_user("mentor")).post("/claims/preview", json=_with_expense(
        {"type": "taxi", "date": "2024-04-23", "amount": amount}
    ))
    assert field_names(answer) == ["expenses[0].amount"]


def test_malformed_create_stores_nothing(api_as):
    answer = api_as(make_user("mentor")).post("/claims", json=car_body(**{"return": "2024-04-22T06:00"}))
    assert "trip.return" in field_names(answer)
    assert Claim.query.count() == 0


@pytest.mark.parametrize("role", ["actor", "finance", "auditor", "admin"])
def test_only_mentors_create(api_as, role):
    assert api_as(make_user(role)).post("/claims", json=car_body()).status_code == 403
    assert Claim.query.count() == 0


def test_create_needs_a_token(api_as):
    assert api_as(None).post("/claims", json=car_body()).status_code == 401


# --- replace (PUT) -------------------------------------------------------------------------------


def test_mentor_replaces_a_draft_body(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    version = claim.version
    body = car_body()
    body["expenses"][0]["passengers"] = 0
    answer = api_as(mentor).put(f"/claims/{claim.id}", json=body)
    assert answer.status_code == 200
    assert answer.json["claim"]["expenses"][0]["passengers"] == 0
    assert answer.json["decision"]["total"] == "253.92"  # 51.00 + 356 km × 0.57
    assert answer.json["version"] == version + 1
    assert [e["action"] for e in answer.json["history"]] == ["create", "update"]


def test_put_with_current_if_match_is_accepted_and_stale_one_is_409(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    api = api_as(mentor)
    current = f'"{claim.version}"'
    first = api.put(f"/claims/{claim.id}", json=car_body(), headers={"If-Match": current})
    assert first.status_code == 200
    stale = api.put(f"/claims/{claim.id}", json=car_body(), headers={"If-Match": current})
    assert stale.status_code == 409
    assert stale.json["code"] == "changed"


def test_if_match_that_is_not_a_version_is_422(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    answer = api_as(mentor).put(f"/claims/{claim.id}", json=car_body(), headers={"If-Match": "yesterday"})
    assert field_names(answer) == ["If-Match"]


def test_put_with_malformed_body_keeps_the_old_one(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    answer = api_as(mentor).put(f"/claims/{claim.id}", json={"session": "2024-04-23"})
    assert "trip" in field_names(answer)
    assert api_as(mentor).get(f"/claims/{claim.id}").json["claim"] == car_body()


def test_put_on_submitted_claim_is_409(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "submitted")
    answer = api_as(mentor).put(f"/claims/{claim.id}", json=car_body())
    assert answer.status_code == 409
    assert answer.json["code"] == "wrong_state"


def test_put_on_another_mentors_claim_is_404(api_as):
    claim = make_claim(make_user("mentor"))
    assert api_as(make_user("mentor")).put(f"/claims/{claim.id}", json=car_body()).status_code == 404


def test_finance_cannot_put(api_as):
    claim = make_claim(make_user("mentor"))
    assert api_as(make_user("finance")).put(f"/claims/{claim.id}", json=car_body()).status_code == 403


# --- submit ----------------------------------------------------------------------------------


def test_mentor_submits(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    answer = api_as(mentor).post(f"/claims/{claim.id}/submit")
    assert answer.status_code == 200
    assert answer.json["status"] == "submitted"
    assert answer.json["submitted_at"]
    assert answer.json["history"][-1] | {"when": None, "details": None} == {
        "action": "submit",
        "who": {"id": mentor.id, "name": mentor.name, "role": "mentor"},
        "when": None,
        "from": "draft",
        "to": "submitted",
        "reason": None,
        "details": None,
    }


def test_ineligible_claim_cannot_be_submitted_409_with_findings(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor, body=train_body(receipt_id=None))
    answer = api_as(mentor).post(f"/claims/{claim.id}/submit")
    assert answer.status_code == 409
    assert answer.json["code"] == "ineligible"
    assert "receipt_missing" in [f["code"] for f in answer.json["findings"]]
    # What blocks it, not warnings about a claim that was sent (this one would be late_claim).
    assert {f["severity"] for f in answer.json["findings"]} == {"error"}
    assert api_as(mentor).get(f"/claims/{claim.id}").json["status"] == "draft"


def test_submit_with_version_in_body(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    api = api_as(mentor)
    assert api.post(f"/claims/{claim.id}/submit", json={"version": claim.version + 5}).json["code"] == "changed"
    assert api.post(f"/claims/{claim.id}/submit", json={"version": claim.version}).status_code == 200


def test_submit_twice_is_409(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "submitted")
    assert api_as(mentor).post(f"/claims/{claim.id}/submit").status_code == 409


def test_submit_another_mentors_claim_is_404(api_as):
    claim = make_claim(make_user("mentor"))
    assert api_as(make_user("mentor")).post(f"/claims/{claim.id}/submit").status_code == 404


# --- read and list -----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("finance", "submitted"), ("auditor", "approved")])
def test_finance_reads_any_claim_and_auditors_approved_ones(api_as, role, status):
    claim = make_claim(status=status)
    answer = api_as(make_user(role)).get(f"/claims/{claim.id}")
    assert answer.status_code == 200
    assert answer.json["id"] == claim.id
    assert answer.json["status"] == status
    assert answer.json["decision"]["total"] == str(CAR_TOTAL)
    assert answer.headers["ETag"] == f'"{answer.json["version"]}"'
    assert [e["action"] for e in answer.json["history"]][:2] == ["create", "submit"]


def test_auditors_do_not_read_open_claims(api_as):
    """Issue 17, defect 9: an auditor read a submitted claim whole, start place and all."""
    auditor = api_as(make_user("auditor"))
    claim = make_claim(status="submitted")
    answer = auditor.get(f"/claims/{claim.id}")
    assert answer.status_code == 404 and "Tampere" not in answer.get_data(as_text=True)
    assert auditor.get("/claims").json == []


def test_mentor_reads_own_claim_but_not_anothers(api_as):
    mentor, other = make_user("mentor"), make_user("mentor")
    claim = make_claim(mentor)
    assert api_as(mentor).get(f"/claims/{claim.id}").status_code == 200
    answer = api_as(other).get(f"/claims/{claim.id}")
    assert answer.status_code == 404
    assert answer.json["error"]


@pytest.mark.parametrize("role", ["actor", "admin"])
def test_actors_and_admins_read_no_claims(api_as, role):
    claim = make_claim()
    api = api_as(make_user(role))
    assert api.get(f"/claims/{claim.id}").status_code == 403
    assert api.get("/claims").status_code == 403


def test_missing_claim_is_404(api_as):
    assert api_as(make_user("finance")).get("/claims/999999").status_code == 404


def test_mentor_lists_only_own_claims(api_as):
    mentor = make_user("mentor")
    mine = make_claim(mentor)
    make_claim(make_user("mentor"))
    listed = api_as(mentor).get("/claims").json
    assert [c["id"] for c in listed] == [mine.id]
    assert listed[0]["total"] == str(CAR_TOTAL)
    assert listed[0]["mentor"]["id"] == mentor.id


def test_finance_lists_all_filtered(api_as):
    draft = make_claim(make_user("mentor"))
    submitted = make_claim(make_user("mentor"), "submitted")
    traveller = make_user("mentor")
    kickoff = make_claim(traveller, "checked", body=train_body(make_receipt(traveller).id))
    api = api_as(make_user("finance"))
    assert [c["id"] for c in api.get("/claims").json] == [draft.id, submitted.id, kickoff.id]
    assert [c["id"] for c in api.get("/claims?status=submitted&session=2024-04-23").json] == [submitted.id]
    assert [c["id"] for c in api.get("/claims?status=draft").json] == [draft.id]
    assert [c["id"] for c in api.get("/claims?status=draft&status=checked").json] == [draft.id, kickoff.id]
    assert [c["id"] for c in api.get("/claims?session=2023-09-22").json] == [kickoff.id]


def test_auditors_list_approved_and_paid_claims_filtered(api_as):
    open_ones = [make_claim(make_user("mentor"), status) for status in ("draft", "submitted", "checked", "rejected")]
    approved = make_claim(make_user("mentor"), "approved")
    traveller = make_user("mentor")
    paid = make_claim(traveller, "paid", body=train_body(make_receipt(traveller).id))
    api = api_as(make_user("auditor"))
    assert [c["id"] for c in api.get("/claims").json] == [approved.id, paid.id]
    assert [c["id"] for c in api.get("/claims?status=paid&status=draft").json] == [paid.id]
    assert [c["id"] for c in api.get("/claims?session=2024-04-23").json] == [approved.id]
    assert api.get("/claims?status=draft&status=submitted").json == [] and open_ones


def test_unknown_status_filter_is_422(api_as):
    assert field_names(api_as(make_user("finance")).get("/claims?status=lost")) == ["status"]


def test_the_list_filters_by_a_days_second_session_and_refuses_what_is_no_session_id(api_as, app):
    newer = {
        "id": "hankinta-suomi-2026-2027",
        "name": {"fi": "Kierros 2026–2027"},
        "sessions": [
            {"date": date(2026, 11, 20), "start": "09:00", "end": "12:00", "mode": "in_person", "reimbursed": True,
             "place": "Helsinki", "title": {"fi": "Aamu"}},
            {"id": "2026-11-20-2", "date": date(2026, 11, 20), "start": "13:00", "end": "16:00", "mode": "in_person",
             "reimbursed": True, "place": "Helsinki", "title": {"fi": "Iltapäivä"}},
        ],
    }  # fmt: skip
    assert save_programme(parse_programme(newer, "newer.toml"), make_user("admin"), "newer.toml")[1] == []
    morning = make_claim(make_user("mentor"), "submitted", car_body("2026-11-20"))
    afternoon = make_claim(make_user("mentor"), "submitted", {**car_body("2026-11-20"), "session": "2026-11-20-2"})
    api = api_as(make_user("finance"))
    assert [c["id"] for c in api.get("/claims?session=2026-11-20-2").json] == [afternoon.id]
    assert [c["id"] for c in api.get("/claims?session=2026-11-20").json] == [morning.id]
    for wrong in ("", "2026-02-30", "1899-12-31", "2026-11-20-", "2026-11-20-X", "2026-11-20-" + "a" * 10, "next"):
        answer = api.get("/claims", query_string={"session": wrong})
        assert answer.status_code == 422 and field_names(answer) == ["session"], wrong


# --- the sleeping berth (R15c) ---------------------------------------------------------------


def _night_train_body(receipt_id: str, berth: object) -> dict:
    """Rovaniemi by night train to the closing session, asking for the night travel allowance of the night."""
    ticket = {"type": "public_transport", "date": "2024-04-22", "description": "Night train", "amount": "89.00"}
    return {
        "session": "2024-04-23",
        "trip": {
            "start_place": "Rovaniemi",
            "distance_km": 830,
            "departure": "2024-04-22T19:00",
            "return": "2024-04-23T20:30",
        },
        "expenses": [
            {**ticket, "receipt": receipt_id, "sleeping_berth": berth},
            {"type": "night_travel", "date": "2024-04-22"},
        ],
    }


def test_a_sleeping_berth_refuses_the_night_travel_allowance_and_is_kept(api_as):
    api = api_as(make_user("mentor"))
    without = api.post("/claims/preview", json=_night_train_body(api.receipt_id(), False)).json
    assert "night_travel_allowance" in [line["kind"] for line in without["lines"]]
    answer = api.post("/claims", json=_night_train_body(api.receipt_id(), True))
    assert answer.status_code == 201
    decision = answer.json["decision"]
    assert "night_travel_allowance" not in [line["kind"] for line in decision["lines"]]
    (finding,) = [f for f in decision["findings"] if f["code"] == "night_travel_not_payable"]
    assert finding["expense"] == 1 and "sleeping berth" in finding["message"]
    assert answer.json["claim"]["expenses"][0]["sleeping_berth"] is True
    assert api.get(f"/claims/{answer.json['id']}").json["claim"]["expenses"][0]["sleeping_berth"] is True


def test_a_sleeping_berth_that_is_not_a_boolean_is_422(api_as):
    api = api_as(make_user("mentor"))
    answer = api.post("/claims/preview", json=_night_train_body(api.receipt_id(), "yes"))
    assert answer.status_code == 422
    assert field_names(answer) == ["expenses[0].sleeping_berth"]
