"""Programme rounds in the database: the calendar built from them, and adding or changing a round."""

from dataclasses import replace
from datetime import date, time

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from expenses.extensions import db
from expenses.models import ProgrammeChange, ProgrammeRound
from expenses.rounds import change_hash, current_calendar, save_programme
from rules import load_calendar
from rules.programme import parse_programme
from tests.factories import car_body, make_claim, make_user

NEXT = {
    "id": "hankinta-suomi-2026-2027",
    "name": {"fi": "Kierros 2026–2027", "en": "Round 2026–2027"},
    "sessions": [
        {"date": date(2026, 11, 20), "start": "13:00", "end": "16:00", "mode": "in_person", "reimbursed": True,
         "place": "Helsinki", "title": {"fi": "Aloitus"}},
        {"id": "2026-11-20-ilta", "date": date(2026, 11, 20), "start": "17:00", "end": "19:00", "mode": "remote",
         "reimbursed": False, "place": "etäyhteys", "title": {"fi": "Ilta"}, "claim_deadline": date(2027, 3, 1)},
    ],
}  # fmt: skip


@pytest.fixture(autouse=True)
def in_english(app):
    """Refusals are said in the language in force; these tests read them in English."""
    with force_locale("en"):
        yield


def programme(**changes) -> object:
    return parse_programme({**NEXT, **changes}, "next.toml")


def test_the_calendar_of_the_database_is_the_shipped_one(app):
    calendar, shipped = current_calendar(), load_calendar()
    assert calendar.sessions == shipped.sessions
    assert calendar.independent == shipped.independent


def test_a_new_round_is_in_the_calendar_at_once(app):
    admin = make_user("admin")
    before = current_calendar()
    round_, problems = save_programme(programme(), admin, "next.toml")
    db.session.commit()
    assert problems == []
    calendar = current_calendar()
    assert calendar is not before
    assert [s.id for s in calendar.sessions.values() if s.programme == round_.id] == ["2026-11-20", "2026-11-20-ilta"]
    assert calendar.get("2026-11-20").claim_deadline == date(2027, 1, 20)
    assert calendar.get("2026-11-20-ilta").claim_deadline == date(2027, 3, 1)
    assert current_calendar() is calendar  # unchanged: kept


def test_every_change_is_recorded_with_who_and_when_in_a_chain(app):
    admin = make_user("admin")
    save_programme(programme(), admin, "next.toml")
    db.session.commit()
    save_programme(programme(name={"fi": "Uusi nimi"}), admin, "next.toml")
    db.session.commit()
    changes = db.session.scalars(select(ProgrammeChange).order_by(ProgrammeChange.id)).all()
    ours = [c for c in changes if c.round_id == NEXT["id"]]
    assert [(c.action, c.actor_id) for c in ours] == [("created", admin.id), ("updated", admin.id)]
    assert ours[1].prev_hash == ours[0].hash and all(change_hash(c) == c.hash for c in ours)
    assert db.session.get(ProgrammeRound, NEXT["id"]).name_fi == "Uusi nimi"


def test_a_session_with_claims_cannot_be_removed(app):
    admin = make_user("admin")
    save_programme(programme(), admin, "next.toml")
    db.session.commit()
    make_claim(body=car_body(session="2026-11-20"))
    _, problems = save_programme(programme(sessions=NEXT["sessions"][1:]), admin, "next.toml")
    assert problems == ["Session 2026-11-20 has 1 claim and cannot be removed; cancel it instead."]


def test_a_decided_claims_session_keeps_its_time_but_may_change_its_title(app):
    admin = make_user("admin")
    session = load_calendar().get("2024-04-23")
    make_claim(status="submitted", body=car_body(session="2024-04-23"))
    shipped = load_calendar().programmes["hankinta-suomi-2023-2024"]
    later = replace(session, start=session.start.replace(hour=11))
    moved = replace(shipped, sessions=tuple(later if s.id == session.id else s for s in shipped.sessions))
    _, problems = save_programme(moved, admin, "ours.toml")
    assert problems == [
        "Session 2024-04-23 has 1 decided claim, so its start time cannot change: it was decided on what the "
        "session says now. Add a new session instead."
    ]
    db.session.rollback()
    renamed = replace(session, title={**session.title, "en": "Closing"})
    retitled = replace(shipped, sessions=tuple(renamed if s.id == session.id else s for s in shipped.sessions))
    assert save_programme(retitled, admin, "ours.toml")[1] == []
    db.session.commit()
    assert current_calendar().get("2024-04-23").title_in("en") == "Closing"
    assert current_calendar().get("2024-04-23").start.time() == time(10)


def test_a_session_id_of_another_round_is_refused(app):
    _, problems = save_programme(
        programme(sessions=[{**NEXT["sessions"][0], "id": "2023-09-22", "date": date(2023, 9, 22)}]), None, "x.toml"
    )
    assert problems == ["Session 2023-09-22 belongs to another round."]
