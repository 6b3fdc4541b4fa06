"""The programme calendar: rounds of the programme with their sessions, from TOML files or the app's database.

The engine reads a `Calendar`; the service builds it from its database, and `python -m rules` from
the files (`rules/programmes/*.toml`, the shipped 2023–2024 round, or a file given with `--calendar`).
A session's id is a stable key that starts with its date ("2023-09-22", or "2026-11-20-b" when two
sessions share a day): claims keep it, and the claim reference and the yearly checks read its year.
"""

import re
import tomllib
from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROGRAMMES_DIR = Path(__file__).parent / "programmes"
HELSINKI = ZoneInfo("Europe/Helsinki")
MODES = ("in_person", "remote")
#: A session id: its date, optionally with a suffix of lower-case letters, digits and hyphens.
SESSION_ID = re.compile(r"(\d{4}-\d{2}-\d{2})(-[a-z0-9]+)*")
MAX_SESSION_ID = 20  # the length of claims.session_id
DEFAULT_DEADLINE_MONTHS = 2


class CalendarError(ValueError):
    """A programme file is missing something or contradicts itself: one message per problem."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class Session:
    """One calendar entry of a programme."""

    id: str
    programme: str
    programme_name: dict[str, str]
    date: date
    start: datetime
    end: datetime
    mode: str  # "in_person" or "remote"
    reimbursed: bool
    place: str
    title: dict[str, str]
    claim_deadline: date
    # A cancelled session stays in the calendar (its claims still name it) but is never reimbursed.
    cancelled: bool = False

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["fi"]


@dataclass(frozen=True, slots=True)
class IndependentPeriod:
    """A stretch of the programme when mentors and actors meet on their own (never reimbursed)."""

    programme: str
    start: date
    end: date
    title: dict[str, str]

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["fi"]


@dataclass(frozen=True)
class Programme:
    """One round of the programme: its names, dates, sessions and independent-meetings periods."""

    id: str
    name: dict[str, str]
    starts: date
    ends: date
    timezone: str
    claim_deadline_months: int
    sessions: tuple[Session, ...]
    independent: tuple[IndependentPeriod, ...]

    def name_in(self, lang: str) -> str:
        return self.name.get(lang) or self.name["fi"]

    def default_deadline(self, day: date) -> date:
        return months_later(day, self.claim_deadline_months)


@dataclass(frozen=True, eq=False)  # compared and hashed as itself: caches key on the calendar in force
class Calendar:
    """Every session of every programme round, by id."""

    sessions: dict[str, Session]
    independent: tuple[IndependentPeriod, ...]
    programmes: Mapping[str, Programme] = field(default_factory=dict)

    def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    def independent_period(self, day: date) -> IndependentPeriod | None:
        return next((p for p in self.independent if p.start <= day <= p.end), None)

    def reimbursable(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.reimbursed]


def months_later(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _texts(value: object, where: str, what: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict) or not isinstance(value.get("fi"), str) or not value["fi"].strip():
        problems.append(f'{where}: {what} must be a table with at least fi = "…"')
        return {"fi": ""}
    return {k: v for k, v in value.items() if isinstance(v, str) and v.strip()}


def _time(value: object, where: str, key: str, problems: list[str]) -> time | None:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    problems.append(f'{where}: {key} must be a time such as "13:00", not {value!r}')
    return None


def _session(entry: object, n: int, head: dict, tz: ZoneInfo, source: str, problems: list[str]) -> Session | None:
    where = f"{source}: session {n}"
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be a table")
        return None
    day = entry.get("date")
    if isinstance(day, date) and not isinstance(day, datetime):
        where = f"{source}: session {entry.get('id', day.isoformat())}"
    else:
        problems.append(f"{where}: date must be a date such as 2026-11-20, not {day!r}")
        day = None
    count = len(problems)
    missing = [k for k in ("start", "end", "mode", "reimbursed", "place", "title") if k not in entry]
    if missing:
        problems.append(f"{where}: a session lacks {', '.join(missing)}")
    if "mode" in entry and entry["mode"] not in MODES:
        problems.append(f"{where}: mode must be in_person or remote")
    if "reimbursed" in entry and not isinstance(entry["reimbursed"], bool):
        problems.append(f"{where}: reimbursed must be true or false")
    if "place" in entry and (not isinstance(entry["place"], str) or not entry["place"].strip()):
        problems.append(f"{where}: place must be a text")
    title = _texts(entry.get("title"), where, "title", problems) if "title" in entry else {"fi": ""}
    start = _time(entry["start"], where, "start", problems) if "start" in entry else None
    end = _time(entry["end"], where, "end", problems) if "end" in entry else None
    if start and end and end <= start:
        problems.append(f"{where}: ends before it starts")
    deadline = entry.get("claim_deadline")
    if deadline is not None and (not isinstance(deadline, date) or isinstance(deadline, datetime)):
        problems.append(f"{where}: claim_deadline must be a date")
    session_id = entry.get("id", day.isoformat() if day else "")
    if day and (
        not isinstance(session_id, str)
        or not (match := SESSION_ID.fullmatch(session_id))
        or match.group(1) != day.isoformat()
        or len(session_id) > MAX_SESSION_ID
    ):
        problems.append(
            f"{where}: id must start with the session's date and have at most {MAX_SESSION_ID} characters "
            f'of a-z, 0-9 and -, such as "{day.isoformat()}-b"'
        )
    if len(problems) > count or day is None or start is None or end is None:
        return None
    mode = entry["mode"]
    cancelled = bool(entry.get("cancelled", False))
    return Session(
        id=session_id,
        programme=head["id"],
        programme_name=head["name"],
        date=day,
        start=datetime.combine(day, start, tz),
        end=datetime.combine(day, end, tz),
        mode=mode,
        reimbursed=entry["reimbursed"] is True and mode == "in_person" and not cancelled,
        place=entry["place"].strip(),
        title=title,
        claim_deadline=deadline or months_later(day, head["claim_deadline_months"]),
        cancelled=cancelled,
    )


def _period(entry: object, n: int, programme: str, source: str, problems: list[str]) -> IndependentPeriod | None:
    where = f"{source}: independent_meetings {n}"
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be a table")
        return None
    count = len(problems)
    start, end = entry.get("from"), entry.get("to")
    for key, value in (("from", start), ("to", end)):
        if not isinstance(value, date) or isinstance(value, datetime):
            problems.append(f"{where}: {key} must be a date")
    title = _texts(entry.get("title"), where, "title", problems)
    if len(problems) == count and end < start:
        problems.append(f"{where}: ends before it starts")
    return IndependentPeriod(programme, start, end, title) if len(problems) == count else None


def parse_programme(document: dict, source: str) -> Programme:
    """A round from the content of a programme file; `CalendarError` lists every problem found."""
    problems: list[str] = []
    programme_id = document.get("id")
    if not isinstance(programme_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", programme_id):
        problems.append(f"{source}: missing id, or it is not 1–100 characters of a-z, 0-9 and -")
        programme_id = ""
    name = _texts(document.get("name"), source, "name", problems) if "name" in document else {"fi": ""}
    if "name" not in document:
        problems.append(f"{source}: missing name")
    months = document.get("claim_deadline_months", DEFAULT_DEADLINE_MONTHS)
    if not isinstance(months, int) or isinstance(months, bool) or not 0 < months <= 24:
        problems.append(f"{source}: claim_deadline_months must be a whole number of months from 1 to 24")
        months = DEFAULT_DEADLINE_MONTHS
    zone = document.get("timezone", "Europe/Helsinki")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        problems.append(f"{source}: unknown timezone {zone!r}")
        tz, zone = HELSINKI, "Europe/Helsinki"
    head = {"id": programme_id, "name": name, "claim_deadline_months": months}
    entries = document.get("sessions")
    if not isinstance(entries, list):
        problems.append(f"{source}: missing sessions")
        entries = []
    sessions = [s for n, e in enumerate(entries, 1) if (s := _session(e, n, head, tz, source, problems))]
    seen: set[str] = set()
    for session in sessions:
        if session.id in seen:
            problems.append(f"{source}: session {session.id} is twice in the file; give one of them an id")
        seen.add(session.id)
    meetings = document.get("independent_meetings", [])
    independent = [p for n, e in enumerate(meetings, 1) if (p := _period(e, n, programme_id, source, problems))]
    days = [s.date for s in sessions] + [p.start for p in independent] + [p.end for p in independent]
    starts, ends = document.get("starts", min(days, default=None)), document.get("ends", max(days, default=None))
    for key, value in (("starts", starts), ("ends", ends)):
        if key in document and (not isinstance(value, date) or isinstance(value, datetime)):
            problems.append(f"{source}: {key} must be a date")
    if not problems and (starts is None or ends is None):
        problems.append(f"{source}: give starts and ends (there are no sessions to take them from)")
    if not problems and ends < starts:
        problems.append(f"{source}: ends before it starts")
    if problems:
        raise CalendarError(problems)
    sessions.sort(key=lambda s: (s.start, s.id))
    return Programme(programme_id, name, starts, ends, zone, months, tuple(sessions), tuple(independent))


def read_programme(path: Path) -> Programme:
    try:
        with path.open("rb") as f:
            document = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise CalendarError(f"{path.name}: is not valid TOML: {e}") from None
    return parse_programme(document, path.name)


def calendar_of(programmes: Iterable[Programme]) -> Calendar:
    """One calendar of several rounds; a session id may belong to one round only."""
    sessions: dict[str, Session] = {}
    independent: list[IndependentPeriod] = []
    rounds: dict[str, Programme] = {}
    problems = []
    for programme in programmes:
        rounds[programme.id] = programme
        for session in programme.sessions:
            if session.id in sessions:
                problems.append(f"{programme.id}: session {session.id} is already in another programme")
            sessions[session.id] = session
        independent.extend(programme.independent)
    if problems:
        raise CalendarError(problems)
    return Calendar(dict(sorted(sessions.items())), tuple(independent), rounds)


def read_calendar(directory: Path) -> Calendar:
    """Read every programme file of a folder (or one file) into one calendar."""
    paths = [directory] if directory.is_file() else sorted(directory.glob("*.toml"))
    return calendar_of(read_programme(path) for path in paths)


@cache
def load_calendar(directory: Path = PROGRAMMES_DIR) -> Calendar:
    """The calendar of the programme files shipped with the engine (read once per process)."""
    return read_calendar(directory)
