"""The demo data `make run` starts with: one user per role, a roster, a few claims, and a current round."""

import io
from datetime import date, timedelta

from sqlalchemy import func, select

from expenses import receipts, workflow
from expenses.accounts import create_user, find_user
from expenses.extensions import db
from expenses.models import Claim, ProgrammeRound, RosterEntry, User
from expenses.rounds import save_programme
from rules.programme import parse_programme

PROGRAMME = "hankinta-suomi-2023-2024"
DEMO_PASSWORD = "demo-password-2024"
DEMO_USERS = (
    ("mentor@example.fi", "Maija Mentori", "mentor"),
    ("mentor2@example.fi", "Matti Mentori", "mentor"),
    ("actor@example.fi", "Antti Aktori", "actor"),
    ("finance@example.fi", "Kaisa Kirjanpitäjä", "finance"),
    ("finance2@example.fi", "Heikki Hyväksyjä", "finance"),
    ("auditor@example.fi", "Tuula Tarkastaja", "auditor"),
    ("admin@example.fi", "Aino Ylläpitäjä", "admin"),
)


def _ticket_pdf(text: str) -> bytes:
    """A one-page PDF saying `text`: a receipt file that opens in any viewer."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _car_trip(session: str, start: str, km: int, leave: str, back: str) -> dict:
    return {
        "session": session,
        "trip": {
            "start_place": start,
            "distance_km": km,
            "departure": f"{session}T{leave}",
            "return": f"{session}T{back}",
        },
        "expenses": [
            {"type": "own_car", "date": session, "km": 2 * km, "passengers": 0, "route": f"{start}–Helsinki–{start}"}
        ],
    }


def _demo_claims(users: dict[str, User]) -> None:
    """Claims in the states each role has something to do with, made through the workflow like real ones."""
    maija, matti = users["mentor@example.fi"], users["mentor2@example.fi"]
    checker, approver = users["finance@example.fi"], users["finance2@example.fi"]

    # Maija: the kick-off paid (the auditor's view), the closing submitted (finance's queue).
    paid = workflow.create(_car_trip("2023-09-22", "Tampere", 178, "09:30", "19:45"), maija, "fi")
    workflow.submit(paid.id, maija, "fi")
    workflow.check(paid.id, checker)
    workflow.approve(paid.id, approver)
    workflow.pay(paid.id, approver, "RF71 2023 0001")

    ticket = receipts.store(io.BytesIO(_ticket_pdf("VR Oulu-Helsinki-Oulu 2024-04-23  142.60 EUR")), "vr.pdf", maija)
    db.session.commit()
    train = {
        "session": "2024-04-23",
        "trip": {
            "start_place": "Oulu",
            "distance_km": 607,
            "departure": "2024-04-23T05:20",
            "return": "2024-04-23T22:10",
        },
        "expenses": [
            {
                "type": "public_transport",
                "date": "2024-04-23",
                "description": "Train Oulu–Helsinki–Oulu",
                "amount": "142.60",
                "receipt": ticket.id,
            }
        ],
    }
    submitted = workflow.create(train, maija, "fi")
    workflow.submit(submitted.id, maija, "fi")

    # Matti: the kick-off checked and waiting for the second officer, the closing returned to him.
    checked = workflow.create(_car_trip("2023-09-22", "Lahti", 104, "10:15", "18:30"), matti, "fi")
    workflow.submit(checked.id, matti, "fi")
    workflow.check(checked.id, checker)
    returned = workflow.create(_car_trip("2024-04-23", "Lahti", 104, "08:00", "17:00"), matti, "fi")
    workflow.submit(returned.id, matti, "fi")
    workflow.return_for_correction(
        returned.id, checker, "The kilometres look high for Lahti–Helsinki; check the route and correct them."
    )


def _weekday(day: date) -> date:
    """The day itself, or the Friday before a weekend: sessions are held on working days."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def current_round(today: date) -> dict:
    """The round of this programme year, as a programme file says it: an in-person session in Helsinki
    two weeks ago (a mentor can claim it at once) and one to come, with a remote one between."""
    year = today.year if today.month >= 8 else today.year - 1
    past, coming = _weekday(today - timedelta(days=14)), _weekday(today + timedelta(days=14))
    remote = _weekday(today + timedelta(days=5))
    in_person = {"mode": "in_person", "reimbursed": True, "place": "Helsinki"}
    return {
        "id": f"hankinta-suomi-{year}-{year + 1}",
        "starts": min(date(year, 9, 1), past),
        "ends": max(date(year + 1, 5, 31), coming),
        "claim_deadline_months": 2,
        "name": {
            "fi": f"Hankinta-Suomen mentorointiohjelma {year}–{year + 1}",
            "sv": f"Upphandlings-Finlands mentorprogram {year}–{year + 1}",
            "en": f"Procurement Finland mentoring programme {year}–{year + 1}",
        },
        "sessions": [
            {"date": past, "start": "12:00", "end": "16:00", **in_person,
             "title": {"fi": "Aloitustapaaminen", "sv": "Startmöte", "en": "Kick-off meeting"}},
            {"date": remote, "start": "14:00", "end": "15:30", "mode": "remote", "reimbursed": False,
             "place": "etäyhteys", "title": {"fi": "Etävalmennus", "sv": "Distansutbildning", "en": "Remote training"}},
            {"date": coming, "start": "10:00", "end": "15:00", **in_person,
             "title": {"fi": "Välitapaaminen", "sv": "Mellanmöte", "en": "Mid-programme meeting"}},
        ],
    }  # fmt: skip


def _seed_current_round(users: dict[str, User]) -> None:
    document = current_round(date.today())
    if db.session.get(ProgrammeRound, document["id"]) is not None:
        return
    round_, problems = save_programme(parse_programme(document, "demo"), users["admin@example.fi"], "demo")
    if problems:  # the document is made above: a problem is a bug here
        raise RuntimeError("\n".join(problems))
    for email, _name, role in DEMO_USERS:
        if role in ("mentor", "actor"):
            db.session.add(RosterEntry(programme=round_.id, user_id=users[email].id, role=role))
    db.session.commit()


def seed_demo() -> list[str]:
    """Add the demo users and claims unless they are there; return the lines to print.

    Never mixes demo data into a database that already has other users.
    """
    if find_user(DEMO_USERS[0][0]) is None:
        if db.session.scalar(select(User.id).limit(1)) is not None:
            return ["The database already has users, so no demo data was added."]
        for email, name, role in DEMO_USERS:
            user = create_user(email, name, role, DEMO_PASSWORD)
            if role in ("mentor", "actor"):
                db.session.add(RosterEntry(programme=PROGRAMME, user_id=user.id, role=role))
        db.session.commit()
    users = {email: find_user(email) for email, _name, _role in DEMO_USERS}
    if None not in users.values():
        mentors = [users["mentor@example.fi"].id, users["mentor2@example.fi"].id]
        if not db.session.scalar(select(func.count(Claim.id)).where(Claim.mentor_id.in_(mentors))):
            _demo_claims(users)
        _seed_current_round(users)
    lines = [f"Demo users (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {role:<8} {email}  ({name})" for email, name, role in DEMO_USERS]
    return lines
