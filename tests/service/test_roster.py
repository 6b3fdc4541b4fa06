"""The roster service: CSV parsing (delimiters, BOM, header), all-or-nothing import, role and activation rules."""

import pytest
from flask_babel import force_locale

from expenses import roster
from expenses.extensions import db
from expenses.models import RosterEntry
from tests.factories import make_user

PROGRAMME = roster.DEFAULT_PROGRAMME


@pytest.fixture(autouse=True)
def english(app):
    """These tests read the service's messages in English (outside a request they would be Finnish)."""
    with force_locale("en"):
        yield


def test_programmes_come_from_the_calendar(app):
    assert PROGRAMME in roster.programmes()


def test_comma_file_imports_and_a_second_run_changes_nothing(app):
    data = b"email,name,role\na@example.fi,A A,mentor\nb@example.fi,B B,actor\n"
    first = roster.import_roster(data, PROGRAMME)
    db.session.commit()
    again = roster.import_roster(data, PROGRAMME)

    assert first.ok and [line.line for line in first.lines] == [2, 3]
    assert [line.outcome for line in again.lines] == ["already on the roster, unchanged"] * 2
    assert RosterEntry.query.count() == 2


def test_quoted_fields_with_the_delimiter_inside(app):
    result = roster.import_roster(
        b'email;name;role;organisation\na@example.fi;"Aalto; Aino";mentor;"X; Y"\n', PROGRAMME
    )
    assert result.ok
    entry = RosterEntry.query.one()
    assert entry.user.name == "Aalto; Aino" and entry.organisation == "X; Y"


def test_same_email_twice_is_a_bad_line(app):
    result = roster.import_roster(b"email,name,role\na@example.fi,A,mentor\nA@example.fi,A again,mentor\n", PROGRAMME)
    assert not result.ok
    assert [(e.line, "line 2" in e.outcome) for e in result.errors] == [(3, True)]


def test_staff_account_is_not_put_on_the_roster(app):
    officer = make_user("finance")
    result = roster.import_roster(f"email,name,role\n{officer.email},Officer,mentor\n".encode(), PROGRAMME)
    assert not result.ok and "staff" in result.errors[0].outcome
    assert officer.role == "finance" and RosterEntry.query.count() == 0


def test_header_without_people_is_refused(app):
    assert not roster.import_roster(b"email,name,role\n", PROGRAMME).ok


def test_unknown_programme_is_refused(app):
    with pytest.raises(roster.UserAdminError):
        roster.import_roster(b"email,name,role\na@example.fi,A,mentor\n", "no-such-programme")


def test_admin_keeps_their_own_access(app):
    admin = make_user("admin")
    with pytest.raises(roster.UserAdminError):
        roster.set_active(admin, False, admin)
    with pytest.raises(roster.UserAdminError):
        roster.set_role(admin, "auditor", admin)
    other = make_user("admin")
    roster.set_role(other, "auditor", admin)
    assert other.role == "auditor"


def test_messages_follow_the_language_in_force(app):
    data = b"email,name,role\na@example.fi,A A,mentor\n"
    roster.import_roster(data, PROGRAMME)
    db.session.commit()
    with force_locale("sv"):
        [line] = roster.import_roster(data, PROGRAMME).lines
    assert line.outcome == "redan i deltagarförteckningen, oförändrad"
