"""The language of pages, findings, form errors, e-mail and the PDF: chosen, else the browser's, else Finnish."""

import io

import pytest
from pypdf import PdfReader

from expenses import documents, notifications, workflow
from expenses.extensions import db
from tests.factories import car_body, make_claim, make_receipt, make_user, sign_in, train_body

SESSION = "2024-04-23"


def page(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_finnish_is_the_default(visitor):
    html = page(visitor.get("/login"))
    assert '<html lang="fi">' in html and "<h1>Kirjaudu sisään</h1>" in html and "Valtiovarainministeriö" in html


@pytest.mark.parametrize(
    ("lang", "footer"),
    [
        ("fi", "Hankinta-Suomen mentorointiohjelma · Valtiovarainministeriö, Kuntaliitto ja HAUS kehittämiskeskus"),
        ("sv", "Upphandlings-Finlands mentorprogram · Finansministeriet, Kommunförbundet och HAUS utvecklingscentral"),
        ("en", "Procurement Finland mentoring programme · Ministry of Finance, Association of Finnish Municipalities"),
    ],
)
def test_the_footer_names_the_programme_and_its_organisers_in_each_language(visitor, lang, footer):
    assert footer in page(visitor.get(f"/login?lang={lang}"))


def test_the_mentee_has_the_programmes_own_swedish_name(app, visitor):
    # "Aktor" reads as a prosecutor in Swedish; the programme's Swedish pages say "adept".
    actor = make_user("actor", name="Aku Adept")
    sign_in(visitor, actor)
    html = page(visitor.get("/actor?lang=sv"))
    assert "Aku Adept (Adept)" in html and "Aktor" not in html and "aktor" not in html


@pytest.mark.parametrize(
    ("header", "lang", "heading"),
    [("sv", "sv", "Logga in"), ("en-GB,en;q=0.8", "en", "Sign in"), ("de", "fi", "Kirjaudu")],
)
def test_accept_language_decides_when_nothing_is_chosen(visitor, header, lang, heading):
    html = page(visitor.get("/login", headers={"Accept-Language": header}))
    assert f'<html lang="{lang}">' in html and f"<h1>{heading}" in html


def test_choice_on_the_page_wins_over_the_browser_and_is_remembered(visitor):
    html = page(visitor.get("/login?lang=sv", headers={"Accept-Language": "en"}))
    assert '<html lang="sv">' in html and "Logga in" in html and "E-post" in html
    # The switch offers the other two languages, each a link in its own language.
    assert 'hreflang="fi"' in html and 'hreflang="en"' in html and 'href="/login?lang=fi"' in html
    html = page(visitor.get("/login", headers={"Accept-Language": "en"}))
    assert '<html lang="sv">' in html and "Logga in" in html


def test_a_wrong_sign_in_is_told_in_the_chosen_language(app, visitor):
    make_user("mentor", email="maija@example.fi")
    app.config["WTF_CSRF_ENABLED"] = False
    visitor.get("/login?lang=sv")
    html = visitor.post("/login", data={"email": "maija@example.fi", "password": "wrong"}).get_data(as_text=True)
    assert "E-postadressen eller lösenordet är fel." in html


@pytest.fixture
def swedish_mentor(app, visitor):
    mentor = make_user("mentor", name="Maja Mentor")
    app.config["WTF_CSRF_ENABLED"] = False
    visitor.get("/login?lang=sv")
    sign_in(visitor, mentor)
    return mentor


def test_the_language_survives_signing_in(visitor, swedish_mentor):
    html = page(visitor.get("/claims/"))
    assert '<html lang="sv">' in html and "Mina reseräkningar" in html and "Logga ut" in html


def test_preview_findings_and_explanations_come_in_the_readers_language(visitor, swedish_mentor):
    form = {
        "session": SESSION,
        "start_place": "Tampere",
        "distance_km": "178",
        "departure": f"{SESSION}T07:00",
        "return_at": f"{SESSION}T18:30",
        "expenses-0-type": "other",
        "expenses-0-date": SESSION,
        "expenses-0-description": "Parkering",
        "expenses-0-amount": "12,50",
    }
    html = page(visitor.post("/claims/preview", data=form))
    assert "Bifoga kvittot för denna kostnad." in html  # the engine's finding, from the rules catalogue
    assert "kostnad 1" in html and "receipt_missing" in html  # the code never changes with the language
    assert "Heldagtraktamente" in html and "resan 11 h 30 min &gt; 10 h → 51,00\u00a0€" in html
    assert "Fel" in html and "Totalt" in html


def test_form_errors_come_in_the_readers_language(visitor, swedish_mentor):
    form = {"session": "", "start_place": "Tampere", "distance_km": "-5", "compute": "1"}
    html = page(visitor.post("/claims/new", data=form))
    assert "Välj mötet." in html and "Korrigera följande:" in html


def test_engine_problems_reach_the_api_answer_translated(app, swedish_mentor):
    body = car_body(SESSION, start_place="")
    body["expenses"][0]["passengers"] = -1
    with app.test_request_context(), pytest.raises(workflow.Invalid) as caught:
        workflow.preview(body, swedish_mentor, "sv")
    errors = {e["field"]: e["message"] for e in caught.value.details["errors"]}
    assert errors["trip.start_place"] == "får inte vara tomt"
    assert errors["expenses[0].passengers"] == "måste vara minst 0"
    # The form still gets the engine's own problems, English, to choose its friendlier wording.
    assert {p.message for p in caught.value.problems} >= {"must not be empty", "must be at least 0"}


def test_mail_goes_in_the_mentors_language(app, monkeypatch):
    sent = []
    monkeypatch.setattr(notifications, "_send", lambda app, messages: sent.extend(messages))
    mentor = make_user("mentor")
    mentor.language = "sv"
    db.session.commit()
    claim = make_claim(mentor, "returned")
    (mail,) = sent
    assert mail["Subject"] == f"Din reseräkning {claim.reference} har återsänts för korrigering"
    body = mail.get_content()
    assert "Skäl: Please attach the parking receipt." in body and "Totalt: 268,16\u00a0€" in body


def test_pdf_summary_is_in_the_claimants_language(app):
    mentor = make_user("mentor")
    claim = workflow.create(train_body(make_receipt(mentor).id), mentor, "sv")
    workflow.submit(claim.id, mentor, "sv")
    workflow.check(claim.id, make_user("finance"))
    workflow.approve(claim.id, make_user("finance"))
    reader = PdfReader(io.BytesIO(documents.read(claim.document)))
    text = "\n".join(p.extract_text() for p in reader.pages).replace("\u00a0", " ")
    assert "Sammandrag av reseräkning" in text and "Heldagtraktamente" in text and "208,00 €" in text


def test_the_same_choice_again_leaves_the_session_cookie_alone(visitor):
    assert sign_in(visitor, make_user("mentor")).status_code == 302
    first = visitor.get("/account/?lang=sv")
    assert any(c.startswith("session=") for c in first.headers.getlist("Set-Cookie"))
    # A changed session is signed and sent again; an unchanged choice must not cost that on every request.
    again = visitor.get("/account/?lang=sv")
    assert not any(c.startswith("session=") for c in again.headers.getlist("Set-Cookie"))
    assert '<html lang="sv">' in page(again)
