"""The programme calendar: its five entries, which two are reimbursed, and claim deadlines."""

from datetime import date, time

import pytest

from rules import evaluate, load_calendar
from rules.programme import HELSINKI, CalendarError, read_calendar
from tests.rules.claims import claim, codes


def test_five_entries_four_sessions_and_the_independent_meetings():
    calendar = load_calendar()
    assert list(calendar.sessions) == ["2023-09-11", "2023-09-22", "2024-01-22", "2024-04-23"]
    assert [(p.start, p.end) for p in calendar.independent] == [(date(2023, 10, 1), date(2024, 3, 31))]


def test_two_reimbursable_sessions_in_person_in_helsinki():
    sessions = load_calendar().reimbursable()
    assert [s.id for s in sessions] == ["2023-09-22", "2024-04-23"]
    assert {(s.mode, s.place) for s in sessions} == {("in_person", "Helsinki")}


def test_remote_sessions_are_not_reimbursed():
    calendar = load_calendar()
    for session_id in ("2023-09-11", "2024-01-22"):
        session = calendar.get(session_id)
        assert (session.mode, session.reimbursed) == ("remote", False)


@pytest.mark.parametrize(
    ("session_id", "start", "end", "deadline"),
    [
        ("2023-09-22", time(13), time(16), date(2023, 11, 22)),
        ("2024-04-23", time(10), time(15), date(2024, 6, 23)),
    ],
)
def test_times_and_deadlines_two_months_after(session_id, start, end, deadline):
    session = load_calendar().get(session_id)
    assert (session.start.time(), session.end.time()) == (start, end)
    assert session.start.tzinfo == HELSINKI
    assert session.claim_deadline == deadline


def test_titles_in_three_languages():
    session = load_calendar().get("2024-04-23")
    assert session.title_in("en") == "Closing meeting and reflection"
    assert session.title_in("fi") == "Päätöstapaaminen ja reflektio"
    assert session.title_in("de") == session.title_in("fi")  # unknown language falls back to Finnish


@pytest.mark.parametrize("session_id", ["2023-09-11", "2024-01-22"])
def test_claims_for_remote_sessions_are_refused(session_id):
    decision = evaluate(claim(f"{session_id}T09:00", f"{session_id}T18:00", session=session_id))
    assert codes(decision, "error") == ["session_not_reimbursable"]
    assert "remotely" in decision.findings[0].message


def test_a_date_in_the_independent_meetings_says_why():
    decision = evaluate(claim("2023-11-15T08:00", "2023-11-15T17:00", session="2023-11-15"))
    assert codes(decision, "error") == ["unknown_session"]
    assert "Independent meetings" in decision.findings[0].message


def test_a_session_id_that_is_not_a_date():
    decision = evaluate(claim(session="closing"))
    assert codes(decision, "error") == ["unknown_session"]


PROGRAMME = """
id = "next-round"
[name]
fi = "Seuraava kierros"
[[sessions]]
date = {day}
start = "{start}"
end = "{end}"
mode = "{mode}"
reimbursed = true
place = "Helsinki"
title = {{ fi = "Aloitus" }}
"""


def write_programme(directory, name="next.toml", day="2024-12-31", start="13:00", end="16:00", mode="in_person"):
    (directory / name).write_text(PROGRAMME.format(day=day, start=start, end=end, mode=mode))


def test_a_deadline_at_the_end_of_a_month_is_clamped(tmp_path):
    write_programme(tmp_path)
    assert read_calendar(tmp_path).get("2024-12-31").claim_deadline == date(2025, 2, 28)


def test_a_remote_session_is_never_reimbursed_whatever_the_file_says(tmp_path):
    write_programme(tmp_path, mode="remote")
    assert read_calendar(tmp_path).get("2024-12-31").reimbursed is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "16:00", "end": "13:00"}, "ends before it starts"),
        ({"mode": "hybrid"}, "mode must be in_person or remote"),
    ],
)
def test_a_broken_programme_file(tmp_path, kwargs, message):
    write_programme(tmp_path, **kwargs)
    with pytest.raises(CalendarError, match=message):
        read_calendar(tmp_path)


def test_the_same_date_in_two_files(tmp_path):
    write_programme(tmp_path, "a.toml")
    write_programme(tmp_path, "b.toml")
    with pytest.raises(CalendarError, match="already in another programme"):
        read_calendar(tmp_path)


def test_two_sessions_of_one_day_have_ids_of_their_own(tmp_path):
    (tmp_path / "two.toml").write_text(
        PROGRAMME.format(day="2026-11-20", start="09:00", end="11:00", mode="in_person")
        + '[[sessions]]\nid = "2026-11-20-pm"\ndate = 2026-11-20\nstart = "13:00"\nend = "16:00"\n'
        'mode = "in_person"\nreimbursed = true\nplace = "Helsinki"\ntitle = { fi = "Iltapäivä" }\n'
    )
    calendar = read_calendar(tmp_path)
    assert list(calendar.sessions) == ["2026-11-20", "2026-11-20-pm"]
    assert calendar.get("2026-11-20-pm").start.hour == 13
    assert calendar.programmes["next-round"].starts == date(2026, 11, 20)  # from the sessions when not given


@pytest.mark.parametrize("session_id", ["2026-11-21", "pm", "2026-11-20-Iltapäivä", "2026-11-20-" + "x" * 10])
def test_a_session_id_must_start_with_its_date(tmp_path, session_id):
    text = PROGRAMME.format(day="2026-11-20", start="09:00", end="11:00", mode="in_person")
    (tmp_path / "p.toml").write_text(text.replace("[[sessions]]\n", f'[[sessions]]\nid = "{session_id}"\n'))
    with pytest.raises(CalendarError, match="id must start with the session's date"):
        read_calendar(tmp_path)


def test_every_problem_of_a_file_is_told(tmp_path):
    text = PROGRAMME.format(day="2026-11-20", start="16:00", end="09:00", mode="hybrid")
    (tmp_path / "p.toml").write_text(text.replace('place = "Helsinki"\n', ""))
    with pytest.raises(CalendarError) as error:
        read_calendar(tmp_path)
    assert [p.split(": ", 2)[-1] for p in error.value.problems] == [
        "a session lacks place",
        "mode must be in_person or remote",
        "ends before it starts",
    ]


def test_a_cancelled_session_stays_in_the_calendar_unreimbursed(tmp_path):
    text = PROGRAMME.format(day="2026-11-20", start="09:00", end="11:00", mode="in_person")
    (tmp_path / "p.toml").write_text(text.replace("[[sessions]]\n", "[[sessions]]\ncancelled = true\n"))
    session = read_calendar(tmp_path).get("2026-11-20")
    assert (session.cancelled, session.reimbursed) == (True, False)
