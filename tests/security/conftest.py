"""Security tests: fixtures for a populated service with one signed-in client per role, and the figures they report."""

from collections import Counter

import pytest
from flask import Flask

from expenses import payments
from expenses.models import Claim, User
from tests.factories import (
    PASSWORD,
    make_claim,
    make_receipt,
    make_token,
    make_user,
    one_page_pdf,
    sign_in,
    train_body,
)

#: Figures the issue asks for, added up by the tests and printed at the end of the run.
FIGURES: Counter = Counter()

#: The roles the access-control matrix walks: a visitor, the claim's own mentor, another mentor and the others.
ROLES = ("anonymous", "mentor", "other_mentor", "actor", "finance", "auditor", "admin")


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("security figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


class World:
    """Users of every role, the owner's claim (approved, with a receipt, a PDF and a payment batch), an open
    (submitted) claim of theirs with a receipt, and clients."""

    def __init__(self, app: Flask):
        self.app = app
        self.users: dict[str, User] = {
            "mentor": make_user("mentor", name="Maija Omistaja"),
            "other_mentor": make_user("mentor", name="Olli Toinen"),
            "actor": make_user("actor"),
            "finance": make_user("finance"),
            "auditor": make_user("auditor"),
            "admin": make_user("admin"),
        }
        owner = self.users["mentor"]
        payments.set_iban(owner, "FI21 1234 5600 0007 85")
        self.receipt = make_receipt(owner, one_page_pdf())  # drawable: its preview route answers too
        self.checker = make_user("finance")
        self.claim = make_claim(owner, "approved", train_body(self.receipt.id), checker=self.checker)
        self.batch = payments.export_batch([self.claim.id], self.users["finance"])
        # An open claim of the same owner, with its own receipt: finance reads it, auditors do not.
        self.open_receipt = make_receipt(owner, one_page_pdf())
        self.open_claim = make_claim(owner, "submitted", train_body(self.open_receipt.id, "2024-04-23"))
        self.tokens = {role: make_token(user) for role, user in self.users.items()}
        self.clients = {}
        for role in ROLES:
            client = app.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            if role != "anonymous":
                assert sign_in(client, self.users[role], PASSWORD).status_code == 302
            self.clients[role] = client

    def sign_in_again(self, role: str) -> None:
        if role != "anonymous":
            assert sign_in(self.clients[role], self.users[role], PASSWORD).status_code == 302


@pytest.fixture
def world(app) -> World:
    return World(app)


STATUSES = ("draft", "submitted", "checked", "returned", "approved", "paid", "rejected")


def claims_in_every_status() -> list[Claim]:
    """A claim in each status, each of its own mentor, with a receipt; approved and paid ones have their PDF."""
    claims = []
    for status in STATUSES:
        mentor = make_user("mentor", name=f"Owner of the {status} claim")
        receipt = make_receipt(mentor)
        claims.append(make_claim(mentor, status, train_body(receipt.id)))
    return claims
