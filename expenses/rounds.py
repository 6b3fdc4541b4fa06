"""Programme rounds in the database: the calendar the engine reads, and adding or changing a round.

The engine (rules.programme) reads a `Calendar`; this module builds it from the rounds' rows through
the same document a programme file holds, so that a file, the database and `programmes export` say
the same thing and are checked by the same code. Building it takes three queries, so the calendar is
kept per process under a key that every change of a round moves (`_key`: one small query), and for
the rest of a request on `g`.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, time
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from expenses.extensions import db
from expenses.models import (
    ACTIVE_STATUSES,
    Claim,
    IndependentMeetings,
    ProgrammeChange,
    ProgrammeRound,
    ProgrammeSession,
    RosterEntry,
    User,
    utcnow,
)
from rules.i18n import LANGUAGES
from rules.programme import (
    PROGRAMMES_DIR,
    Calendar,
    CalendarError,
    Programme,
    Session,
    calendar_of,
    parse_programme,
    read_programme,
)

GENESIS = "0" * 64
#: Claims whose decision finance has seen or made: a change of their session's time, mode or
#: reimbursement would make the session say something other than what they were decided on.
DECIDED_STATUSES = ("submitted", "checked", "approved", "paid", "rejected")
_CACHE = "expenses.calendar"


def _texts(row: object, prefix: str) -> dict[str, str]:
    return {lang: value for lang in LANGUAGES if (value := getattr(row, f"{prefix}_{lang}"))}


def _time(value: time) -> str:
    return value.strftime("%H:%M")


def document_of(round_: ProgrammeRound) -> dict[str, Any]:
    """The round as a programme file says it (without its roster): what the calendar and export read."""
    document: dict[str, Any] = {
        "id": round_.id,
        "timezone": round_.timezone,
        "starts": round_.starts,
        "ends": round_.ends,
        "claim_deadline_months": round_.claim_deadline_months,
        "name": _texts(round_, "name"),
        "sessions": [],
    }
    for s in round_.sessions:
        entry: dict[str, Any] = {
            "id": s.id,
            "date": s.day,
            "start": _time(s.start_time),
            "end": _time(s.end_time),
            "mode": s.mode,
            "reimbursed": s.reimbursed,
            "place": s.place,
            "title": _texts(s, "title"),
        }
        if s.claim_deadline is not None:
            entry["claim_deadline"] = s.claim_deadline
        if s.cancelled:
            entry["cancelled"] = True
        document["sessions"].append(entry)
    if round_.independent:
        document["independent_meetings"] = [
            {"from": p.starts, "to": p.ends, "title": _texts(p, "title")} for p in round_.independent
        ]
    return document


_rounds = ProgrammeRound.__table__
# Built once and run on the session's connection: nearly every request asks it (README, "Performance").
_KEY = select(func.count(), func.sum(_rounds.c.revision), func.max(_rounds.c.updated_at))


def _key() -> tuple:
    """Moves with every change of any round (revision is bumped, updated_at set), and differs between databases."""
    return tuple(db.session.connection().execute(_KEY).one())


def _build() -> Calendar:
    rounds = db.session.scalars(
        select(ProgrammeRound)
        .options(selectinload(ProgrammeRound.sessions), selectinload(ProgrammeRound.independent))
        .order_by(ProgrammeRound.starts, ProgrammeRound.id)
    )
    return calendar_of(parse_programme(document_of(r), r.id) for r in rounds)


def current_calendar() -> Calendar:
    """The calendar of every round in the database, as the engine reads it."""
    if has_request_context() and "calendar" in g:
        return g.calendar
    key = _key()
    cached = current_app.extensions.get(_CACHE)
    if cached is None or cached[0] != key:
        cached = current_app.extensions[_CACHE] = (key, _build())
    if has_request_context():
        g.calendar = cached[1]
    return cached[1]


def _forget() -> None:
    """After a change in this request: the next `current_calendar` reads the database again."""
    if has_request_context():
        g.pop("calendar", None)


def record_change(round_: ProgrammeRound, actor: User | None, action: str, **details: Any) -> None:
    """Add a change of the round to its hash-chained trail, in the open transaction.

    Two changes of one round cannot both commit (each bumps the round's revision), so its chain never forks.
    """
    db.session.flush()
    prev = db.session.scalar(
        select(ProgrammeChange.hash)
        .where(ProgrammeChange.round_id == round_.id)
        .order_by(ProgrammeChange.id.desc())
        .limit(1)
    )
    change = ProgrammeChange(
        round_id=round_.id,
        actor_id=actor.id if actor else None,
        at=utcnow(),
        action=action,
        details=json.loads(json.dumps(details or None, default=str)),
        prev_hash=prev or GENESIS,
    )
    change.hash = change_hash(change)
    db.session.add(change)
    round_.updated_at = utcnow()  # moves the calendar's key and bumps the revision
    _forget()


def change_hash(change: ProgrammeChange) -> str:
    content = {
        "prev": change.prev_hash,
        "round": change.round_id,
        "actor": change.actor_id,
        "at": change.at.isoformat(timespec="microseconds"),
        "action": change.action,
        "details": change.details,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def claims_per_session(session_ids: list[str], statuses: tuple[str, ...] = ACTIVE_STATUSES) -> dict[str, int]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Claim.session_id, func.count())
        .where(Claim.session_id.in_(session_ids), Claim.status.in_((*statuses, "rejected")))
        .group_by(Claim.session_id)
    )
    return dict(rows.all())


def _decided(session_ids: list[str]) -> dict[str, int]:
    return claims_per_session(session_ids, DECIDED_STATUSES)


#: What a session says that a decided claim was decided on, and how to name it in a refusal.
DECIDING_FIELDS = {
    "day": _l("date"),
    "start_time": _l("start time"),
    "end_time": _l("end time"),
    "mode": _l("mode (in person or remote)"),
    "reimbursed": _l("reimbursement"),
    "cancelled": _l("cancellation"),
}


def _session_values(session: Session, programme: Programme) -> dict[str, Any]:
    """A rules Session as the columns of a ProgrammeSession."""
    own = session.claim_deadline if session.claim_deadline != programme.default_deadline(session.date) else None
    return {
        "day": session.date,
        "start_time": session.start.time().replace(tzinfo=None),
        "end_time": session.end.time().replace(tzinfo=None),
        "mode": session.mode,
        "reimbursed": session.reimbursed,  # false for a remote or cancelled session, whatever a file says
        "place": session.place,
        "title_fi": session.title.get("fi", ""),
        "title_sv": session.title.get("sv", ""),
        "title_en": session.title.get("en", ""),
        "claim_deadline": own,
        "cancelled": session.cancelled,
    }


def save_programme(
    programme: Programme, actor: User | None, source: str, action: str | None = None
) -> tuple[ProgrammeRound | None, list[str]]:
    """Add the round, or make the stored one say what `programme` says; the caller commits.

    `source` (a file name, "admin") is recorded with the change. Nothing is changed when a problem
    refuses it (they are returned, one per problem, in the language in force): a session id
    another round has, removing a session that has claims, and changing the time, mode or
    reimbursement of a session with decided claims.
    """
    round_ = db.session.get(ProgrammeRound, programme.id)
    existing = {s.id: s for s in round_.sessions} if round_ else {}
    wanted = {s.id: (s, _session_values(s, programme)) for s in programme.sessions}
    problems = [
        _("Session %(id)s belongs to another round.", id=sid)
        for sid in db.session.scalars(
            select(ProgrammeSession.id).where(
                ProgrammeSession.id.in_(wanted), ProgrammeSession.round_id != programme.id
            )
        )
    ]
    removed = [sid for sid in existing if sid not in wanted]
    for sid, count in claims_per_session(removed).items():
        problems.append(
            ngettext(
                "Session %(id)s has %(num)d claim and cannot be removed; cancel it instead.",
                "Session %(id)s has %(num)d claims and cannot be removed; cancel it instead.",
                count,
                id=sid,
            )
        )
    decided = _decided([sid for sid in existing if sid in wanted])
    for sid, count in decided.items():
        row, values = existing[sid], wanted[sid][1]
        touched = [str(what) for k, what in DECIDING_FIELDS.items() if getattr(row, k) != values[k]]
        if touched:
            problems.append(
                ngettext(
                    "Session %(id)s has %(num)d decided claim, so its %(what)s cannot change: it was decided "
                    "on what the session says now. Add a new session instead.",
                    "Session %(id)s has %(num)d decided claims, so its %(what)s cannot change: they were decided "
                    "on what the session says now. Add a new session instead.",
                    count,
                    id=sid,
                    what=", ".join(touched),
                )
            )
    if problems:
        return round_, problems

    created = round_ is None
    if round_ is None:
        round_ = ProgrammeRound(id=programme.id)
        db.session.add(round_)
    round_.name_fi = programme.name.get("fi", "")
    round_.name_sv = programme.name.get("sv", "")
    round_.name_en = programme.name.get("en", "")
    round_.starts, round_.ends = programme.starts, programme.ends
    round_.timezone, round_.claim_deadline_months = programme.timezone, programme.claim_deadline_months
    changed = []
    for sid, (_session, values) in wanted.items():
        row = existing.get(sid)
        if row is None:
            round_.sessions.append(ProgrammeSession(id=sid, **values))
            changed.append(sid)
        elif differs := [k for k, v in values.items() if getattr(row, k) != v]:
            for k in differs:
                setattr(row, k, values[k])
            changed.append(sid)
    for sid in removed:
        round_.sessions.remove(existing[sid])
    periods = [(p.start, p.end, p.title) for p in programme.independent]
    if periods != [(p.starts, p.ends, _texts(p, "title")) for p in round_.independent]:
        round_.independent = [
            IndependentMeetings(
                starts=start, ends=end, title_fi=t.get("fi", ""), title_sv=t.get("sv", ""), title_en=t.get("en", "")
            )
            for start, end, t in periods
        ]
    action = action or ("created" if created else "updated")
    record_change(round_, actor, action, source=source, sessions=changed, removed=removed)
    return round_, []


def import_shipped(directory: Path = PROGRAMMES_DIR) -> None:
    """The rounds shipped with the engine (rules/programmes), for a database made without the migrations."""
    for path in sorted(directory.glob("*.toml")):
        programme = read_programme(path)
        if db.session.get(ProgrammeRound, programme.id) is None:
            _, problems = save_programme(programme, None, path.name)
            if problems:
                raise CalendarError(problems)


# --- the admin's changes, one at a time: each is a changed document saved like an imported file ---


def _changed(round_: ProgrammeRound, edit: Callable[[dict], None], actor: User, action: str) -> list[str]:
    document = document_of(round_)
    edit(document)
    try:
        programme = parse_programme(document, round_.id)
    except CalendarError as e:  # the forms check what a file could get wrong, so this is a bug's last guard
        return e.problems
    return save_programme(programme, actor, "admin", action)[1]


def round_values(values: dict[str, Any]) -> dict[str, Any]:
    """A round's form fields as a programme document's head."""
    return {
        "name": {lang: values[f"name_{lang}"] for lang in LANGUAGES if values.get(f"name_{lang}")},
        "starts": values["starts"],
        "ends": values["ends"],
        "claim_deadline_months": values["claim_deadline_months"],
    }


def period_values(values: dict[str, Any]) -> dict[str, Any]:
    """An independent-meetings period's form fields as a programme document's entry."""
    return {
        "from": values["starts"],
        "to": values["ends"],
        "title": {lang: values[f"title_{lang}"] for lang in LANGUAGES if values.get(f"title_{lang}")},
    }


def create_round(round_id: str, values: dict[str, Any], actor: User) -> list[str]:
    """A new round without sessions yet; the caller commits."""
    if db.session.get(ProgrammeRound, round_id) is not None:
        return [_("There is already a round %(id)s.", id=round_id)]
    document = {"id": round_id, "timezone": "Europe/Helsinki", "sessions": [], **round_values(values)}
    try:
        programme = parse_programme(document, round_id)
    except CalendarError as e:
        return e.problems
    return save_programme(programme, actor, "admin", "created")[1]


def update_round(round_: ProgrammeRound, values: dict[str, Any], actor: User) -> list[str]:
    return _changed(round_, lambda d: d.update(round_values(values)), actor, "round_changed")


def _free_id(day: date, taken: set[str]) -> str:
    """The date itself, or the date with the first free number: two sessions may share a day."""
    candidate, n = day.isoformat(), 1
    while candidate in taken:
        n += 1
        candidate = f"{day.isoformat()}-{n}"
    return candidate


def _session_entry(values: dict[str, Any], session_id: str) -> dict[str, Any]:
    entry = {
        "id": session_id,
        "date": values["date"],
        "start": _time(values["start"]),
        "end": _time(values["end"]),
        "mode": values["mode"],
        "reimbursed": bool(values["reimbursed"]) and values["mode"] == "in_person",
        "place": values["place"],
        "title": {lang: values[f"title_{lang}"] for lang in LANGUAGES if values.get(f"title_{lang}")},
    }
    if values.get("claim_deadline"):
        entry["claim_deadline"] = values["claim_deadline"]
    return entry


def add_session(round_: ProgrammeRound, values: dict[str, Any], actor: User) -> tuple[str, list[str]]:
    """Add a session; its id is its date (with a number if the day has one already). The caller commits."""
    session_id = _free_id(values["date"], set(db.session.scalars(select(ProgrammeSession.id))))
    problems = _changed(
        round_, lambda d: d["sessions"].append(_session_entry(values, session_id)), actor, "session_added"
    )
    return session_id, problems


def edit_session(round_: ProgrammeRound, session_id: str, values: dict[str, Any], actor: User) -> list[str]:
    """Change a session; a new date gives it a new id, which only a session without claims may get."""
    row = next(s for s in round_.sessions if s.id == session_id)
    new_id = session_id
    if values["date"] != row.day:
        if claims_per_session([session_id]):
            return [
                _("Session %(id)s has claims, so its date cannot change. Add a new session instead.", id=session_id)
            ]
        new_id = _free_id(values["date"], set(db.session.scalars(select(ProgrammeSession.id))) - {session_id})

    def edit(document: dict) -> None:
        entry = _session_entry(values, new_id)
        old = next(e for e in document["sessions"] if e["id"] == session_id)
        entry["cancelled"] = old.get("cancelled", False)
        document["sessions"] = [entry if e is old else e for e in document["sessions"]]

    return _changed(round_, edit, actor, "session_changed")


def cancel_session(round_: ProgrammeRound, session_id: str, actor: User) -> list[str]:
    def edit(document: dict) -> None:
        next(e for e in document["sessions"] if e["id"] == session_id)["cancelled"] = True

    return _changed(round_, edit, actor, "session_cancelled")


def delete_session(round_: ProgrammeRound, session_id: str, actor: User) -> list[str]:
    def edit(document: dict) -> None:
        document["sessions"] = [e for e in document["sessions"] if e["id"] != session_id]

    return _changed(round_, edit, actor, "session_deleted")


def set_independent(round_: ProgrammeRound, periods: list[dict[str, Any]], actor: User) -> list[str]:
    """The round's independent-meetings periods, replaced: [{"from", "to", "title": {...}}]."""

    def edit(document: dict) -> None:
        document["independent_meetings"] = periods

    return _changed(round_, edit, actor, "independent_changed")


def rounds_not_admitting(user_id: int) -> set[str]:
    """The rounds whose roster leaves this user out (a round without a roster yet admits every mentor):
    the preview refuses their sessions with not_on_roster, so the claim form does not offer them."""
    mine = aliased(RosterEntry)  # its own alias: the same table unaliased would be correlated with the outer query
    on_it = select(mine.programme).where(mine.user_id == user_id)
    return set(db.session.scalars(select(RosterEntry.programme).where(RosterEntry.programme.not_in(on_it)).distinct()))


def years_without_rates(round_: ProgrammeRound, years: Iterable[int]) -> list[int]:
    """The years of the round's reimbursed sessions that no rates file covers: claims there cannot be decided."""
    return sorted({s.day.year for s in round_.sessions if s.reimbursed and not s.cancelled} - set(years))
