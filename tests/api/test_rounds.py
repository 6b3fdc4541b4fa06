"""/api/v1/rounds: the admin's programme rounds and sessions, refused as the admin pages refuse them."""

import pytest
from sqlalchemy import select

from expenses.extensions import db
from expenses.models import ProgrammeChange, ProgrammeSession
from expenses.rounds import current_calendar
from tests.api.client import field_names
from tests.factories import car_body, make_claim, make_user

SHIPPED = "hankinta-suomi-2023-2024"
ROUND = "hankinta-suomi-2026-2027"
NEW_ROUND = {
    "id": ROUND,
    "name": {"fi": "Hankinta-Suomen mentorointiohjelma 2026–2027", "en": "Procurement Finland 2026–2027"},
    "starts": "2026-09-01",
    "ends": "2027-05-31",
    "claim_deadline_months": 2,
}
SESSION = {
    "date": "2026-11-20",
    "start": "12:00",
    "end": "16:00",
    "place": "Helsinki",
    "mode": "in_person",
    "title": {"fi": "Aloitustapaaminen", "en": "Kick-off meeting"},
}


@pytest.fixture
def admin(app):
    return make_user("admin")


@pytest.fixture
def api(api_as, admin):
    return api_as(admin)


def trail(round_id: str) -> list[tuple[str, int | None]]:
    changes = db.session.scalars(
        select(ProgrammeChange).where(ProgrammeChange.round_id == round_id).order_by(ProgrammeChange.id)
    )
    return [(c.action, c.actor_id) for c in changes]


def test_create_a_round_and_two_sessions_of_one_day(api, admin):
    created = api.post("/rounds", json=NEW_ROUND)
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith(f"/api/v1/rounds/{ROUND}")
    assert created.json["name"]["en"] == "Procurement Finland 2026–2027" and created.json["sessions"] == []
    assert created.json["starts"] == "2026-09-01"
    added = api.post(f"/rounds/{ROUND}/sessions", json=SESSION)
    assert added.status_code == 201, added.json
    assert added.headers["Location"].endswith(f"/rounds/{ROUND}/sessions/2026-11-20")
    evening = {**SESSION, "start": "17:00", "end": "19:00", "mode": "remote", "place": "Teams"}
    second = api.post(f"/rounds/{ROUND}/sessions", json=evening)
    assert second.status_code == 201 and second.headers["Location"].endswith("/sessions/2026-11-20-2")
    calendar = current_calendar()
    assert calendar.get("2026-11-20").reimbursed and calendar.get("2026-11-20").title_in("en") == "Kick-off meeting"
    assert calendar.get("2026-11-20-2").mode == "remote" and not calendar.get("2026-11-20-2").reimbursed
    assert trail(ROUND) == [("created", admin.id), ("session_added", admin.id), ("session_added", admin.id)]
    one = api.get(f"/rounds/{ROUND}/sessions/2026-11-20-2")
    assert one.status_code == 200 and one.json["place"] == "Teams" and one.json["claims"] == 0
    assert [r["id"] for r in api.get("/rounds").json] == [ROUND, SHIPPED]


def test_a_round_with_its_sessions_and_independent_period(api):
    answer = api.get(f"/rounds/{SHIPPED}")
    assert answer.status_code == 200
    assert answer.headers["ETag"] == f'"{answer.json["revision"]}"'
    assert "2023-09-22" in [s["id"] for s in answer.json["sessions"]]
    assert answer.json["independent_meetings"][0]["from"]


def test_a_decided_claims_session_keeps_its_time_and_cannot_be_deleted(api):
    make_claim(status="submitted", body=car_body(session="2024-04-23"))
    base = f"/rounds/{SHIPPED}/sessions/2024-04-23"
    before = api.get(base).json
    assert before["claims"] == 1
    edit = {**SESSION, "date": "2024-04-23", "start": "11:00", "end": "15:00", "place": before["place"]}
    changed = api.put(base, json=edit)
    assert changed.status_code == 409 and changed.json["code"] == "refused"
    assert "decided claim" in changed.json["error"] and "start time" in changed.json["error"]
    deleted = api.request("DELETE", base)
    assert deleted.status_code == 409 and "cannot be removed" in deleted.json["error"]
    assert db.session.get(ProgrammeSession, "2024-04-23").start_time.strftime("%H:%M") == before["start"]


def test_a_session_without_claims_is_updated_cancelled_and_deleted(api, admin):
    api.post("/rounds", json=NEW_ROUND)
    api.post(f"/rounds/{ROUND}/sessions", json=SESSION)
    base = f"/rounds/{ROUND}/sessions/2026-11-20"
    updated = api.put(base, json={**SESSION, "place": "Tampere", "reimbursed": False})
    assert updated.status_code == 200, updated.json
    assert updated.json["sessions"][0]["place"] == "Tampere" and updated.json["sessions"][0]["reimbursed"] is False
    cancelled = api.post(f"{base}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["sessions"][0]["cancelled"] is True
    deleted = api.request("DELETE", base)
    assert deleted.status_code == 200 and deleted.json["sessions"] == []
    assert [a for a, who in trail(ROUND) if who == admin.id] == [
        "created",
        "session_added",
        "session_changed",
        "session_cancelled",
        "session_deleted",
    ]


def test_a_stale_version_is_refused(api):
    revision = api.get(f"/rounds/{SHIPPED}").json["revision"]
    stale = api.post(f"/rounds/{SHIPPED}/sessions", json=SESSION, headers={"If-Match": f'"{revision - 1}"'})
    assert stale.status_code == 409 and stale.json["code"] == "changed"
    fresh = api.post(f"/rounds/{SHIPPED}/sessions", json={**SESSION, "version": revision})
    assert fresh.status_code == 201, fresh.json


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**SESSION, "end": "11:00", "date": "20.11."}, ["date", "end"]),
        ({**SESSION, "title": {"fi": "Ala\x00tus"}}, ["title.fi"]),
        ({**SESSION, "place": "x" * 201}, ["place"]),
        ({**SESSION, "place": "Helsinki\nTampere"}, ["place"]),
        ({**SESSION, "reimbursed": "yes"}, ["reimbursed"]),
        ({**SESSION, "title": ["Aloitus"]}, ["title"]),
        ({**SESSION, "title": {"de": "Anfang"}}, ["title"]),
        ({**SESSION, "mode": "hybrid"}, ["mode"]),
        ({**SESSION, "colour": "red"}, ["colour"]),
        ({**SESSION, "date": 20261120}, ["date"]),
    ],
)
def test_a_bad_session_is_422_naming_the_field(api, body, fields):
    assert sorted(field_names(api.post(f"/rounds/{SHIPPED}/sessions", json=body))) == sorted(fields)


def test_a_bad_round_is_422_and_a_taken_id_409(api):
    bad = api.post("/rounds", json={**NEW_ROUND, "id": "Ä round", "ends": "2026-01-01", "claim_deadline_months": "2"})
    assert sorted(field_names(bad)) == ["claim_deadline_months", "ends", "id"]
    assert field_names(api.post("/rounds", data=b"[1]")) == ["body"]
    taken = api.post("/rounds", json={**NEW_ROUND, "id": SHIPPED})
    assert taken.status_code == 409 and SHIPPED in taken.json["error"]


def test_unknown_round_or_session_is_404(api):
    assert api.get("/rounds/no-such-round").status_code == 404
    assert api.put("/rounds/no-such-round/sessions/2023-09-22", json=SESSION).status_code == 404
    api.post("/rounds", json=NEW_ROUND)
    # a session of another round is not found under this one
    assert api.request("DELETE", f"/rounds/{ROUND}/sessions/2023-09-22").status_code == 404


@pytest.mark.parametrize("role", ["mentor", "actor", "finance", "auditor"])
def test_only_the_admin(api_as, role):
    other = api_as(make_user(role))
    answer = other.post("/rounds", json=NEW_ROUND)
    assert answer.status_code == 403 and "admin" in answer.json["error"]
    assert other.get("/rounds").status_code == 403
    assert other.request("DELETE", f"/rounds/{SHIPPED}/sessions/2023-09-11").status_code == 403


def test_the_round_and_its_independent_period_are_changed(api, admin):
    api.post("/rounds", json=NEW_ROUND)
    renamed = api.put(f"/rounds/{ROUND}", json={**NEW_ROUND, "id": None, "ends": "2027-06-30"} | {"id": None})
    assert renamed.status_code == 422  # id is not a field of a change
    body = {k: v for k, v in NEW_ROUND.items() if k != "id"}
    changed = api.put(f"/rounds/{ROUND}", json={**body, "ends": "2027-06-30"})
    assert changed.status_code == 200 and changed.json["ends"] == "2027-06-30"
    period = {"from": "2026-10-01", "to": "2027-03-31", "title": {"fi": "Itsenäiset tapaamiset"}}
    bad = api.put(f"/rounds/{ROUND}/independent", json={**period, "to": "2026-09-01"})
    assert field_names(bad) == ["to"]
    assert field_names(api.put(f"/rounds/{ROUND}/independent", json={**period, "from": 1})) == ["from"]
    answer = api.put(f"/rounds/{ROUND}/independent", json=period)
    assert answer.status_code == 200, answer.json
    assert answer.json["independent_meetings"] == [{**period, "title": {"fi": "Itsenäiset tapaamiset"}}]
    assert [a for a, _who in trail(ROUND)][-2:] == ["round_changed", "independent_changed"]
