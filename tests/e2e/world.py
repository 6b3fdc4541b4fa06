"""The data the page-by-page browser tests look at: users in every role and claims in every state."""

from expenses import payments, roster
from expenses.extensions import db
from expenses.models import RosterEntry, User
from tests.factories import car_body, make_claim, make_clean_claim, make_receipt, make_user, train_body

KICK_OFF, CLOSING = "2023-09-22", "2024-04-23"
IBAN = "FI2112345600000785"


def build_world() -> dict:
    """Users in every role and claims in every state, so that every page has something to show."""
    finance_a = make_user("finance", name="Anna Tarkastaja")
    finance_b = make_user("finance", name="Bertil Godkännare")
    officers = {"checker": finance_a, "approver": finance_b}

    maija = make_user("mentor", name="Maija Mentori")
    maija.iban = IBAN
    # A draft with an error (a ticket without its receipt): its page and its refused submission.
    draft = make_claim(maija, "draft", train_body(None, CLOSING))
    paid = make_claim(maija, "paid", train_body(make_receipt(maija).id, KICK_OFF), **officers)

    mikko = make_user("mentor", name="Mikko Mentori")
    returned = make_claim(mikko, "returned", car_body(CLOSING), **officers)

    submitted = make_claim(make_user("mentor", name="Sanna Lähettäjä"), "submitted")
    # Without findings: its queue row has the officer's own check button and a box to tick.
    make_clean_claim(make_user("mentor", name="Pekka Puhdas"), "submitted")
    checked_by_a = make_claim(make_user("mentor", name="Tuomas Tarkastettu"), "checked", checker=finance_a)
    checked_by_b = make_claim(make_user("mentor", name="Ulla Odottaja"), "checked", checker=finance_b)
    waiting = make_user("mentor", name="Veera Maksettava")
    waiting.iban = IBAN
    approved = make_claim(waiting, "approved", **officers)
    batched = make_user("mentor", name="Ville Erässä")
    batched.iban = IBAN
    in_batch = make_claim(batched, "approved", **officers)
    db.session.commit()
    batch = payments.export_batch([in_batch.id], finance_a)
    db.session.commit()

    # The round has a roster, so every mentor whose claim is decided again must be on it.
    others = "".join(f"{u.email};{u.name};mentor;\n" for u in (mikko, waiting, batched))
    roster.import_roster(
        f"email;name;role;organisation\n{maija.email};Maija Mentori;mentor;Hansel Oy\n{others}"
        "antti.aktori@example.fi;Antti Aktori;actor;Kunta X\n".encode(),
        roster.DEFAULT_PROGRAMME,
    )
    db.session.commit()
    return {
        "mentor": maija.email,
        "mentor_with_form": mikko.email,
        "finance": finance_a.email,
        "auditor": make_user("auditor", name="Auli Tilintarkastaja").email,
        "admin": make_user("admin", name="Aarne Ylläpitäjä").email,
        "actor": make_user("actor", name="Aku Aktori").email,
        "claims": {
            "draft": draft.id,
            "paid": paid.id,
            "returned": returned.id,
            "submitted": submitted.id,
            "checked_by_me": checked_by_a.id,
            "checked_by_other": checked_by_b.id,
            "approved": approved.id,
        },
        "batch": batch.id,
    }


def programme_mentor(name: str) -> User:
    """A mentor on the shipped round's roster: the package's world gives that round a roster, and a round
    with a roster admits only its people (a mentor left off it gets not_on_roster)."""
    mentor = make_user("mentor", name=name)
    db.session.add(RosterEntry(programme=roster.DEFAULT_PROGRAMME, user_id=mentor.id, role="mentor"))
    db.session.commit()
    return mentor
