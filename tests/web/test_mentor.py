"""The mentor's pages: my claims, a new claim, the claim form (rows, receipts, errors), preview, claim page, submit."""

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from expenses.extensions import db
from expenses.models import AuditEvent, Claim, Receipt, RosterEntry
from expenses.rounds import save_programme
from rules.programme import parse_programme
from tests.factories import (
    CAR_TOTAL,
    PDF_BYTES,
    car_body,
    javascript_pdf,
    make_claim,
    make_receipt,
    make_user,
    sign_in,
    train_body,
)

SESSION = "2024-04-23"
DECLARED = {"declaration": "y"}


@pytest.fixture
def mentor(app):
    return make_user("mentor", name="Maija Mentori")


@pytest.fixture
def browser(app, client, mentor):
    """A signed-in mentor's client; CSRF is off here and tested on its own below."""
    sign_in(client, mentor)
    app.config["WTF_CSRF_ENABLED"] = False
    return client


def trip(**changes) -> dict:
    """The car_body trip as the form posts it."""
    data = {
        "session": SESSION,
        "start_place": "Tampere",
        "distance_km": "178",
        "departure": f"{SESSION}T07:00",
        "return_at": f"{SESSION}T18:30",
    }
    data.update(changes)
    return data


def car_row(i: int = 0, **changes) -> dict:
    row = {
        f"expenses-{i}-type": "own_car",
        f"expenses-{i}-date": SESSION,
        f"expenses-{i}-km": "356",
        f"expenses-{i}-passengers": "1",
        f"expenses-{i}-description": "Tampere–Helsinki",
    }
    row.update({f"expenses-{i}-{k}": v for k, v in changes.items()})
    return row


def parking_row(i: int, amount: str = "12,50", receipt: bytes | None = PDF_BYTES, **changes) -> dict:
    row = {
        f"expenses-{i}-type": "other",
        f"expenses-{i}-date": SESSION,
        f"expenses-{i}-description": "Parking",
        f"expenses-{i}-amount": amount,
    }
    if receipt is not None:
        row[f"expenses-{i}-receipt"] = (io.BytesIO(receipt), "parking.pdf")
    row.update({f"expenses-{i}-{k}": v for k, v in changes.items()})
    return row


def post(client, url: str, data: dict, button: str = "save"):
    return client.post(url, data={**data, button: "1"}, content_type="multipart/form-data")


def text(response) -> str:
    return response.get_data(as_text=True)


def error_of(html: str, field_id: str) -> str:
    """The error message shown next to a field (the element its aria-describedby points at)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {field_id}"
    return match[1]


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match[1]


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["RECEIPTS_DIR"]).rglob("*") if p.is_file()]


# --- my claims ---------------------------------------------------------------------------------------------


def test_list_shows_only_own_claims_with_status_in_words(browser, mentor):
    mine = make_claim(mentor)
    other = make_claim(make_user("mentor"), body=train_body(None))
    html = text(browser.get("/claims/"))
    assert mine.reference in html and other.reference not in html
    assert "Draft" in html and "€268.16" in html
    assert 'href="/claims/new"' in html


def test_the_mentors_pages_name_the_session_by_its_date_in_words_not_its_id(browser, mentor):
    claim = make_claim(mentor, "returned")
    for path in ("/claims/", f"/claims/{claim.id}", f"/claims/{claim.id}/edit"):
        html = text(browser.get(path))
        assert "23 Apr 2024 Closing meeting and reflection" in html, path
        assert f"{SESSION} ·" not in html, path


# --- new claim: the sessions ---------------------------------------------------------------------------------


def test_new_claim_offers_only_reimbursable_sessions_and_explains_the_others(browser, mentor):
    html = text(browser.get("/claims/new"))
    assert re.findall(r'type="radio" name="session" id="[^"]+" value="([^"]+)"', html) == ["2023-09-22", SESSION]
    assert html.count("the session is remote") == 2  # 2023-09-11 and 2024-01-22
    assert "independent meetings of mentor and actor are not reimbursed" in html


def test_new_claim_lists_the_sessions_under_their_rounds_the_newest_first(browser, mentor):
    newer = {
        "id": "hankinta-suomi-2026-2027",
        "name": {"fi": "Kierros 2026–2027", "en": "Round 2026–2027"},
        "sessions": [{"date": date(2026, 11, 19), "start": "10:00", "end": "15:00", "mode": "in_person",
                      "reimbursed": True, "place": "Helsinki", "title": {"fi": "Aloitus", "en": "Kick-off"}}],
    }  # fmt: skip
    assert save_programme(parse_programme(newer, "newer.toml"), make_user("admin"), "newer.toml")[1] == []
    db.session.commit()
    html = text(browser.get("/claims/new"))
    rounds = re.findall(r'<p class="session-round" id="(session-round-\d+)">([^<]+)</p>', html)
    assert [name for _id, name in rounds] == ["Round 2026–2027", "Procurement Finland mentoring programme 2023–2024"]
    lists = {
        list_id: re.findall(r'value="([^"]+)"', block)
        for list_id, block in re.findall(r'<ul class="session-list" aria-labelledby="([^"]+)">(.*?)</ul>', html, re.S)
    }
    assert lists == {rounds[0][0]: ["2026-11-19"], rounds[1][0]: ["2023-09-22", SESSION]}


def test_new_claim_offers_only_the_rounds_whose_roster_admits_the_mentor(browser, mentor):
    offered = re.compile(r'type="radio" name="session" id="[^"]+" value="([^"]+)"')
    other = make_user("mentor")
    db.session.add(RosterEntry(programme="hankinta-suomi-2023-2024", user_id=other.id, role="mentor"))
    db.session.commit()
    assert offered.findall(text(browser.get("/claims/new"))) == []  # a roster without this mentor
    db.session.add(RosterEntry(programme="hankinta-suomi-2023-2024", user_id=mentor.id, role="mentor"))
    db.session.commit()
    assert offered.findall(text(browser.get("/claims/new"))) == ["2023-09-22", SESSION]


def test_session_with_an_active_claim_links_to_that_claim(browser, mentor):
    claim = make_claim(mentor)
    html = text(browser.get("/claims/new"))
    assert f'value="{SESSION}"' not in html
    assert f'href="/claims/{claim.id}"' in html


# --- the claim form -----------------------------------------------------------------------------------------


def test_create_claim_with_two_expenses_and_a_receipt(app, browser, mentor):
    response = post(browser, "/claims/new", {**trip(distance_km="178,0"), **car_row(0), **parking_row(1)})
    assert response.status_code == 302
    claim = db.session.scalars(db.select(Claim)).one()
    assert response.headers["Location"].endswith(f"/claims/{claim.id}")
    assert claim.status == "draft" and claim.mentor_id == mentor.id
    assert claim.total == CAR_TOTAL + Decimal("12.50")
    car, parking = claim.body["expenses"]
    assert car == {"type": "own_car", "date": SESSION, "km": "356", "passengers": 1, "route": "Tampere–Helsinki"}
    assert parking["amount"] == "12.50"
    receipt = db.session.get(Receipt, parking["receipt"])
    assert receipt.owner_id == mentor.id and receipt.filename == "parking.pdf"
    assert claim.body["trip"] == car_body()["trip"] | {"distance_km": "178"}


@pytest.mark.parametrize(
    ("typed", "stored"), [("12,50", "12.50"), ("12.5", "12.50"), ("1 234,5", "1234.50"), ("7", "7.00")]
)
def test_amounts_typed_with_comma_or_point(browser, typed, stored):
    response = post(browser, "/claims/new", {**trip(), **parking_row(0, amount=typed)})
    assert response.status_code == 302
    assert db.session.scalars(db.select(Claim)).one().body["expenses"][0]["amount"] == stored


def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(app, browser):
    data = {
        **trip(return_at=f"{SESSION}T06:00"),
        **car_row(0, km=""),
        **parking_row(1, amount="-5", receipt=None),
    }
    response = post(browser, "/claims/new", data)
    assert response.status_code == 200
    html = text(response)
    assert "after the departure" in error_of(html, "return_at")
    assert "negative" in error_of(html, "expenses-1-amount")
    assert "kilometres" in error_of(html, "expenses-0-km")
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    for anchor in ("#return_at", "#expenses-0-km", "#expenses-1-amount"):
        assert f'href="{anchor}"' in summary
    # What was typed is still there.
    assert 'value="-5"' in html and 'value="Tampere"' in html
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_missing_session_and_unreadable_date_are_reported(browser):
    data = {**trip(session="", departure="not a time"), **car_row(0)}
    html = text(post(browser, "/claims/new", data))
    assert "Choose the session" in html
    assert "Enter a date and time" in error_of(html, "departure")
    # Every field error is also in the summary at the top, an unreadable date too.
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#departure"' in summary and "Enter a date and time" in summary


def test_an_unreadable_expense_date_is_in_the_summary(browser):
    html = text(post(browser, "/claims/new", {**trip(), **car_row(0, date="2024-13-45")}))
    assert "Enter a date" in error_of(html, "expenses-0-date")
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#expenses-0-date"' in summary
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_uploaded_receipt_survives_a_rerender_with_errors(app, browser, mentor):
    first = post(browser, "/claims/new", {**trip(start_place=""), **parking_row(0)})
    html = text(first)
    assert "Enter the place you left from" in error_of(html, "start_place")
    receipt_id = hidden_value(html, "expenses-0-receipt_id")
    assert receipt_id and "parking.pdf" in html and f"/receipts/{receipt_id}" in html
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0

    # The browser sends no file the second time: only the kept id.
    second = post(browser, "/claims/new", {**trip(), **parking_row(0, receipt=None, receipt_id=receipt_id)})
    assert second.status_code == 302
    claim = db.session.scalars(db.select(Claim)).one()
    assert claim.body["expenses"][0]["receipt"] == receipt_id
    assert db.session.scalar(db.select(db.func.count(Receipt.id))) == 1
    assert len(stored_files(app)) == 1


def test_a_refused_file_says_why_and_keeps_the_row(browser):
    html = text(post(browser, "/claims/new", {**trip(), **parking_row(0, receipt=b"just text")}))
    assert "Only PDF, JPEG and PNG" in error_of(html, "expenses-0-receipt")
    assert 'value="Parking"' in html
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_a_hostile_file_is_refused_next_to_its_row_and_nothing_else_is_lost(app, browser):
    """A PDF with JavaScript in the second row: its error is shown there, the first row's upload is kept."""
    data = {**trip(), **parking_row(0), **parking_row(1, amount="7,00", receipt=javascript_pdf())}
    html = text(post(browser, "/claims/new", data))
    assert "The PDF contains JavaScript" in error_of(html, "expenses-1-receipt")
    assert hidden_value(html, "expenses-0-receipt_id")  # the good file is kept, its row too
    assert 'value="Tampere"' in html and 'value="7,00"' in html
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Receipt.id))) == 1


def test_someone_elses_receipt_id_cannot_be_used(browser):
    foreign = make_receipt(make_user("mentor"), filename="secret-hotel.pdf")
    html = text(post(browser, "/claims/new", {**trip(), **parking_row(0, receipt=None, receipt_id=foreign.id)}))
    assert "not a receipt you have uploaded" in error_of(html, "expenses-0-receipt")
    assert "secret-hotel.pdf" not in html
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_rows_are_added_and_removed_without_javascript(browser):
    added = text(post(browser, "/claims/new", {**trip(), **car_row(0)}, button="add_expense"))
    assert 'name="expenses-1-type"' in added
    assert 'id="expenses-1-type" name="expenses-1-type"' in added and "autofocus" in added
    assert 'value="356"' in added  # the first row is kept
    assert "is required" not in added and 'class="error"' not in added

    data = {**trip(), **car_row(0), **parking_row(1, receipt=None), "remove_expense": "0"}
    removed = text(browser.post("/claims/new", data=data, content_type="multipart/form-data"))
    rows = re.findall(r'<fieldset class="expense-row" id="expense-(\d+)"', removed)
    assert rows == ["1"]
    assert 'value="356"' not in removed and 'value="Parking"' in removed
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_blank_rows_are_ignored(browser):
    data = {**trip(), **car_row(0), "expenses-1-type": "", "expenses-1-amount": ""}
    assert post(browser, "/claims/new", data).status_code == 302
    assert len(db.session.scalars(db.select(Claim)).one().body["expenses"]) == 1


def test_compute_button_shows_the_decision_without_saving(browser):
    html = text(post(browser, "/claims/new", {**trip(), **car_row(0)}, button="compute"))
    assert "Kilometre allowance" in html and "€268.16" in html
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def night_train_rows(berth: bool) -> dict:
    """A receipted night-train ticket (the berth box ticked or not) and a request for the night travel allowance."""
    row = {
        "expenses-0-type": "public_transport",
        "expenses-0-date": "2024-04-22",
        "expenses-0-description": "Night train Rovaniemi–Helsinki",
        "expenses-0-amount": "89,00",
        "expenses-0-receipt": (io.BytesIO(PDF_BYTES), "train.pdf"),
        "expenses-1-type": "night_travel",
        "expenses-1-date": "2024-04-22",
    }
    if berth:
        row["expenses-0-sleeping_berth"] = "y"
    return row


NIGHT_TRIP = {"start_place": "Rovaniemi", "distance_km": "830", "departure": "2024-04-22T19:00"}


def test_a_ticked_sleeping_berth_is_stored_and_refuses_the_night_travel_allowance(browser):
    response = post(browser, "/claims/new", {**trip(**NIGHT_TRIP), **night_train_rows(berth=True)})
    assert response.status_code == 302
    claim = db.session.scalars(db.select(Claim)).one()
    assert claim.body["expenses"][0]["sleeping_berth"] is True
    assert "night_travel_allowance" not in [line["kind"] for line in claim.decision["lines"]]
    page = text(browser.get(f"/claims/{claim.id}"))
    assert "Sleeping berth included" in page and "includes a sleeping berth" in page
    edit = text(browser.get(f"/claims/{claim.id}/edit"))
    assert re.search(r'<input [^>]*checked id="expenses-0-sleeping_berth"', edit)


def test_an_unticked_sleeping_berth_is_left_out_and_the_night_is_paid(browser):
    response = post(browser, "/claims/new", {**trip(**NIGHT_TRIP), **night_train_rows(berth=False)})
    assert response.status_code == 302
    claim = db.session.scalars(db.select(Claim)).one()
    assert "sleeping_berth" not in claim.body["expenses"][0]
    assert "night_travel_allowance" in [line["kind"] for line in claim.decision["lines"]]


def test_the_sleeping_berth_box_has_its_label_and_hint(browser):
    html = text(browser.get("/claims/new"))
    box = re.search(r'<input aria-describedby="([^"]+)" id="([^"]+sleeping_berth)"[^>]*type="checkbox"', html)
    assert box, "no sleeping berth checkbox"
    assert f'<label for="{box[2]}">The ticket includes a sleeping berth</label>' in html
    assert f'id="{box[1]}">A berth is the night' in html


# --- the live preview ---------------------------------------------------------------------------------------


def test_preview_computes_partial_form_data_and_stores_nothing(browser):
    data = {**trip(), **car_row(0), **parking_row(1, amount="", receipt=None)}
    response = browser.post("/claims/preview", data=data)
    assert response.status_code == 200
    html = text(response)
    # Lines with their rules in words and the regulation linked, never the rule's code.
    assert "Kilometre allowance for own car" in html and "per-diem" not in html
    assert '<a class="regulation" href="https://vm.fi/en/official-journeys">State travel regulation</a>' in html
    assert "€268.16" in html
    assert "Expense 2: Amount" in html  # what still needs fixing
    assert "<html" not in html  # a fragment for the panel
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Receipt.id))) == 0


def test_preview_shows_findings(browser):
    data = {**trip(), **parking_row(0, receipt=None)}
    html = text(browser.post("/claims/preview", data=data))
    assert "receipt_missing" in html and "expense 1" in html


def test_preview_of_an_edited_claim_is_not_its_own_duplicate(browser, mentor):
    claim = make_claim(mentor)
    data = {k: v for k, v in {**trip(), **car_row(0)}.items() if k != "session"}
    html = text(browser.post(f"/claims/preview?claim={claim.id}", data=data))
    assert "duplicate_claim" not in html and "€268.16" in html


def test_upload_endpoint_keeps_the_receipt_at_once(browser, mentor):
    response = browser.post("/claims/receipts", data={"file": (io.BytesIO(PDF_BYTES), "taxi.pdf")})
    assert response.status_code == 201
    assert db.session.get(Receipt, response.json["id"]).owner_id == mentor.id
    refused = browser.post("/claims/receipts", data={"file": (io.BytesIO(b"GIF89a"), "x.gif")})
    assert refused.status_code == 400 and "PDF" in refused.json["error"]


# --- the claim page, submitting, returned claims ----------------------------------------------------------


def test_claim_page_shows_decision_receipts_and_history(browser, mentor):
    receipt = make_receipt(mentor, filename="ticket.pdf")
    claim = make_claim(mentor, body=train_body(receipt.id))
    html = text(browser.get(f"/claims/{claim.id}"))
    assert "Draft" in html and "Public transport per receipt" in html and "travel.public-transport" not in html
    assert f'href="/receipts/{receipt.id}"' in html and "ticket.pdf" in html
    assert "Created" in html and "Maija Mentori" in html
    assert f'name="version" value="{claim.version}"' in html
    assert f'href="/claims/{claim.id}/edit"' in html


def test_submit(browser, mentor):
    claim = make_claim(mentor)
    response = browser.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version), **DECLARED})
    assert response.status_code == 302
    db.session.refresh(claim)
    assert claim.status == "submitted"
    html = text(browser.get(f"/claims/{claim.id}"))
    assert "Submitted" in html and f"/claims/{claim.id}/submit" not in html
    # The history says what changed: from a draft to submitted, not "Submitted → Submitted".
    assert "Draft → Submitted" in html and "Submitted → Submitted" not in html


def test_a_missing_receipt_shows_what_the_lines_add_up_to_and_what_blocks_payment(browser, mentor):
    claim = make_claim(mentor, body=train_body(None))
    html = text(browser.get(f"/claims/{claim.id}"))
    # 48.00 per diem + the 160.00 ticket, not €0.00; the error that blocks payment is listed below it.
    assert "€208.00 (nothing is paid until the errors are fixed)" in html and "€0.00" not in html
    assert "receipt_missing" in html


def test_claim_with_errors_cannot_be_submitted(browser, mentor):
    claim = make_claim(mentor, body=train_body(None))
    response = browser.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version), **DECLARED})
    assert response.status_code == 409
    problem = text(response).split('id="problem"', 1)[1].split("</div>", 1)[0]
    assert "cannot be submitted" in problem and "receipt_missing" in problem
    # A claim that was not submitted is not "submitted after the deadline": the refusal lists only errors.
    assert "late_claim" not in problem
    db.session.refresh(claim)
    assert claim.status == "draft"


def test_submit_of_a_changed_claim_says_reload(browser, mentor):
    claim = make_claim(mentor)
    response = browser.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version - 1), **DECLARED})
    assert response.status_code == 409 and "Reload" in text(response)
    db.session.refresh(claim)
    assert claim.status == "draft"


def test_returned_claim_shows_the_reason_and_is_fixed_and_resubmitted(browser, mentor):
    claim = make_claim(mentor, "returned")
    html = text(browser.get(f"/claims/{claim.id}"))
    assert "Returned for correction" in html and "Please attach the parking receipt." in html

    form = text(browser.get(f"/claims/{claim.id}/edit"))
    assert "Please attach the parking receipt." in form
    assert 'value="Tampere"' in form and 'value="356"' in form
    version = hidden_value(form, "version")
    data = {k: v for k, v in {**trip(), **car_row(0), **parking_row(1)}.items() if k != "session"}
    response = post(browser, f"/claims/{claim.id}/edit", {**data, "version": version})
    assert response.status_code == 302
    db.session.refresh(claim)
    assert claim.status == "returned" and len(claim.body["expenses"]) == 2

    submitted = browser.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version), **DECLARED})
    assert submitted.status_code == 302
    db.session.refresh(claim)
    assert claim.status == "submitted"


def test_submit_without_the_declaration_is_refused_next_to_it_and_at_the_top(browser, mentor):
    claim = make_claim(mentor)
    response = browser.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version)})
    assert response.status_code == 422
    html = text(response)
    assert "Confirm that the claim is correct" in error_of(html, "declaration")
    assert 'href="#declaration"' in html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    db.session.refresh(claim)
    assert claim.status == "draft"


def test_sending_asks_for_the_iban_only_while_none_is_on_file_and_keeps_it(browser, mentor):
    claim = make_claim(mentor)
    assert 'name="iban"' in text(browser.get(f"/claims/{claim.id}"))
    bad = browser.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version), "iban": "FI00 1", **DECLARED})
    assert bad.status_code == 422 and "not a valid IBAN" in error_of(text(bad), "iban")
    db.session.refresh(claim)
    assert claim.status == "draft" and mentor.iban is None

    data = {"version": str(claim.version), "iban": "FI21 1234 5600 0007 85", **DECLARED}
    assert browser.post(f"/claims/{claim.id}/submit", data=data).status_code == 302
    db.session.refresh(claim)
    db.session.refresh(mentor)
    assert claim.status == "submitted" and mentor.iban == "FI2112345600000785"
    other = make_claim(mentor, body=car_body("2023-09-22"))
    assert 'name="iban"' not in text(browser.get(f"/claims/{other.id}"))


def test_the_iban_can_be_left_for_later(browser, mentor):
    claim = make_claim(mentor)
    response = browser.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version), **DECLARED})
    assert response.status_code == 302
    db.session.refresh(claim)
    assert claim.status == "submitted" and mentor.iban is None


def test_send_saves_and_submits_in_one_step(browser, mentor):
    response = post(browser, "/claims/new", {**trip(), **car_row(0), **parking_row(1), **DECLARED}, button="send")
    claim = db.session.scalars(db.select(Claim)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/claims/{claim.id}")
    assert claim.status == "submitted" and [e.action for e in claim.events] == ["create", "submit"]


def test_send_without_the_declaration_saves_nothing_and_keeps_what_was_typed(browser):
    html = text(post(browser, "/claims/new", {**trip(start_place="Pori"), **car_row(0)}, button="send"))
    assert "Confirm that the claim is correct" in error_of(html, "declaration")
    assert 'value="Pori"' in html
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_send_of_a_claim_with_errors_keeps_it_as_a_draft_and_says_why(browser):
    response = post(browser, "/claims/new", {**trip(), **parking_row(0, receipt=None), **DECLARED}, button="send")
    claim = db.session.scalars(db.select(Claim)).one()
    assert response.status_code == 302 and claim.status == "draft"
    html = text(browser.get(response.headers["Location"]))
    assert "cannot be sent until the errors shown below are fixed" in html and "receipt_missing" in html


def test_an_edited_claim_is_sent_with_its_changes(browser, mentor):
    claim = make_claim(mentor, "returned")
    data = {k: v for k, v in {**trip(start_place="Pori"), **car_row(0)}.items() if k != "session"}
    response = post(browser, f"/claims/{claim.id}/edit", {**data, "version": str(claim.version), **DECLARED}, "send")
    assert response.status_code == 302
    db.session.refresh(claim)
    assert claim.status == "submitted" and claim.body["trip"]["start_place"] == "Pori"


def test_the_first_row_is_public_transport_and_its_date_comes_from_the_trip(browser):
    form = text(browser.get("/claims/new"))
    assert '<option selected value="public_transport">' in form
    # Only the defaults: not an expense.
    untouched = {**trip(), "expenses-0-type": "public_transport", "expenses-0-date": ""}
    assert post(browser, "/claims/new", untouched).status_code == 302
    assert db.session.scalars(db.select(Claim)).one().body["expenses"] == []

    row = {"expenses-0-type": "other", "expenses-0-amount": "5", "expenses-0-date": ""}
    html = text(post(browser, "/claims/new", {**trip(session="2023-09-22", departure="2023-09-22T07:00",
                                                     return_at="2023-09-22T20:00"), **row}, button="compute"))
    assert 'name="expenses-0-date" type="date" value="2023-09-22"' in html


def test_return_ticket_copies_the_row_on_the_return_day_without_its_receipt(browser):
    outbound = {
        "expenses-0-type": "public_transport",
        "expenses-0-date": "2024-04-22",
        "expenses-0-description": "Juna Tampere–Helsinki",
        "expenses-0-amount": "25,90",
        "expenses-0-receipt": (io.BytesIO(PDF_BYTES), "meno.pdf"),
    }
    data = {**trip(departure="2024-04-22T18:00"), **outbound, "copy_expense": "0"}
    html = text(browser.post("/claims/new", data=data, content_type="multipart/form-data"))
    assert 'value="Juna Helsinki–Tampere"' in html and html.count('value="25,90"') == 2
    assert 'name="expenses-1-date" type="date" value="2024-04-23"' in html
    assert hidden_value(html, "expenses-0-receipt_id") and not hidden_value(html, "expenses-1-receipt_id")
    assert re.search(r'<input[^>]*autofocus[^>]*id="expenses-1-receipt"', html)
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


@pytest.mark.parametrize(
    ("route", "back"),
    [("Juna Tampere–Helsinki", "Juna Helsinki–Tampere"), ("Oulu - Helsinki", "Helsinki - Oulu"), ("Bus", "Bus")],
)
def test_reversed_route(route, back):
    from expenses.web.claim_form import reversed_route

    assert reversed_route(route) == back


def test_submitted_claim_cannot_be_edited(browser, mentor):
    claim = make_claim(mentor, "submitted")
    response = browser.get(f"/claims/{claim.id}/edit")
    assert response.status_code == 302
    data = {k: v for k, v in {**trip(), **car_row(0)}.items() if k != "session"}
    post(browser, f"/claims/{claim.id}/edit", data)
    db.session.refresh(claim)
    assert claim.status == "submitted" and [e.action for e in claim.events] == ["create", "submit"]


# --- access ---------------------------------------------------------------------------------------------


def test_another_mentors_claim_is_not_found(browser):
    claim = make_claim(make_user("mentor"))
    assert browser.get(f"/claims/{claim.id}").status_code == 404
    assert browser.get(f"/claims/{claim.id}/edit").status_code == 404
    assert browser.post(f"/claims/{claim.id}/submit", data={}).status_code == 404
    assert browser.post(f"/claims/preview?claim={claim.id}", data={}).status_code == 404
    db.session.refresh(claim)
    assert claim.status == "draft"


@pytest.mark.parametrize("role", ["actor", "finance"])
def test_other_roles_are_refused(app, client, role):
    sign_in(client, make_user(role))
    app.config["WTF_CSRF_ENABLED"] = False
    for url in ("/claims/", "/claims/new"):
        assert client.get(url).status_code == 403
    assert client.post("/claims/preview", data=trip()).status_code == 403
    assert client.post("/claims/new", data={**trip(), **car_row(0), "save": "1"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/claims/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(app, client, mentor):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    # Sign in with a real token first, as a browser would.
    login = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)[1]
    client.post("/login", data={"email": mentor.email, "password": "correct horse battery", "csrf_token": token})
    assert client.get("/claims/new").status_code == 200
    response = client.post("/claims/new", data={**trip(), **car_row(0), "save": "1"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == 0


def test_saving_over_a_changed_claim_says_reload(browser, mentor):
    claim = make_claim(mentor)
    data = {k: v for k, v in {**trip(start_place="Pori"), **car_row(0)}.items() if k != "session"}
    html = text(post(browser, f"/claims/{claim.id}/edit", {**data, "version": str(claim.version - 1)}))
    assert "Reload" in html and 'value="Pori"' in html  # nothing typed is lost
    db.session.refresh(claim)
    assert claim.body["trip"]["start_place"] == "Tampere"


def test_form_pages_have_no_inline_script_or_style(browser, mentor):
    claim = make_claim(mentor)
    for url in ("/claims/", "/claims/new", f"/claims/{claim.id}", f"/claims/{claim.id}/edit"):
        html = text(browser.get(url))
        assert "<script>" not in html and " style=" not in html
        assert 'aria-invalid="None"' not in html and 'aria-describedby="None"' not in html
    assert 'src="/static/js/claim-form.js"' in text(browser.get("/claims/new"))


def test_compute_without_a_session_asks_for_one(browser):
    html = text(post(browser, "/claims/new", {**trip(session=""), **car_row(0)}, button="compute"))
    assert "Choose the session" in error_of(html, "session")
