"""Every list page makes as many SQL queries for 3N rows as for N: nothing is loaded one row at a time (N+1)."""

import re

from sqlalchemy import func, select, update

from expenses import payments
from expenses.extensions import db
from expenses.generate import generate
from expenses.models import ApiToken, Claim, PaymentBatch, RosterEntry, User, utcnow
from tests.factories import car_body, counted, make_claim, make_token, make_user, sign_in

N = 40


def queries(client, path: str, **kwargs) -> list[str]:
    with counted() as statements:
        response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return statements


class World:
    """Officers, a mentor with claims of their own, and a generated population that grows between measurements."""

    def __init__(self):
        self.finance = make_user("finance")
        self.checker, self.approver = make_user("finance"), make_user("finance")
        self.auditor, self.admin = make_user("auditor"), make_user("admin")
        self.mentor = make_user("mentor")
        self.token = make_token(self.finance)
        # A token in use: its last use is written at most every few minutes, so a call usually writes nothing.
        db.session.execute(update(ApiToken).values(last_used_at=utcnow()))
        db.session.commit()
        self.seed = 0

    def grow(self, claims: int) -> None:
        """`claims` more generated claims, roster entries for their mentors, and our mentor's own rejected claims."""
        self.seed += 1
        made = generate(claims=claims, seed=self.seed)
        generated = select(User.id).where(User.id >= made["first_user_id"], User.role == "mentor")
        db.session.execute(update(User).where(User.id.in_(generated)).values(iban="FI2112345600000785"))
        db.session.add_all(
            RosterEntry(programme="hankinta-suomi-2023", user_id=user_id, role="mentor")
            for user_id in db.session.scalars(generated)
        )
        db.session.commit()
        for _ in range(claims // 10):
            make_claim(self.mentor, "rejected", car_body(), checker=self.checker)

    def pay_waiting(self) -> PaymentBatch:
        waiting = db.session.scalars(
            select(Claim.id).where(Claim.status == "approved", Claim.payment_batch_id.is_(None))
        ).all()
        batch = payments.export_batch(list(waiting), self.finance)
        db.session.commit()
        return batch


def signed_in(app, user: User):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, user)
    return client


def measure(app, world: World) -> dict[str, int]:
    """The number of queries of every list page, as seen by whoever may see it."""
    counts = {}
    finance = signed_in(app, world.finance)
    for path in (
        "/finance/",
        "/finance/?queue=to-approve",
        "/finance/?queue=to-pay",
        "/finance/handled",
        "/finance/payments/",
    ):
        counts[path] = len(queries(finance, path))
    batch = world.pay_waiting()
    counts["/finance/payments/<batch>"] = len(queries(finance, f"/finance/payments/{batch.id}"))
    auditor = signed_in(app, world.auditor)
    for path in ("/audit/", "/audit/?sort=mentor&order=asc", "/audit/?sort=total&status=paid"):
        counts[path] = len(queries(auditor, path))
    counts["/admin/"] = len(queries(signed_in(app, world.admin), "/admin/"))
    counts["/claims/"] = len(queries(signed_in(app, world.mentor), "/claims/"))
    api = app.test_client()
    counts["GET /api/v1/claims"] = len(
        queries(api, "/api/v1/claims", headers={"Authorization": f"Bearer {world.token}"})
    )
    return counts


def claims_by_status() -> dict[str, int]:
    return dict(db.session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all())


def test_list_pages_make_as_many_queries_for_3n_rows_as_for_n(app):
    world = World()
    world.grow(N)
    small_rows = claims_by_status()
    small = measure(app, world)
    world.grow(2 * N)
    large_rows = claims_by_status()
    large = measure(app, world)
    # The lists really grew: every status the pages show has more rows the second time.
    for status in ("submitted", "checked", "approved", "paid", "returned", "rejected"):
        assert large_rows.get(status, 0) > small_rows.get(status, 0) > 0, (status, small_rows, large_rows)
    assert large == small


def test_lists_never_read_the_decision_texts(app):
    """Every language's texts of a decision are for the one claim a reader opens, never for a list's rows.

    A queue row may read one path of them (its findings' sentences in the reader's language), never the column.
    """
    world = World()
    world.grow(N)
    with counted() as statements:
        measure(app, world)
    # A page count's subquery names every column, but count(*) reads none of them: only the rows count.
    rows = [s for s in statements if not s.lstrip().startswith("SELECT count(*)")]
    assert any("FROM claims" in s for s in rows)
    one_path = re.compile(r"JSON_EXTRACT\(claims\.decision_texts, |claims\.decision_texts -> %\(decision_texts_\d+\)s")
    assert not [s for s in rows if "decision_texts" in one_path.sub("", s)]


def test_the_counter_notices_a_query_per_row(app, monkeypatch):
    """The comparison can fail: with the people loaded lazily again, the handled list's count grows."""
    from expenses.web import claim_pages

    def lazily(ids_query):
        return list(db.session.scalars(select(Claim).where(Claim.id.in_(list(db.session.scalars(ids_query))))))

    monkeypatch.setattr(claim_pages, "_with_people", lazily)
    world = World()
    world.grow(N)
    finance = signed_in(app, world.finance)
    small = len(queries(finance, "/finance/handled"))
    world.grow(2 * N)
    assert len(queries(finance, "/finance/handled")) > small
