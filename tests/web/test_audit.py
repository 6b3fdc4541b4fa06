"""Auditor pages: only approved and paid claims, filters, sorting, paging, and each claim's full trail."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from expenses import workflow
from expenses.extensions import db
from expenses.web import audit
from tests.factories import car_body, make_claim, make_receipt, make_user, new_client, post_form, sign_in, train_body


def _refs(html: str) -> list[str]:
    found = re.search(r'<table id="claims".*?</table>', html, re.S)
    return re.findall(r"MK-\d{4}-\d{6}", found.group(0)) if found else []


def _approved_at(claim, *when: int) -> None:
    claim.approved_at = datetime(*when, tzinfo=UTC)
    db.session.commit()


@pytest.fixture
def claims(app):
    """Three committed claims with different mentors, sessions, totals, states and approval times."""
    checker, approver = make_user("finance"), make_user("finance")
    officers = {"checker": checker, "approver": approver}
    aino = make_user("mentor", name="Aino Aalto")
    bertta = make_user("mentor", name="Bertta Berg", email="bertta.berg@example.fi")
    cecilia = make_user("mentor", name="Cecilia Carlsson")
    a = make_claim(aino, "approved", **officers)  # 2024-04-23 by car: 268.16
    _approved_at(a, 2024, 5, 2, 10, 0)
    b = make_claim(bertta, "paid", body=train_body(make_receipt(bertta).id), **officers)  # 2023-09-22, 208.00
    _approved_at(b, 2023, 10, 5, 10, 0)
    c = make_claim(cecilia, "approved", body=car_body("2023-09-22"), **officers)
    _approved_at(c, 2023, 10, 5, 22, 30)  # already 6 October in Helsinki
    return {"a": a, "b": b, "c": c, "officers": officers}


def auditor_client(app):
    client = new_client(app)
    assert sign_in(client, make_user("auditor")).status_code == 302
    return client


def test_auditor_sees_only_approved_and_paid_claims_newest_approval_first(app, claims):
    others = [make_claim(status=s, **claims["officers"]) for s in ("draft", "submitted", "checked", "returned")]
    html = auditor_client(app).get("/audit/").get_data(as_text=True)

    assert _refs(html) == [claims["a"].reference, claims["c"].reference, claims["b"].reference]
    for claim in others:
        assert claim.reference not in html
    assert "€268.16" in html and "€208.00" in html and "Bertta Berg" in html  # money the English way


FILTER_CASES = [
    ({"session": "2023-09-22"}, ["c", "b"]),
    ({"q": "bert"}, ["b"]),  # part of the name, any case
    ({"q": "BERTTA.BERG@"}, ["b"]),  # part of the e-mail
    ({"q": "REF-b"}, ["b"]),  # the reference, as quoted (filled in by the test)
    ({"q": "  REF-b  "}, ["b"]),
    ({"status": "paid"}, ["b"]),
    ({"status": "approved"}, ["a", "c"]),
    ({"amount_min": "208,01"}, ["a", "c"]),  # a Finnish decimal comma works
    ({"amount_max": "208.00"}, ["b"]),
    ({"amount_min": "200", "amount_max": "300", "session": "2024-04-23"}, ["a"]),
    # Days are Helsinki days and the end day is included: 22:30 UTC on the 5th is the 6th in Helsinki.
    ({"approved_from": "2023-10-01", "approved_to": "2023-10-05"}, ["b"]),
    ({"approved_from": "2023-10-06"}, ["a", "c"]),
    ({"approved_to": "2023-12-31"}, ["c", "b"]),
    # The reader's own way of writing a date works too.
    ({"approved_from": "1.10.2023", "approved_to": "05.10.2023"}, ["b"]),
    ({"approved_from": "6.10.2023", "q": "a"}, ["a", "c"]),
]


def test_filters(app, claims):
    assert claims["c"].total > Decimal("208.01")  # the amount cases rely on it
    client = auditor_client(app)
    for query, expected in FILTER_CASES:
        query = {k: v.replace("REF-b", claims["b"].reference) for k, v in query.items()}
        html = client.get("/audit/", query_string=query).get_data(as_text=True)
        assert _refs(html) == [claims[k].reference for k in expected], query


SORT_CASES = [
    ("mentor", "asc", ["a", "b", "c"]),
    ("mentor", "desc", ["c", "b", "a"]),
    ("approved", "asc", ["b", "c", "a"]),
    ("session", "desc", ["a", "c", "b"]),  # ties on session fall back to the reference, newest first
    ("reference", "asc", ["a", "b", "c"]),
]


def test_sorting(app, claims):
    client = auditor_client(app)
    for sort, order, expected in SORT_CASES:
        html = client.get("/audit/", query_string={"sort": sort, "order": order}).get_data(as_text=True)
        assert _refs(html) == [claims[k].reference for k in expected], (sort, order)
    html = client.get("/audit/?sort=total&order=asc").get_data(as_text=True)
    by_total = sorted(("a", "b", "c"), key=lambda k: (claims[k].total, claims[k].id))
    assert _refs(html) == [claims[k].reference for k in by_total]


def test_pagination_keeps_the_filters(app, claims, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    client = auditor_client(app)

    first = client.get("/audit/?sort=mentor&order=asc").get_data(as_text=True)
    assert _refs(first) == [claims["a"].reference, claims["b"].reference]
    link = re.search(r'href="(/audit/\?[^"]*page=2[^"]*)"', first)
    assert link and "sort=mentor" in link.group(1)
    second = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _refs(second) == [claims["c"].reference]
    assert "Page 2 of 2" in second


BAD_FILTERS = [
    ({"amount_min": "lots"}, "amount_min"),
    ({"approved_from": "31.12."}, "approved_from"),
    ({"approved_from": "31.2.2024"}, "approved_from"),
    ({"approved_to": "2024-13-01"}, "approved_to"),
    ({"approved_from": "2024-01-02", "approved_to": "2024-01-01"}, "approved_to"),
    ({"amount_min": "300", "amount_max": "100"}, "amount_max"),
    ({"sort": "password_hash"}, "sort"),
]


def test_bad_filter_is_shown_next_to_its_field(app, claims):
    client = auditor_client(app)
    for query, field in BAD_FILTERS:
        answer = client.get("/audit/", query_string=query)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200
        assert f'id="{field}-error"' in html, query
        assert _refs(html) == [], query  # no list the auditor did not ask for


def test_claim_page_shows_decision_receipts_and_the_whole_trail(app):
    mentor = make_user("mentor", name="Maija Mentori")
    checker, approver = make_user("finance", name="Kaisa Check"), make_user("finance", name="Heikki Approve")
    receipt = make_receipt(mentor, filename="ticket.pdf")
    claim = make_claim(mentor, "returned", body=train_body(receipt.id), checker=checker)
    workflow.submit(claim.id, mentor, "fi")
    workflow.check(claim.id, checker)
    workflow.approve(claim.id, approver)
    client = auditor_client(app)

    html = client.get(f"/audit/claims/{claim.id}").get_data(as_text=True)

    assert claim.reference in html and "Maija Mentori" in html and "€208.00" in html
    assert "Public transport per receipt" in html  # the rule in words (rules/registry.py)
    assert f'href="/receipts/{receipt.id}"' in html
    trail = html[html.index('<table class="trail"') :]
    for text in (
        "Created",
        "Draft → Submitted",
        "Returned for correction",
        "Please attach the parking receipt.",
        "Returned for correction → Submitted",
        "Submitted → Checked",
        "Checked → Approved",
        "Kaisa Check",
        "Heikki Approve",
    ):
        assert text in trail, text
    assert "<form" not in html[html.index("<main") :].replace('<form method="get"', "")  # read-only
    with client.get(f"/receipts/{receipt.id}") as file:
        assert file.status_code == 200


@pytest.mark.parametrize("status", ["draft", "submitted", "checked", "returned", "rejected"])
def test_claim_not_yet_approved_is_not_found_for_the_auditor(app, status):
    claim = make_claim(status=status)
    assert auditor_client(app).get(f"/audit/claims/{claim.id}").status_code == 404


@pytest.mark.parametrize("role", ["mentor", "actor", "finance", "admin"])
def test_other_roles_get_403(app, role):
    claim = make_claim(status="approved")
    client = new_client(app)
    sign_in(client, make_user(role))
    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/claims/{claim.id}").status_code == 403


def test_auditor_cannot_act_on_claims(app):
    claim = make_claim(status="submitted")
    client = auditor_client(app)
    answer = post_form(client, f"/finance/claims/{claim.id}/check", {"check-version": str(claim.version)})
    assert answer.status_code == 403
    db.session.expire_all()
    assert claim.status == "submitted"


def test_signed_out_visitor_is_sent_to_sign_in(client):
    answer = client.get("/audit/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_a_bad_date_says_how_to_write_one(app, claims):
    answer = auditor_client(app).get("/audit/?approved_from=32.1.2024")
    assert answer.status_code == 200
    assert "Write the date as day.month.year, for example 23.4.2024" in answer.get_data(as_text=True)
    finnish = new_client(app, "fi")
    sign_in(finnish, make_user("auditor"))
    assert "esimerkiksi 23.4.2024" in finnish.get("/audit/?approved_from=huomenna").get_data(as_text=True)


def test_a_search_can_be_bookmarked_and_exported(app, claims):
    client = auditor_client(app)
    html = client.get("/audit/", query_string={"q": claims["b"].reference}).get_data(as_text=True)
    assert f'value="{claims["b"].reference}"' in html  # the box shows what was searched
    link = re.search(r'href="(/audit/ledger-data\.csv\?[^"]*)"', html)
    assert link, "no ledger link for the search"
    rows = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True).splitlines()
    assert len(rows) == 2 and rows[1].startswith(claims["b"].reference)


@pytest.mark.parametrize("path", [
    "/audit/export.zip",
    "/audit/ledger.csv", "/audit/ledger-data.csv", "/audit/ledger.xlsx",
])
def test_exports_refuse_bad_filters(app, claims, path):
    assert auditor_client(app).get(path, query_string={"approved_from": "tomorrow"}).status_code == 400
