"""Programme files: `flask programmes import` and `export`, with the round's roster, all or nothing."""

import tomllib

from sqlalchemy import func, select

from expenses.extensions import db
from expenses.models import ProgrammeRound, RosterEntry, User
from expenses.programme_files import export_programme
from expenses.rounds import current_calendar
from rules.programme import PROGRAMMES_DIR
from tests.factories import make_user

ROUND = """
id = "hankinta-suomi-2026-2027"
starts = 2026-09-01
ends = 2027-05-31
claim_deadline_months = 3

[name]
fi = "Hankinta-Suomen mentorointiohjelma 2026–2027"
sv = "Upphandlings-Finlands mentorprogram 2026–2027"
en = "Procurement Finland mentoring programme 2026–2027"

[[sessions]]
date = 2026-11-20
start = "12:00"
end = "16:00"
mode = "in_person"
reimbursed = true
place = "Helsinki"
title = { fi = "Aloitustapaaminen", sv = "Startmöte", en = "Kick-off meeting" }

[[roster]]
email = "Maija.Mentor@Example.fi"
name = "Maija Mentor"
role = "mentor"
organisation = "Tampereen kaupunki"

[[roster]]
email = "aino@example.fi"
name = "Aino Aktori"
role = "actor"
"""


def run_import(runner, tmp_path, text: str, by: str):
    path = tmp_path / "round.toml"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["programmes", "import", str(path), "--by", by])


def test_import_adds_the_round_its_sessions_and_roster(app, runner, tmp_path):
    admin = make_user("admin")
    result = run_import(runner, tmp_path, ROUND, admin.email)
    assert result.exit_code == 0, result.output
    session = current_calendar().get("2026-11-20")
    assert (session.programme, session.title_in("sv"), session.claim_deadline.isoformat()) == (
        "hankinta-suomi-2026-2027", "Startmöte", "2027-02-20"
    )  # fmt: skip
    people = {e.user.email: (e.role, e.organisation) for e in db.session.scalars(select(RosterEntry))}
    assert people == {"maija.mentor@example.fi": ("mentor", "Tampereen kaupunki"), "aino@example.fi": ("actor", "")}


def test_export_writes_back_what_was_imported(app, runner, tmp_path):
    admin = make_user("admin")
    assert run_import(runner, tmp_path, ROUND, admin.email).exit_code == 0
    exported = runner.invoke(args=["programmes", "export", "hankinta-suomi-2026-2027"])
    assert exported.exit_code == 0
    again, original = tomllib.loads(exported.output), tomllib.loads(ROUND)
    original["roster"][0]["email"] = "maija.mentor@example.fi"
    assert again["roster"] == sorted(original["roster"], key=lambda e: e["name"])
    assert again["sessions"][0] | {"id": "x"} == original["sessions"][0] | {"id": "x"}
    keys = ("id", "name", "starts", "ends", "claim_deadline_months")
    assert {k: again[k] for k in keys} == {k: original[k] for k in keys}
    # Importing the export changes nothing but records that it was imported.
    assert run_import(runner, tmp_path, exported.output, admin.email).exit_code == 0


def test_the_shipped_round_exports_as_its_file_says(app):
    shipped = tomllib.loads((PROGRAMMES_DIR / "hankinta-suomi-2023-2024.toml").read_text())
    exported = tomllib.loads(export_programme("hankinta-suomi-2023-2024"))
    assert [s["date"] for s in exported["sessions"]] == [s["date"] for s in shipped["sessions"]]
    assert exported["independent_meetings"][0]["from"] == shipped["independent_meetings"][0]["from"]


def test_a_bad_file_gets_one_message_per_problem_and_nothing_is_saved(app, runner, tmp_path):
    admin = make_user("admin")
    bad = ROUND.replace('mode = "in_person"', 'mode = "hybrid"').replace('role = "actor"', 'role = "boss"')
    bad = bad.replace('email = "aino@example.fi"', 'email = "not an address"')
    result = run_import(runner, tmp_path, bad, admin.email)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "round.toml: session 2026-11-20: mode must be in_person or remote",
        "round.toml: roster 2 (not an address): 'not an address' is not an e-mail address; "
        "the role must be mentor or actor, not 'boss'",
    ]
    assert db.session.get(ProgrammeRound, "hankinta-suomi-2026-2027") is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_staff_account_on_the_roster_refuses_the_whole_file(app, runner, tmp_path):
    admin = make_user("admin")
    finance = make_user("finance", email="aino@example.fi")
    result = run_import(runner, tmp_path, ROUND, admin.email)
    assert result.exit_code == 1
    assert "aino@example.fi is a finance account; staff cannot be on the roster." in result.output
    assert db.session.get(ProgrammeRound, "hankinta-suomi-2026-2027") is None
    assert finance.role == "finance"


def test_import_needs_an_admin(app, runner, tmp_path):
    mentor = make_user("mentor")
    result = run_import(runner, tmp_path, ROUND, mentor.email)
    assert result.exit_code == 1 and "is not an admin" in result.output


def test_export_of_an_unknown_round(app, runner):
    result = runner.invoke(args=["programmes", "export", "no-such-round"])
    assert result.exit_code == 1 and "There is no round no-such-round." in result.output
