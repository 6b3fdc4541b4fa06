"""The programme's finances summed up in the database: by session, by kind, by status and per mentor."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from expenses import ledger, summary
from expenses.extensions import db
from expenses.models import Claim
from tests.factories import CAR_TOTAL, car_body, counted, make_claim, make_receipt, make_user, train_body

ROUND = "hankinta-suomi-2023-2024"


def _kinds(claims: list[Claim]) -> dict[str, Decimal]:
    """The amount of each kind read from the stored decisions, one claim at a time as the ledger does."""
    sums = dict.fromkeys(ledger.KIND_GROUPS, Decimal("0.00"))
    for claim in claims:
        for group, value in ledger.amounts_by_group(claim.decision).items():
            sums[group] += value
    return sums


@pytest.fixture
def claims(app):
    """Two mentors reimbursed (one in both sessions), and claims that do not count: open, draft, rejected."""
    first, second = make_user("mentor"), make_user("mentor")
    committed = [
        make_claim(first, "paid", body=train_body(make_receipt(first).id)),
        make_claim(first, "approved", body=car_body()),
        make_claim(second, "paid", body=car_body()),
    ]
    others = [
        make_claim(status="submitted", body=car_body()),
        make_claim(status="checked", body=car_body()),
        make_claim(status="draft", body=car_body()),
        make_claim(status="rejected", body=car_body()),
    ]
    return committed, others


def test_rounds_come_from_the_calendar_and_the_latest_is_the_default(app):
    found = summary.rounds()
    assert [r.id for r in found] == [ROUND]
    assert [s.id for s in found[0].sessions] == ["2023-09-22", "2024-04-23"]  # the reimbursed sessions only
    assert summary.round_named(None) == found[0] == summary.round_named(ROUND)
    assert summary.round_named("no-such-round") is None


def test_totals_by_session_and_kind_are_the_databases(app, claims):
    committed, _others = claims
    figures = summary.summarise(summary.round_named(ROUND))
    by_session = {s.session.id: s for s in figures.sessions}

    kickoff, closing = by_session["2023-09-22"], by_session["2024-04-23"]
    assert (kickoff.claims, kickoff.mentors, kickoff.total) == (1, 1, committed[0].total)
    assert (closing.claims, closing.mentors, closing.total) == (2, 2, 2 * CAR_TOTAL)
    assert kickoff.kinds == _kinds(committed[:1])
    assert closing.kinds == _kinds(committed[1:])
    assert kickoff.kinds["tickets"] == Decimal("160.00")
    assert closing.kinds["mileage"] > 0 and closing.kinds["tickets"] == 0

    everything = db.session.scalars(select(Claim).where(Claim.status.in_(summary.COMMITTED))).all()
    assert figures.kinds == _kinds(everything)
    assert figures.total == sum((c.total for c in everything), Decimal(0)) == sum(figures.kinds.values())
    assert all(isinstance(v, Decimal) for v in figures.kinds.values())


def test_average_per_mentor_counts_each_mentor_once(app, claims):
    committed, _others = claims
    figures = summary.summarise(summary.round_named(ROUND))
    assert (figures.claims, figures.mentors) == (3, 2)
    assert figures.average == (sum(c.total for c in committed) / 2).quantize(Decimal("0.01"))


def test_claims_by_status_leave_drafts_out(app, claims):
    figures = summary.summarise(summary.round_named(ROUND))
    counts = {s.status: (s.claims, s.total) for s in figures.statuses}
    assert list(counts) == list(summary.SENT)  # every status shown, in the workflow's order, also at zero
    assert counts["submitted"] == (1, CAR_TOTAL) and counts["checked"] == (1, CAR_TOTAL)
    assert counts["rejected"] == (1, CAR_TOTAL) and counts["returned"] == (0, Decimal("0.00"))
    assert counts["paid"][0] == 2 and counts["approved"] == (1, CAR_TOTAL)
    assert "draft" not in counts

    audited = summary.summarise(summary.round_named(ROUND), ("approved", "paid"))
    assert [s.status for s in audited.statuses] == ["approved", "paid"]


def test_an_empty_round_is_all_zero(app):
    figures = summary.summarise(summary.round_named(ROUND))
    assert figures.total == 0 and figures.mentors == 0 and figures.average is None
    assert all(s.average is None for s in figures.sessions)


def test_a_handful_of_queries_however_many_claims(app, claims):
    chosen = summary.round_named(ROUND)
    with counted() as few:
        summary.summarise(chosen)
    for _ in range(3):
        make_claim(status="paid", body=car_body())
    with counted() as more:
        summary.summarise(chosen)
    assert len(more) == len(few) <= 4
