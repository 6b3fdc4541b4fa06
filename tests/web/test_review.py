"""Finance pages: the queues, a claim beside its receipts, and check → approve → pay through the forms."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from expenses import workflow
from expenses.extensions import db
from expenses.models import AuditEvent, Claim, Receipt, RosterEntry
from expenses.storage import receipt_store
from expenses.web import queues
from tests.factories import (
    PNG_BYTES,
    car_body,
    counted,
    make_claim,
    make_clean_claim,
    make_receipt,
    make_user,
    new_client,
    one_page_pdf,
    post_form,
    sign_in,
    train_body,
)


def _table(html: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}".*?</table>', html, re.S)
    return found.group(0) if found else ""


def _refs(html: str, table_id: str) -> list[str]:
    """The claims of a table, one a row, by the reference heading each row."""
    return re.findall(r'<th scope="row"><a href="[^"]*">(MK-\d{4}-\d{6})</a>', _table(html, table_id))


def _row(html: str, reference: str) -> str:
    found = re.search(rf"<tr>(?:(?!</tr>).)*{reference}(?:(?!</tr>).)*</tr>", html, re.S)
    assert found, f"no row for {reference}"
    return found.group(0)


def _version(html: str, action: str) -> str:
    found = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', html)
    assert found, f"no {action} form on the page"
    return found.group(1)


def select_events(claim_id: int):
    return select(AuditEvent).where(AuditEvent.claim_id == claim_id).order_by(AuditEvent.id)


def _events(claim: Claim) -> list[tuple[str, str]]:
    return [(e.action, e.to_status) for e in db.session.scalars(select_events(claim.id))]


def taxi_body(receipt_id: str) -> dict:
    """The car trip plus a taxi without a reason: a warning for finance, not an error."""
    body = car_body()
    body["expenses"].append({"type": "taxi", "date": "2024-04-23", "amount": "18.40", "receipt": receipt_id})
    return body


def signed_in(app, role: str = "finance", user=None):
    client = new_client(app)
    user = user or make_user(role)
    assert sign_in(client, user).status_code == 302
    return client, user


# --- the queues ---------------------------------------------------------------------------------


def test_queues_show_each_claim_in_its_queue_oldest_first_with_total_and_findings(app):
    newer = make_claim(status="submitted")
    older = make_claim(status="submitted", body=car_body("2023-09-22"))
    older.submitted_at = newer.submitted_at - timedelta(days=3)
    db.session.commit()
    taxi_mentor = make_user("mentor")
    taxi = make_claim(taxi_mentor, "submitted", body=taxi_body(make_receipt(taxi_mentor).id))
    checked = make_claim(status="checked")
    approved = make_claim(status="approved")
    hidden = [make_claim(status=s) for s in ("draft", "returned", "rejected", "paid")]
    client, _user = signed_in(app)

    html = client.get("/finance/").get_data(as_text=True)
    to_approve = client.get("/finance/?queue=to-approve").get_data(as_text=True)
    to_pay = client.get("/finance/?queue=to-pay").get_data(as_text=True)

    # One queue at a time, "to check" first; every tab says how many claims wait in it.
    assert _refs(html, "to-check") == [older.reference, newer.reference, taxi.reference]
    assert 'id="to-approve"' not in html and 'id="to-pay"' not in html
    tab = r'href="/finance/\?queue={}"{}>\s*{} <span class="count">\({}\)'
    assert re.search(tab.format("to-check", ' aria-current="page"', "To check", 3), html)
    assert re.search(tab.format("to-approve", "", "To approve", 1), html)
    assert _refs(to_approve, "to-approve") == [checked.reference]
    assert _refs(to_pay, "to-pay") == [approved.reference]
    for claim in hidden:
        assert all(claim.reference not in page for page in (html, to_approve, to_pay))
    row = _row(html, newer.reference)
    assert "€268.16" in row  # the stored decision's total, formatted for the (English) reader
    assert newer.mentor.name in row and "23 Apr 2024 Closing meeting" in row and "2024-04-23" not in row
    # Warnings are named in words and by code, not shown by colour alone; a code never stands alone.
    assert "1 warning" in row
    assert re.search(r"The claim was submitted after the deadline of [^<]+ <code>late_claim</code>", row)
    taxi_row = _row(html, taxi.reference)
    assert "2 warnings" in taxi_row and "taxi_reason_missing" in taxi_row and "late_claim" in taxi_row
    assert 'href="/finance/handled"' in html


def test_queue_is_paginated(app, monkeypatch):
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    claims = [make_claim(status="submitted") for _ in range(3)]
    client, _user = signed_in(app)

    first = client.get("/finance/").get_data(as_text=True)
    second = client.get("/finance/?page=2").get_data(as_text=True)

    assert _refs(first, "to-check") == [c.reference for c in claims[:2]]
    assert "page=2" in first and "Page 1 of 2" in first
    assert _refs(second, "to-check") == [claims[2].reference]
    # A page number past the end shows the last page rather than an error.
    assert _refs(client.get("/finance/?page=99").get_data(as_text=True), "to-check") == [claims[2].reference]
    # The pager keeps the queue it pages through.
    more = [make_claim(status="checked") for _ in range(3)]
    later = client.get("/finance/?queue=to-approve").get_data(as_text=True)
    assert re.search(r'href="/finance/\?queue=to-approve&amp;page=2"', later)
    assert _refs(client.get("/finance/?queue=to-approve&page=2").get_data(as_text=True), "to-approve") == [
        more[2].reference
    ]


def test_queue_page_makes_the_same_number_of_queries_however_many_claims(app):
    def queries_for_index(client) -> int:
        statements = []

        def count(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for queue in ("to-check", "to-approve", "to-pay"):
                assert client.get(f"/finance/?queue={queue}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    for status in ("submitted", "checked", "approved"):
        make_claim(status=status)
    client, _user = signed_in(app)
    few = queries_for_index(client)
    for status in ("submitted", "checked", "approved") * 3:
        make_claim(status=status)
    assert queries_for_index(client) == few


def test_handled_list_shows_returned_rejected_and_paid_claims(app):
    returned, rejected, paid = (make_claim(status=s) for s in ("returned", "rejected", "paid"))
    waiting = make_claim(status="submitted")
    client, _user = signed_in(app)

    html = client.get("/finance/handled").get_data(as_text=True)

    for claim in (returned, rejected, paid):
        assert claim.reference in html
    assert waiting.reference not in html


# --- finding claims in the queues and the handled list --------------------------------------------


@pytest.fixture
def findable(app):
    """Submitted claims of two mentors in two sessions, and one of them checked."""
    aino = make_user("mentor", name="Aino Aalto", email="aino@example.fi")
    bertta = make_user("mentor", name="Bertta Berg", email="bertta.berg@example.fi")
    return {
        "aino_closing": make_claim(aino, "submitted", car_body()),
        "aino_kickoff": make_claim(aino, "submitted", car_body("2023-09-22")),
        "bertta_closing": make_claim(bertta, "submitted", car_body()),
        "bertta_checked": make_claim(bertta, "checked", car_body("2023-09-22")),
    }


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("q=aalto", ["aino_closing", "aino_kickoff"]),  # a name, in any case
        ("q=BERTTA.BERG%40example", ["bertta_closing"]),  # an e-mail
        ("session=2024-04-23", ["aino_closing", "bertta_closing"]),
        ("q=aino&session=2023-09-22", ["aino_kickoff"]),
    ],
)
def test_the_queue_finds_claims_by_mentor_and_session(app, findable, search, found):
    client, _user = signed_in(app)
    html = client.get(f"/finance/?queue=to-check&{search}").get_data(as_text=True)
    assert _refs(html, "to-check") == [findable[name].reference for name in found]
    assert f"{len(found)} claim" in html
    assert "(3)" in html  # the tab still counts the whole queue


def test_the_queue_finds_a_claim_by_its_reference_and_the_tabs_keep_the_search(app, findable):
    client, _user = signed_in(app)
    checked = findable["bertta_checked"]
    html = client.get(f"/finance/?queue=to-approve&q={checked.reference}").get_data(as_text=True)
    assert _refs(html, "to-approve") == [checked.reference]
    assert f'href="/finance/?queue=to-check&amp;q={checked.reference}"' in html
    html = client.get(f"/finance/?queue=to-check&q={checked.reference}").get_data(as_text=True)
    assert _refs(html, "to-check") == []
    assert "No claims in this queue match the search." in html


def test_a_bad_search_is_explained_not_an_error_page(app, findable):
    client, _user = signed_in(app)
    response = client.get("/finance/?session=1999-01-01&q=" + "x" * 201)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Please correct the following:" in html and "Fix the filters above to see the claims." in html
    assert _refs(html, "to-check") == []


def test_a_search_of_the_queue_costs_one_query_more_however_many_claims(app, findable):
    client, _user = signed_in(app)

    def selects(path: str) -> int:
        with counted() as statements:
            assert client.get(path).status_code == 200
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    plain, searched = selects("/finance/"), selects("/finance/?q=aalto&session=2024-04-23")
    for _ in range(3):
        make_claim(make_user("mentor", name="Aino Another"), "submitted", car_body())
    assert selects("/finance/") == plain
    assert selects("/finance/?q=aalto&session=2024-04-23") == searched == plain + 1


def test_the_handled_list_finds_by_mentor_session_and_status(app):
    aino = make_user("mentor", name="Aino Aalto")
    returned = make_claim(aino, "returned", car_body())
    paid = make_claim(aino, "paid", car_body("2023-09-22"))
    other = make_claim(status="rejected")
    client, _user = signed_in(app)
    html = client.get("/finance/handled?q=aalto").get_data(as_text=True)
    assert returned.reference in html and paid.reference in html and other.reference not in html
    html = client.get("/finance/handled?q=aalto&status=paid").get_data(as_text=True)
    assert paid.reference in html and returned.reference not in html
    html = client.get("/finance/handled?session=2024-04-23&status=rejected").get_data(as_text=True)
    assert other.reference in html and returned.reference not in html
    assert client.get("/finance/handled?status=draft").status_code == 200  # not a handled status: explained


# --- deciding clean claims from the queue -----------------------------------------------------------


def _flashes(client) -> list[str]:
    html = client.get("/finance/").get_data(as_text=True)
    return re.findall(r'<p class="flash flash-(\w+)">([^<]*)</p>', html)


def test_a_clean_claim_is_checked_from_its_queue_row_in_one_click(app):
    clean, late = make_clean_claim(), make_claim(status="submitted")
    client, officer = signed_in(app)

    html = client.get("/finance/").get_data(as_text=True)
    row, late_row = _row(html, clean.reference), _row(html, late.reference)
    assert f'name="claim" value="{clean.id}" form="to-check-decide"' in row
    assert f'name="version-{clean.id}" value="{clean.version}"' in row
    # A claim with a finding has no button: it is decided on its own page.
    assert 'name="claim"' not in late_row and "Open the claim to decide it" in late_row
    assert re.search(r'<form method="post" action="/finance/decide/check" id="to-check-decide"', html)

    answer = post_form(client, "/finance/decide/check", {"claim": str(clean.id), f"version-{clean.id}": clean.version})

    assert answer.status_code == 302 and answer.headers["Location"].endswith("/finance/?queue=to-check")
    assert _flashes(client) == [("success", f"The claim {clean.reference} is checked. Another officer approves it.")]
    db.session.expire_all()
    assert clean.status == "checked" and clean.checked_by_id == officer.id
    assert _events(clean)[-1] == ("check", "checked")


def test_several_are_decided_at_once_each_reported(app):
    first, second, late = make_clean_claim(), make_clean_claim(), make_claim(status="submitted")
    client, _officer = signed_in(app)

    post_form(
        client,
        "/finance/decide/check",
        {
            "bulk": "1",
            "selected": [str(first.id), str(second.id), str(late.id)],
            f"version-{first.id}": first.version,
            f"version-{second.id}": second.version - 1,  # the page was stale for this one
            f"version-{late.id}": late.version,
        },
    )

    flashes = _flashes(client)
    assert flashes[0] == ("success", f"The claim {first.reference} is checked. Another officer approves it.")
    assert flashes[1][0] == "error" and flashes[1][1].startswith(f"{second.reference} was not decided: The claim has")
    assert flashes[2] == (
        "error",
        f"{late.reference} was not decided: It has findings to look at: open the claim and decide it there.",
    )
    db.session.expire_all()
    assert (first.status, second.status, late.status) == ("checked", "submitted", "submitted")


def test_approving_from_the_queue_is_for_another_officer_than_the_checker(app):
    client, officer = signed_in(app)
    mine = make_clean_claim(status="checked", checker=officer)
    theirs, other = make_clean_claim(status="checked"), make_clean_claim(status="checked")

    html = client.get("/finance/?queue=to-approve").get_data(as_text=True)
    assert 'name="claim"' not in _row(html, mine.reference)
    assert f'name="claim" value="{theirs.id}"' in _row(html, theirs.reference)
    post_form(
        client,
        "/finance/decide/approve",
        {"bulk": "1", "selected": [str(mine.id), str(theirs.id), str(other.id)]}
        | {f"version-{c.id}": c.version for c in (mine, theirs, other)},
    )

    flashes = _flashes(client)
    assert flashes[0] == ("success", f"2 claims are approved: {theirs.reference}, {other.reference}.")
    assert flashes[1] == (
        "error",
        f"{mine.reference} was not decided: You checked this claim, so another officer must approve it.",
    )
    db.session.expire_all()
    assert (mine.status, theirs.status, other.status) == ("checked", "approved", "approved")


def test_deciding_nothing_says_to_tick_claims_and_pay_is_not_a_queue_action(app):
    client, _officer = signed_in(app)
    answer = post_form(client, "/finance/decide/approve", {"bulk": "1"})
    assert answer.headers["Location"].endswith("/finance/?queue=to-approve")
    assert _flashes(client) == [("error", "Tick the claims to decide first.")]
    assert post_form(client, "/finance/decide/pay", {"bulk": "1"}).status_code == 404
    html = client.get("/finance/?queue=to-pay").get_data(as_text=True)
    assert "/finance/decide/" not in html


def test_deciding_from_the_queue_needs_the_csrf_token(app):
    clean = make_clean_claim()
    client, _officer = signed_in(app)
    answer = client.post("/finance/decide/check", data={"claim": str(clean.id), f"version-{clean.id}": clean.version})
    assert answer.status_code == 400
    db.session.expire_all()
    assert clean.status == "submitted"


# --- one claim ----------------------------------------------------------------------------------


def test_claim_page_shows_decision_receipts_and_trail(app):
    mentor = make_user("mentor", name="Maija Mentori")
    pdf = make_receipt(mentor, filename="train.pdf")
    png = make_receipt(mentor, PNG_BYTES, filename="parking.png")
    body = train_body(pdf.id)
    body["expenses"].append(
        {"type": "other", "date": "2023-09-22", "description": "Parking", "amount": "5.00", "receipt": png.id}
    )
    claim = make_claim(mentor, "submitted", body=body)
    client, _user = signed_in(app)

    html = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)

    assert claim.reference in html and "Maija Mentori" in html and "Oulu" in html
    assert "22 Sep 2023 Joint kick-off meeting" in html
    assert "22 Sep 2023, 06:00" in html and "2023-09-22T06:00" not in html  # the departure, as the reader writes it
    # The decision with its rules in words, not their codes.
    assert "Public transport per receipt" in html and "travel.public-transport" not in html
    # Both are shown as pictures drawn by the server, with alt text; the originals are downloads.
    assert re.search(
        rf'<img src="/receipts/{png.id}/preview.png" class="receipt-preview" alt="Receipt parking.png', html
    )
    assert f'href="/receipts/{pdf.id}"' in html and "Download train.pdf" in html
    # The PDF's first page is shown beside the computation as a picture drawn by the server.
    assert re.search(
        rf'<img src="/receipts/{pdf.id}/preview.png" class="receipt-preview"\s+'
        r'alt="First page of the PDF receipt train.pdf for expense 1"',
        html,
    )
    # Each receipt's whole SHA-256, to copy and compare.
    assert f'<code class="hash sha256">{pdf.sha256}</code>' in html and f'data-copy="{png.sha256}"' in html
    with client.get(f"/receipts/{png.id}") as receipt:
        assert receipt.status_code == 200 and receipt.content_type == "image/png"
        assert receipt.headers["Content-Disposition"].startswith("attachment")
    trail = _table(html, "trail") or html[html.index("Audit trail") :]
    assert "Created" in trail and "Draft → Submitted" in trail
    # A submitted claim offers check, return and reject, but not approve or pay.
    assert "check-version" in html and "return-reason" in html and "reject-reason" in html
    assert "approve-version" not in html and "pay-reference" not in html


def test_claim_page_says_which_ticket_includes_a_sleeping_berth(app):
    mentor = make_user("mentor")
    body = train_body(make_receipt(mentor).id)
    body["expenses"].append({**body["expenses"][0], "description": "Night train", "sleeping_berth": True})
    claim = make_claim(mentor, "submitted", body=body)
    client, _user = signed_in(app)
    html = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    assert html.count("Sleeping berth included") == 1
    assert html.index("Night train") < html.index("Sleeping berth included")


def test_a_pdf_receipts_first_page_is_served_as_a_bounded_picture_to_those_who_may_see_it(app):
    mentor, other = make_user("mentor"), make_user("mentor")
    drawable = make_receipt(mentor, one_page_pdf(), filename="hotel.pdf")
    picture = make_receipt(mentor, PNG_BYTES, filename="p.png")
    # Kept before uploads were checked: nothing to draw, so no picture (the page keeps its link to the file).
    damaged = Receipt(
        id="f" * 32,
        owner_id=mentor.id,
        sha256=receipt_store().put(b"%PDF-1.4 damaged"),
        content_type="application/pdf",
        size=16,
        filename="broken.pdf",
    )
    db.session.add(damaged)
    db.session.commit()
    finance, _user = signed_in(app)

    with finance.get(f"/receipts/{drawable.id}/preview.png") as answer:
        assert answer.status_code == 200 and answer.content_type == "image/png"
        assert answer.data.startswith(b"\x89PNG")
    assert finance.get(f"/receipts/{picture.id}/preview.png").status_code == 200
    assert finance.get(f"/receipts/{damaged.id}/preview.png").status_code == 404
    owner, _mentor = signed_in(app, user=mentor)
    assert owner.get(f"/receipts/{drawable.id}/preview.png").status_code == 200
    stranger, _other = signed_in(app, user=other)
    assert stranger.get(f"/receipts/{drawable.id}/preview.png").status_code == 404
    admin, _admin = signed_in(app, "admin")
    assert admin.get(f"/receipts/{drawable.id}/preview.png").status_code == 403


def test_the_trail_says_the_warnings_the_checker_accepted_in_words_beside_their_codes(app):
    claim = make_claim(status="checked")  # submitted long after the deadline: a late_claim warning
    client, _user = signed_in(app)
    html = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    trail = html[html.index('id="trail-title"') :]
    assert re.search(
        r"Warnings seen: The claim was submitted after the deadline of [^<]+ <code>late_claim</code>", trail
    )


def test_claim_page_of_unknown_claim_is_not_found(app):
    client, _user = signed_in(app)
    assert client.get("/finance/claims/999").status_code == 404


def test_check_approve_and_pay_through_the_pages_by_two_officers(app):
    claim = make_claim(status="submitted")
    checker_client, checker = signed_in(app)
    approver_client, approver = signed_in(app)

    page = checker_client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    answer = post_form(checker_client, f"/finance/claims/{claim.id}/check", {"check-version": _version(page, "check")})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/finance/claims/{claim.id}")
    assert "is checked" in checker_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert claim.status == "checked" and claim.checked_by_id == checker.id

    page = approver_client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    assert f"Checked by {checker.name}" in page
    answer = post_form(
        approver_client, f"/finance/claims/{claim.id}/approve", {"approve-version": _version(page, "approve")}
    )
    assert answer.status_code == 302
    assert claim.status == "approved" and claim.approved_by_id == approver.id

    page = approver_client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    answer = post_form(
        approver_client,
        f"/finance/claims/{claim.id}/pay",
        {"pay-version": _version(page, "pay"), "pay-reference": "RF18 5555"},
        follow_redirects=True,
    )
    assert "is marked paid" in answer.get_data(as_text=True)
    assert claim.status == "paid" and claim.payment_reference == "RF18 5555"
    assert _events(claim)[-3:] == [("check", "checked"), ("approve", "approved"), ("pay", "paid")]
    actors = [e.actor_id for e in db.session.scalars(select_events(claim.id))][-3:]
    assert actors == [checker.id, approver.id, approver.id]


def test_checker_cannot_approve_and_is_told_why(app):
    client, checker = signed_in(app)
    claim = make_claim(status="checked", checker=checker)

    page = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    assert re.search(r'<button type="submit" class="button" disabled aria-describedby="approve-why">', page)
    assert "another finance officer must approve it" in page

    # The server refuses whatever the page showed.
    answer = post_form(client, f"/finance/claims/{claim.id}/approve", {"approve-version": str(claim.version)})
    assert answer.status_code == 403
    assert "You checked this claim, so another officer must approve it." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert claim.status == "checked" and claim.approved_by_id is None
    assert ("approve", "approved") not in _events(claim)


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_need_a_reason(app, action):
    claim = make_claim(status="submitted")
    before = _events(claim)
    client, _user = signed_in(app)
    page = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)

    answer = post_form(
        client,
        f"/finance/claims/{claim.id}/{action}",
        {f"{action}-version": _version(page, action), f"{action}-reason": "   "},
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    # The error sits next to the field, tied to it, and is summarised at the top.
    assert re.search(rf'<p class="error" id="{action}-reason-error">Write the reason', html)
    assert re.search(rf'aria-describedby="{action}-reason-hint {action}-reason-error"', html)
    assert f'href="#{action}-reason"' in html
    db.session.expire_all()
    assert claim.status == "submitted" and claim.status_reason is None
    assert _events(claim) == before


def test_return_with_reason_sends_the_claim_back(app):
    claim = make_claim(status="checked")
    client, _user = signed_in(app)
    page = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)

    answer = post_form(
        client,
        f"/finance/claims/{claim.id}/return",
        {"return-version": _version(page, "return"), "return-reason": "The parking receipt is missing."},
        follow_redirects=True,
    )

    assert "returned to the mentor" in answer.get_data(as_text=True)
    assert claim.status == "returned" and claim.status_reason == "The parking receipt is missing."
    assert "The parking receipt is missing." in answer.get_data(as_text=True)  # in the trail


def test_pay_needs_a_reference(app):
    claim = make_claim(status="approved")
    client, _user = signed_in(app)
    page = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)

    answer = post_form(
        client, f"/finance/claims/{claim.id}/pay", {"pay-version": _version(page, "pay"), "pay-reference": ""}
    )

    assert answer.status_code == 422
    assert 'id="pay-reference-error"' in answer.get_data(as_text=True)
    db.session.expire_all()
    assert claim.status == "approved"


def test_stale_page_is_refused_with_a_message_and_nothing_changes(app):
    claim = make_claim(status="submitted")
    client, _user = signed_in(app)
    page = client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    old_version = _version(page, "reject")
    workflow.check(claim.id, make_user("finance"))  # another officer acts meanwhile

    answer = post_form(
        client,
        f"/finance/claims/{claim.id}/reject",
        {"reject-version": old_version, "reject-reason": "Not a programme session."},
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Someone else changed this claim" in html
    assert "Not a programme session." in html  # what the officer typed is not lost
    db.session.expire_all()
    assert claim.status == "checked" and claim.status_reason is None
    assert ("reject", "rejected") not in _events(claim)
    assert _version(html, "reject") == str(claim.version)  # the page now carries the current version


def test_action_in_the_wrong_state_is_a_message_not_an_error_page(app):
    claim = make_claim(status="submitted")
    client, _user = signed_in(app)

    answer = post_form(
        client, f"/finance/claims/{claim.id}/pay", {"pay-version": str(claim.version), "pay-reference": "RF1"}
    )

    assert answer.status_code == 409
    assert "The action was not done" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert claim.status == "submitted"


def test_action_without_csrf_token_is_refused(app):
    claim = make_claim(status="submitted")
    client, _user = signed_in(app)

    answer = client.post(f"/finance/claims/{claim.id}/check", data={"check-version": str(claim.version)})

    assert answer.status_code == 400
    db.session.expire_all()
    assert claim.status == "submitted"


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["mentor", "actor", "auditor", "admin"])
def test_other_roles_get_403_on_finance_pages(app, role):
    claim = make_claim(status="submitted")
    client, _user = signed_in(app, role)

    assert client.get("/finance/").status_code == 403
    assert client.get("/finance/handled").status_code == 403
    assert client.get(f"/finance/claims/{claim.id}").status_code == 403
    answer = post_form(client, f"/finance/claims/{claim.id}/check", {"check-version": str(claim.version)})
    assert answer.status_code == 403
    db.session.expire_all()
    assert claim.status == "submitted"


def test_signed_out_visitor_is_sent_to_sign_in(client):
    answer = client.get("/finance/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_finance_is_warned_when_the_claims_round_has_no_roster_yet(app, client):
    claim = make_claim(status="submitted")
    sign_in(client, make_user("finance"))
    assert 'id="no-roster"' in client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
    db.session.add(RosterEntry(programme="hankinta-suomi-2023-2024", user_id=claim.mentor_id, role="mentor"))
    db.session.commit()
    assert 'id="no-roster"' not in client.get(f"/finance/claims/{claim.id}").get_data(as_text=True)
