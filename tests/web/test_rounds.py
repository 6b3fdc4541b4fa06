"""The admin's pages of programme rounds: create a round, add, edit, cancel and delete sessions."""

from sqlalchemy import select

from expenses.extensions import db
from expenses.models import ProgrammeChange, ProgrammeSession
from expenses.rounds import current_calendar
from tests.factories import car_body, make_claim, make_user, post_form, sign_in

ROUND = "hankinta-suomi-2026-2027"
NEW_ROUND = {
    "id": ROUND,
    "name_fi": "Hankinta-Suomen mentorointiohjelma 2026–2027",
    "name_sv": "Upphandlings-Finlands mentorprogram 2026–2027",
    "name_en": "Procurement Finland mentoring programme 2026–2027",
    "starts": "2026-09-01",
    "ends": "2027-05-31",
    "claim_deadline_months": "2",
}
SESSION = {
    "date": "2026-11-20",
    "start": "12:00",
    "end": "16:00",
    "place": "Helsinki",
    "mode": "in_person",
    "reimbursed": "y",
    "title_fi": "Aloitustapaaminen",
    "title_en": "Kick-off meeting",
}


def admin_client(client):
    admin = make_user("admin")
    sign_in(client, admin)
    return admin


def test_create_a_round_and_add_two_sessions_of_one_day(app, client):
    admin = admin_client(client)
    created = post_form(client, "/admin/rounds/", NEW_ROUND)
    assert created.status_code == 302 and created.headers["Location"].endswith(f"/admin/rounds/{ROUND}")
    assert post_form(client, f"/admin/rounds/{ROUND}/sessions", SESSION).status_code == 302
    evening = {**SESSION, "start": "17:00", "end": "19:00", "mode": "remote", "place": "Teams"}
    assert post_form(client, f"/admin/rounds/{ROUND}/sessions", evening).status_code == 302
    calendar = current_calendar()
    assert calendar.get("2026-11-20").reimbursed and calendar.get("2026-11-20").title_in("en") == "Kick-off meeting"
    assert calendar.get("2026-11-20-2").mode == "remote" and not calendar.get("2026-11-20-2").reimbursed
    actions = db.session.scalars(select(ProgrammeChange.action).where(ProgrammeChange.round_id == ROUND)).all()
    assert actions == ["created", "session_added", "session_added"]
    assert {
        c.actor_id for c in db.session.scalars(select(ProgrammeChange).where(ProgrammeChange.round_id == ROUND))
    } == {admin.id}
    page = client.get(f"/admin/rounds/{ROUND}").get_data(as_text=True)
    assert "2026-11-20-2" in page and 'id="no-rates"' not in page


def test_a_bad_session_is_told_what_to_fix(app, client):
    admin_client(client)
    post_form(client, "/admin/rounds/", NEW_ROUND)
    answer = post_form(client, f"/admin/rounds/{ROUND}/sessions", {**SESSION, "end": "11:00", "date": "20.11."})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "The session must end after it starts." in html and "Enter a date, such as 20.11.2026." in html


def test_a_year_without_rates_is_warned_of(app, client):
    admin_client(client)
    post_form(client, "/admin/rounds/", {**NEW_ROUND, "ends": "2031-05-31"})
    post_form(client, f"/admin/rounds/{ROUND}/sessions", {**SESSION, "date": "2031-03-20"})
    page = client.get(f"/admin/rounds/{ROUND}").get_data(as_text=True)
    assert 'id="no-rates"' in page and "2031" in page
    assert "No travel rates yet for 2031" in client.get("/admin/rounds/").get_data(as_text=True)


def test_a_decided_claims_session_keeps_its_time_and_cannot_be_deleted(app, client):
    admin_client(client)
    make_claim(status="submitted", body=car_body(session="2024-04-23"))
    edit = {**SESSION, "date": "2024-04-23", "start": "11:00", "end": "15:00", "title_fi": "Päätöstapaaminen"}
    answer = post_form(client, "/admin/rounds/hankinta-suomi-2023-2024/sessions/2024-04-23", edit)
    assert answer.status_code == 422
    assert "1 decided claim, so its start time cannot change" in answer.get_data(as_text=True)
    assert current_calendar().get("2024-04-23").start.hour == 10
    deleted = post_form(client, "/admin/rounds/hankinta-suomi-2023-2024/sessions/2024-04-23/delete")
    assert deleted.status_code == 422 and "cannot be removed" in deleted.get_data(as_text=True)
    assert db.session.get(ProgrammeSession, "2024-04-23") is not None


def test_a_session_without_claims_is_cancelled_or_deleted(app, client):
    admin_client(client)
    base = "/admin/rounds/hankinta-suomi-2023-2024/sessions"
    assert post_form(client, f"{base}/2023-09-11/cancel").status_code == 302
    assert current_calendar().get("2023-09-11").cancelled
    assert post_form(client, f"{base}/2023-09-11/delete").status_code == 302
    assert current_calendar().get("2023-09-11") is None


def test_the_pages_are_for_the_admin_only(app, client):
    sign_in(client, make_user("finance"))
    assert client.get("/admin/rounds/").status_code == 403
