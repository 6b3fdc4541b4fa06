"""Programme files: a round with its sessions and roster in the TOML form of rules/programmes/*.toml.

`flask programmes import FILE.toml` adds or updates a round (all of it or nothing) and `programmes
export ID` writes it back. A file may carry `[[roster]]` entries (email, name, role, organisation)
beside what the engine reads; the engine's own parser ignores them.
"""

import tomllib
from typing import Any

import tomli_w
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from expenses import roster
from expenses.extensions import db
from expenses.models import ProgrammeRound, RosterEntry, User
from expenses.rounds import document_of, record_change, save_programme
from rules.programme import CalendarError, parse_programme


def import_programme(data: bytes, source: str, actor: User | None) -> list[str]:
    """Add or update the round a programme file describes, with its roster; the caller commits.

    Returns one message per problem, in English as the command line speaks; then nothing is to be committed.
    """
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return [f"{source}: is not UTF-8 text"]
    except tomllib.TOMLDecodeError as e:
        return [f"{source}: is not valid TOML: {e}"]
    problems: list[str] = []
    try:
        programme = parse_programme(document, source)
    except CalendarError as e:
        problems += e.problems
    entries = document.get("roster", [])
    result = roster.ImportResult()
    rows: list[roster.RosterRow] = []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(f"{source}: roster must be [[roster]] tables of email, name, role and organisation")
        entries = []
    with force_locale("en"):
        seen: dict[str, int] = {}
        for number, entry in enumerate(entries, 1):
            values = {k: str(entry.get(k, "")).strip() for k in ("email", "name", "role", "organisation")}
            if (row := roster.checked_row(number, values, seen, result)) is not None:
                rows.append(row)
        problems += [f"{source}: roster {e.line} ({e.email or '?'}): {e.outcome}" for e in result.errors]
        if problems:
            return problems
        round_, refused = save_programme(programme, actor, source)
        if refused:
            return [f"{source}: {problem}" for problem in refused]
        if rows:
            roster.import_rows(rows, round_.id, result)
            if not result.ok:
                return [f"{source}: roster {e.line} ({e.email}): {e.outcome}" for e in result.errors]
            record_change(round_, actor, "roster_imported", source=source, people=len(rows))
    return []


def export_programme(round_id: str) -> str | None:
    """The round as a programme file, with its roster; None for an unknown round."""
    round_ = db.session.scalar(
        select(ProgrammeRound)
        .where(ProgrammeRound.id == round_id)
        .options(selectinload(ProgrammeRound.sessions), selectinload(ProgrammeRound.independent))
    )
    if round_ is None:
        return None
    document: dict[str, Any] = document_of(round_)
    people = db.session.scalars(
        select(RosterEntry)
        .join(User, RosterEntry.user_id == User.id)
        .where(RosterEntry.programme == round_id)
        .options(selectinload(RosterEntry.user))
        .order_by(func.lower(User.name), RosterEntry.id)
    )
    document["roster"] = [
        {"email": e.user.email, "name": e.user.name, "role": e.role}
        | ({"organisation": e.organisation} if e.organisation else {})
        for e in people
    ]
    if not document["roster"]:
        del document["roster"]
    return tomli_w.dumps(document)
