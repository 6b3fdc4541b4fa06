"""The programme roster and user administration: CSV import (all or nothing), roles, activation."""

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from expenses import account_log
from expenses.accounts import create_user, end_sessions, normalise_email, revoke_tokens
from expenses.extensions import db
from expenses.models import ROLES, RosterEntry, User
from expenses.rounds import current_calendar
from expenses.text import limit, refusal

DEFAULT_PROGRAMME = "hankinta-suomi-2023-2024"
ROSTER_ROLES = ("mentor", "actor")
REQUIRED_COLUMNS = ("email", "name", "role")
MAX_IMPORT_BYTES = 1024 * 1024


class UserAdminError(ValueError):
    """A change to a user refused; the message says why."""


def programmes() -> dict[str, str]:
    """Programme rounds' ids with their names in Finnish (every round has one), the latest first."""
    rounds = sorted(current_calendar().programmes.values(), key=lambda p: (p.starts, p.id), reverse=True)
    return {p.id: p.name_in("fi") for p in rounds}


def without_roster(session_id: str) -> str | None:
    """The id of the session's round when that round has no roster yet (it admits any mentor), else None."""
    session = current_calendar().get(session_id)
    if session is None or db.session.scalar(
        select(RosterEntry.id).where(RosterEntry.programme == session.programme).limit(1)
    ):
        return None
    return session.programme


@dataclass(frozen=True)
class ImportLine:
    """What the import did (or would have done) with one line of the file."""

    line: int
    email: str
    outcome: str


@dataclass
class ImportResult:
    lines: list[ImportLine] = field(default_factory=list)
    errors: list[ImportLine] = field(default_factory=list)
    #: The users the import made, who have no password yet (for their invitations).
    created: list[User] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str
    name: str
    role: str
    organisation: str


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise UserAdminError(
            _('The file is not UTF-8 text. In the spreadsheet, save it as "CSV UTF-8" and upload it again.')
        ) from None


def _delimiter(header: str) -> str:
    # Finnish Excel writes semicolons; others write commas. The header tells which.
    return ";" if header.count(";") > header.count(",") else ","


def checked_row(number: int, values: dict[str, str], seen: dict[str, int], result: ImportResult) -> RosterRow | None:
    """One person of a roster (a CSV line, or a programme file's [[roster]] entry), or its problems in `result`."""
    email, name = values.get("email", ""), values.get("name", "")
    role, organisation = values.get("role", "").lower(), values.get("organisation", "")
    problems = []
    try:
        email = normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError:
        problems.append(_("%(value)r is not an e-mail address", value=email))
    if not name:
        problems.append(_("the name is missing"))
    if role not in ROSTER_ROLES:
        problems.append(_("the role must be mentor or actor, not %(value)r", value=role))
    for label, value, column in (
        (_("E-mail"), email, User.email),
        (_("Name"), name, User.name),
        (_("Organisation"), organisation, RosterEntry.organisation),
    ):
        problem = refusal(value, limit=limit(column))
        if problem:
            problems.append(f"{label}: {problem}")
    if email in seen and not problems:
        problems.append(_("the same e-mail is already on line %(line)s", line=seen[email]))
    if problems:
        result.errors.append(ImportLine(number, email, "; ".join(problems)))
        return None
    seen[email] = number
    return RosterRow(number, email, name, role, organisation)


def _parse(text: str, result: ImportResult) -> list[RosterRow]:
    first = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first))
    header: list[str] | None = None
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for cells in reader:
        number = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                result.errors.append(
                    ImportLine(
                        number,
                        "",
                        _(
                            "The first line must name the columns email, name and role (and optionally "
                            "organisation); %(missing)s is missing.",
                            missing=", ".join(missing),
                        ),
                    )
                )
                return []
            continue
        values = dict(zip(header, (c.strip() for c in cells), strict=False))
        row = checked_row(number, values, seen, result)
        if row is not None:
            rows.append(row)
    if header is None:
        result.errors.append(ImportLine(1, "", _("The file is empty.")))
    elif not rows and not result.errors:
        result.errors.append(ImportLine(1, "", _("The file has a header line but no people.")))
    return rows


def import_roster(data: bytes, programme: str) -> ImportResult:
    """Add or update the roster of a programme from CSV; any bad line means nothing is saved.

    Missing users are created without a password (they set one through the password reset, or the
    admin gives one); an existing mentor or actor whose role changed gets the new role. Staff
    accounts (finance, auditor, admin) are never turned into roster members by a file.
    The caller commits when the result is ok.
    """
    if programme not in programmes():
        raise UserAdminError(_("Unknown programme %(id)s.", id=programme))
    if len(data) > MAX_IMPORT_BYTES:
        raise UserAdminError(_("The file is larger than 1 MB; a roster is much smaller. Check the file."))
    result = ImportResult()
    return import_rows(_parse(_decode(data), result), programme, result)


def import_rows(rows: list[RosterRow], programme: str, result: ImportResult) -> ImportResult:
    """Add the checked people to the programme's roster, unless `result` has errors; the caller commits."""
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_([r.email for r in rows])))}
    for row in rows:
        user = users.get(row.email)
        if user is not None and user.role not in ROSTER_ROLES:
            result.errors.append(
                ImportLine(
                    row.line,
                    row.email,
                    _(
                        "%(email)s is a %(role)s account; staff cannot be on the roster.",
                        email=row.email,
                        role=user.role,
                    ),
                )
            )
    if result.errors:
        result.errors.sort(key=lambda e: e.line)
        return result
    entries = {e.user_id: e for e in db.session.scalars(select(RosterEntry).where(RosterEntry.programme == programme))}
    for row in rows:
        result.lines.append(
            ImportLine(row.line, row.email, _apply(row, users.get(row.email), entries, programme, result))
        )
    db.session.flush()
    return result


def _apply(
    row: RosterRow, user: User | None, entries: dict[int, RosterEntry], programme: str, result: ImportResult
) -> str:
    done = []
    if user is None:
        user = create_user(row.email, row.name, row.role)
        result.created.append(user)
        done.append(_("new user (no password yet)"))
    elif user.role != row.role:
        done.append(_("role changed from %(old)s to %(new)s", old=user.role, new=row.role))
        user.role = row.role
    entry = entries.get(user.id)
    if entry is None:
        db.session.add(RosterEntry(programme=programme, user_id=user.id, role=row.role, organisation=row.organisation))
        done.append(_("added to the roster as %(role)s", role=row.role))
    elif (entry.role, entry.organisation) != (row.role, row.organisation):
        entry.role, entry.organisation = row.role, row.organisation
        done.append(_("roster entry updated"))
    return "; ".join(done) or _("already on the roster, unchanged")


def set_role(user: User, role: str, admin: User) -> None:
    """Change a user's role; an admin cannot demote themselves (someone must be able to undo mistakes)."""
    if role not in ROLES:
        raise UserAdminError(_("Unknown role %(role)s.", role=role))
    if user.id == admin.id and role != "admin":
        raise UserAdminError(_("You cannot take away your own admin role; ask another admin."))
    user.role = role  # access follows at the next request: the role is read from the database each time
    if role in ROSTER_ROLES:
        for entry in db.session.scalars(select(RosterEntry).where(RosterEntry.user_id == user.id)):
            entry.role = role


def set_active(user: User, active: bool, admin: User) -> None:
    """Deactivate or reactivate a user; a deactivated user cannot sign in, and their sessions and API
    tokens end for good: reactivating gives back the sign-in, never the old tokens."""
    if user.id == admin.id and not active:
        raise UserAdminError(_("You cannot deactivate yourself; ask another admin."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)
        revoke_tokens(user)
    account_log.record(user, "reactivated" if active else "deactivated", admin)
