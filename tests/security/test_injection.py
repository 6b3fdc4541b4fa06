"""No HTML injection: what people type is shown exactly as typed, on every page and in the PDF, and never runs."""

import csv
import html
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from expenses import documents, payments, workflow
from expenses.extensions import db
from expenses.models import Claim
from tests.factories import PNG_BYTES, make_receipt, make_user, sign_in

SCRIPT_NAME = "<script>alert(1)</script>"
FINNISH_NAME = "Åsa O'Brien-Ääninen"
PLACE = "<img src=x onerror=alert(2)>Oulu"
DESCRIPTION = '"><script>alert(3)</script>'
ROUTE = "</td><b>Koti</b> – asema & takaisin"
REASON = "{{ 7*7 }} ${7*7} <i>ei bussia</i>"
RECEIPT_NAME = "<svg onload=alert(4)>.png"
RETURN_REASON = "<script>alert(5)</script> liitä kuitti"
#: Typed text that would change the page if it reached it unescaped.
DANGEROUS = [SCRIPT_NAME, PLACE, DESCRIPTION, ROUTE, RECEIPT_NAME, RETURN_REASON, "<i>ei bussia</i>"]
DOUBLE_ESCAPED = re.compile(r"&amp;(?:lt|gt|quot|amp|#3[49]|#x27);")


def _body(session: str, ticket: str, taxi: str) -> dict:
    day = session
    return {
        "session": session,
        "trip": {"start_place": PLACE, "distance_km": 607, "departure": f"{day}T06:00", "return": f"{day}T21:30"},
        "expenses": [
            {
                "type": "public_transport",
                "date": day,
                "description": DESCRIPTION,
                "amount": "160.00",
                "receipt": ticket,
            },
            {"type": "own_car", "date": day, "km": 10, "passengers": 0, "route": ROUTE},
            {"type": "taxi", "date": day, "amount": "18.40", "receipt": taxi, "reason": REASON},
        ],
    }


@pytest.fixture
def typed(app):
    """Two mentors with awkward names and claims full of markup: one approved and paid for, one returned."""
    checker, approver = make_user("finance"), make_user("finance")
    script = make_user("mentor", name=SCRIPT_NAME)
    finnish = make_user("mentor", name=FINNISH_NAME)
    claims = {}
    for mentor in (script, finnish):
        payments.set_iban(mentor, "FI21 1234 5600 0007 85")
        ticket = make_receipt(mentor, PNG_BYTES, RECEIPT_NAME)
        taxi = make_receipt(mentor)
        claim = workflow.create(_body("2023-09-22", ticket.id, taxi.id), mentor, "fi")
        workflow.submit(claim.id, mentor, "fi")
        workflow.check(claim.id, checker)
        workflow.approve(claim.id, approver)
        returned = workflow.create(_body("2024-04-23", ticket.id, taxi.id), mentor, "fi")
        workflow.submit(returned.id, mentor, "fi")
        workflow.return_for_correction(returned.id, checker, RETURN_REASON)
        claims[mentor.name] = (claim, returned)
    batch = payments.export_batch([c.id for c, _r in claims.values()], approver)
    return {"script": script, "finnish": finnish, "claims": claims, "batch": batch, "checker": checker}


def _client(app, user):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert sign_in(client, user).status_code == 302
    return client


def _pages(app, typed) -> dict[str, str]:
    pages = {}
    finance, auditor, admin = make_user("finance"), make_user("auditor"), make_user("admin")
    for who in ("script", "finnish"):
        mentor = typed[who]
        client = _client(app, mentor)
        approved, returned = typed["claims"][mentor.name]
        for path in ("/claims/", f"/claims/{approved.id}", f"/claims/{returned.id}", f"/claims/{returned.id}/edit"):
            pages[f"{who} {path}"] = client.get(path).get_data(as_text=True)
    as_finance = _client(app, finance)
    paths = ["/finance/", "/finance/handled", "/finance/payments/", f"/finance/payments/{typed['batch'].id}"]
    paths += [f"/finance/claims/{c.id}" for pair in typed["claims"].values() for c in pair]
    for path in paths:
        pages[f"finance {path}"] = as_finance.get(path).get_data(as_text=True)
    as_auditor = _client(app, auditor)
    paths = ["/audit/", "/audit/?q=%3Cscript%3E", "/audit/?q=%C3%85sa+O%27Brien"]
    paths += [f"/audit/claims/{approved.id}" for approved, _r in typed["claims"].values()]
    for path in paths:
        pages[f"auditor {path}"] = as_auditor.get(path).get_data(as_text=True)
    pages["admin /admin/"] = _client(app, admin).get("/admin/").get_data(as_text=True)
    return pages


def test_typed_text_is_escaped_on_every_page_and_shown_as_typed(app, typed):
    pages = _pages(app, typed)
    problems = []
    for name, page in pages.items():
        for dangerous in DANGEROUS:
            if dangerous in page:
                problems.append(f"{name}: {dangerous!r} reached the page unescaped")
        if DOUBLE_ESCAPED.search(page):
            problems.append(f"{name}: escaped twice: {DOUBLE_ESCAPED.search(page).group(0)}")
    assert problems == []

    shown = {name: html.unescape(page) for name, page in pages.items()}
    # Each name appears, exactly as typed, where finance, auditors and admins look for it.
    for person in (SCRIPT_NAME, FINNISH_NAME):
        for name in ("finance /finance/payments/1", "finance /finance/handled", "auditor /audit/", "admin /admin/"):
            assert person in shown[name], (name, person)
    assert SCRIPT_NAME in shown["auditor /audit/?q=%3Cscript%3E"]
    assert FINNISH_NAME in shown["auditor /audit/?q=%C3%85sa+O%27Brien"]
    # The claim's own text, on the mentor's and finance's views of it.
    approved, returned = typed["claims"][SCRIPT_NAME]
    for name in (f"script /claims/{approved.id}", f"finance /finance/claims/{approved.id}"):
        for text in (PLACE, DESCRIPTION, ROUTE, REASON, RECEIPT_NAME):
            assert text in shown[name], (name, text)
    assert RETURN_REASON in shown[f"script /claims/{returned.id}"]
    # The edit form gives the typed text back in its fields, to be saved unchanged.
    assert f'value="{html.escape(PLACE)}"' in pages[f"script /claims/{returned.id}/edit"]


def test_a_saved_edit_keeps_the_text_exactly(app, typed):
    """Round trip: opening and saving the edit form changes nothing of what was typed."""
    mentor = typed["finnish"]
    _approved, returned = typed["claims"][FINNISH_NAME]
    before = dict(returned.body)
    client = _client(app, mentor)
    page = client.get(f"/claims/{returned.id}/edit").get_data(as_text=True)
    form = {}
    for tag in re.finditer(r"<(input|select|textarea)\b[^>]*>", page):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(0)))
        if "name" not in attrs or attrs.get("type") in ("file", "submit", "button", "radio", "checkbox"):
            continue
        form[html.unescape(attrs["name"])] = html.unescape(attrs.get("value", ""))
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        options = [o for o in re.findall(r"<option\b[^>]*>", match.group(2)) if re.search(r"\bselected\b", o)]
        chosen = re.search(r'value="([^"]*)"', options[0]) if options else None
        form[match.group(1)] = html.unescape(chosen.group(1)) if chosen else ""
    for match in re.finditer(r'<input[^>]*type="radio"[^>]*>', page):
        tag = match.group(0)
        if "checked" in tag:
            attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
            form[attrs["name"]] = html.unescape(attrs["value"])
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        form[match.group(1)] = html.unescape(match.group(2).lstrip("\n"))
    answer = client.post(f"/claims/{returned.id}/edit", data=form)
    assert answer.status_code == 302, re.findall(r"error[^<]*<[^>]*>([^<]*)", answer.get_data(as_text=True))
    saved = db.session.get(Claim, returned.id).body
    assert saved["trip"]["start_place"] == before["trip"]["start_place"] == PLACE
    texts = [(e.get("description"), e.get("route"), e.get("reason")) for e in saved["expenses"]]
    assert texts == [(e.get("description"), e.get("route"), e.get("reason")) for e in before["expenses"]]


def _pdf_text(claim: Claim) -> str:
    reader = PdfReader(io.BytesIO(documents.read(claim.document)))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_pdf_shows_names_and_text_exactly_as_typed(app, typed):
    for person in (SCRIPT_NAME, FINNISH_NAME):
        approved, _returned = typed["claims"][person]
        text = _pdf_text(approved)
        for expected in (person, PLACE, DESCRIPTION, REASON):
            assert " ".join(expected.split()) in text, (person, expected)


def test_ledger_cells_cannot_become_spreadsheet_formulas(app, typed, client):
    formula = make_user("mentor", name='=HYPERLINK("http://evil.example","click")')
    payments.set_iban(formula, "FI21 1234 5600 0007 85")
    from tests.factories import car_body, make_claim

    make_claim(formula, "approved", car_body())
    sign_in(client, make_user("auditor"))
    with client.get("/audit/export.zip") as answer:
        archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    for member in ("ledger.csv", "ledger-data.csv"):  # the office's (English here) and the integrations'
        rows = list(csv.DictReader(io.StringIO(archive.read(member).decode("utf-8-sig"))))
        names = {row.get("mentor", row.get("Mentor")) for row in rows}
        assert "'" + formula.name in names  # quoted: shown as text, never run
        assert SCRIPT_NAME in names and FINNISH_NAME in names  # other names exactly as typed
    with client.get("/audit/ledger.xlsx") as answer:
        sheet = load_workbook(io.BytesIO(answer.get_data())).active
    cells = [cell for row in sheet.iter_rows(min_row=2, max_col=2) for cell in row if cell.value == formula.name]
    assert cells and all(cell.data_type == "s" for cell in cells)  # a text cell, not a formula
