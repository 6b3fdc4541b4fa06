"""The demo data `make run` starts with: one user per role, a roster, and a few claims."""

from sqlalchemy import select

from expenses.accounts import create_user
from expenses.extensions import db
from expenses.models import RosterEntry, User

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


def seed_demo() -> list[str]:
    """Create the demo users if the database has none; return the lines to print."""
    if db.session.scalar(select(User.id).limit(1)) is None:
        for email, name, role in DEMO_USERS:
            user = create_user(email, name, role, DEMO_PASSWORD)
            if role in ("mentor", "actor"):
                db.session.add(RosterEntry(programme=PROGRAMME, user_id=user.id, role=role))
        db.session.commit()
    lines = [f"Demo users (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {role:<8} {email}  ({name})" for email, name, role in DEMO_USERS]
    return lines
