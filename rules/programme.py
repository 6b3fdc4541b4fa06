"""The programme calendar: sessions read from `rules/programmes/*.toml`."""

import tomllib
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

PROGRAMMES_DIR = Path(__file__).parent / "programmes"
HELSINKI = ZoneInfo("Europe/Helsinki")


class CalendarError(ValueError):
    """A programme file is missing something or contradicts itself."""


@dataclass(frozen=True, slots=True)
class Session:
    """One calendar entry of a programme; its id is its date in ISO form."""

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

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["fi"]


@dataclass(frozen=True, slots=True)
class IndependentPeriod:
    """A stretch of the programme when mentors and actors meet on their own (never reimbursed)."""

    programme: str
    start: date
    end: date
    title: dict[str, str]


@dataclass(frozen=True)
class Calendar:
    """Every session of every programme file, by id."""

    sessions: dict[str, Session]
    independent: tuple[IndependentPeriod, ...]

    def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    def independent_period(self, day: date) -> IndependentPeriod | None:
        return next((p for p in self.independent if p.start <= day <= p.end), None)

    def reimbursable(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.reimbursed]


def _months_later(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _session(entry: dict, programme: dict, path: Path) -> Session:
    missing = [k for k in ("date", "start", "end", "mode", "reimbursed", "place", "title") if k not in entry]
    if missing:
        raise CalendarError(f"{path.name}: a session lacks {', '.join(missing)}")
    if entry["mode"] not in ("in_person", "remote"):
        raise CalendarError(f"{path.name}: session {entry['date']}: mode must be in_person or remote")
    day: date = entry["date"]
    tz = ZoneInfo(programme.get("timezone", "Europe/Helsinki"))
    start = datetime.combine(day, time.fromisoformat(entry["start"]), tz)
    end = datetime.combine(day, time.fromisoformat(entry["end"]), tz)
    if end <= start:
        raise CalendarError(f"{path.name}: session {day}: ends before it starts")
    deadline = entry.get("claim_deadline") or _months_later(day, programme.get("claim_deadline_months", 2))
    return Session(
        id=day.isoformat(),
        programme=programme["id"],
        programme_name=programme["name"],
        date=day,
        start=start,
        end=end,
        mode=entry["mode"],
        reimbursed=bool(entry["reimbursed"]) and entry["mode"] == "in_person",
        place=entry["place"],
        title=entry["title"],
        claim_deadline=deadline,
    )


def read_calendar(directory: Path) -> Calendar:
    """Read every programme file of a folder into one calendar."""
    sessions: dict[str, Session] = {}
    independent: list[IndependentPeriod] = []
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as f:
            programme = tomllib.load(f)
        for key in ("id", "name", "sessions"):
            if key not in programme:
                raise CalendarError(f"{path.name}: missing {key}")
        for entry in programme["sessions"]:
            session = _session(entry, programme, path)
            if session.id in sessions:
                raise CalendarError(f"{path.name}: session {session.id} is already in another programme")
            sessions[session.id] = session
        for entry in programme.get("independent_meetings", []):
            independent.append(IndependentPeriod(programme["id"], entry["from"], entry["to"], entry["title"]))
    return Calendar(dict(sorted(sessions.items())), tuple(independent))


@cache
def load_calendar(directory: Path = PROGRAMMES_DIR) -> Calendar:
    """The calendar of the programme files shipped with the engine (read once per process)."""
    return read_calendar(directory)
