"""Human texts of API answers follow Accept-Language (fi, sv, en); codes, kinds and rules never change."""

import pytest

from expenses.extensions import db
from tests.factories import car_body, make_claim, make_user, train_body

LANGUAGES = ("fi", "sv", "en")


def _preview(api_as, lang: str) -> dict:
    answer = api_as(make_user("mentor"), lang=lang).post("/claims/preview", json=train_body(receipt_id=None))
    assert answer.status_code == 200
    return answer.json


def test_explanations_follow_the_language_but_codes_do_not(api_as):
    """The engine formats numbers per language (48,00 € in fi and sv, €48.00 in en); the words come
    from the catalogues (tests/i18n); codes, kinds, rules and amounts are the same in every language."""
    decisions = {lang: _preview(api_as, lang) for lang in LANGUAGES}
    codes = {lang: [(f["code"], f["severity"]) for f in d["findings"]] for lang, d in decisions.items()}
    assert codes["fi"] == codes["sv"] == codes["en"]
    assert ("receipt_missing", "error") in codes["en"]
    kinds = {lang: [(ln["kind"], ln["rule"], ln["amount"]) for ln in d["lines"]] for lang, d in decisions.items()}
    assert kinds["fi"] == kinds["sv"] == kinds["en"]
    explanations = {lang: " ".join(ln["explanation"] for ln in d["lines"]) for lang, d in decisions.items()}
    assert "€48.00" in explanations["en"]
    assert "48,00\u00a0€" in explanations["fi"]
    assert "48,00\u00a0€" in explanations["sv"]


def test_without_accept_language_texts_are_finnish(visitor, api_as):
    finnish = _preview(api_as, "fi")
    api = api_as(make_user("mentor"))
    answer = visitor.post(
        "/api/v1/claims/preview", json=train_body(None), headers={"Authorization": f"Bearer {api.token}"}
    )
    assert [ln["explanation"] for ln in answer.json["lines"]] == [ln["explanation"] for ln in finnish["lines"]]
    assert "48,00\u00a0€" in answer.json["lines"][0]["explanation"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_created_claim_keeps_the_request_language(api_as, lang):
    answer = api_as(make_user("mentor"), lang=lang).post("/claims", json=car_body())
    assert answer.json["language"] == lang


def test_refusals_are_in_the_request_language(api_as):
    english = api_as(make_user("actor"), lang="en").post("/claims", json=car_body()).json["error"]
    assert english.startswith("Only the programme's mentors")


# A claim saved in Finnish (make_claim), read in another language; its session's deadline has passed,
# so once submitted it also has the service's late_claim warning.
READ = {
    "en": ("trip 11 h 30 min", "The claim was submitted after the deadline of 23 Jun 2024."),
    "sv": ("resan 11 h 30 min", "Reseräkningen lämnades in efter tidsfristen 23.6.2024."),
}


def _read_in(answer, lang: str) -> bool:
    """Whether the answer's decision speaks `lang`: its first explanation and its last finding."""
    decision = answer.json["decision"]
    explanation, late = READ[lang]
    return decision["lines"][0]["explanation"].startswith(explanation) and decision["findings"][-1]["message"] == late


@pytest.mark.parametrize("lang", ["en", "sv"])
@pytest.mark.parametrize("role", ["mentor", "finance", "auditor"])
def test_stored_decision_is_read_in_the_request_language(api_as, role, lang):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "approved")
    answer = api_as(mentor if role == "mentor" else make_user(role), lang=lang).get(f"/claims/{claim.id}")
    assert answer.status_code == 200
    assert _read_in(answer, lang)
    assert answer.json["language"] == "fi"  # the claim's own, which its PDF speaks
    assert [f["code"] for f in answer.json["decision"]["findings"]] == [f["code"] for f in claim.decision["findings"]]


def test_an_officers_action_answers_in_the_officers_language(api_as):
    claim = make_claim(make_user("mentor"), "submitted")
    answer = api_as(make_user("finance"), lang="sv").post(f"/claims/{claim.id}/check")
    assert answer.status_code == 200 and _read_in(answer, "sv")


def test_claim_saved_before_every_language_was_kept_is_answered_as_stored(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "submitted")
    claim.decision_texts = None
    db.session.commit()
    answer = api_as(mentor, lang="en").get(f"/claims/{claim.id}")
    assert answer.json["decision"] == claim.decision
    assert answer.json["decision"]["lines"][0]["explanation"].startswith("matka 11 h 30 min")


def test_submit_refusal_is_in_the_request_language(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor, body=train_body(None))  # saved in Finnish, without the ticket's receipt
    answer = api_as(mentor, lang="sv").post(f"/claims/{claim.id}/submit")
    assert answer.status_code == 409
    messages = {f["code"]: f["message"] for f in answer.json["findings"]}
    assert messages["receipt_missing"] == "Bifoga kvittot för denna kostnad."


def test_submit_makes_the_request_language_the_claims(api_as):
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    answer = api_as(mentor, lang="sv").post(f"/claims/{claim.id}/submit")
    assert answer.status_code == 200 and answer.json["language"] == "sv"
    assert _read_in(answer, "sv")


def test_the_api_takes_its_language_from_the_request_alone(visitor, api_as):
    """A token-signed call keeps no session: `?lang=` sets no cookie, and a browser's chosen language
    (its session cookie, sent along) does not change the API's answer."""
    api = api_as(make_user("mentor"))
    headers = {"Authorization": f"Bearer {api.token}"}
    visitor.get("/login?lang=sv")  # the browser's session now says Swedish
    assert visitor.get_cookie("session") is not None
    finnish = visitor.post("/api/v1/claims/preview", json=train_body(None), headers=headers)
    assert finnish.json["lines"][0]["explanation"].startswith("matka ")
    english = visitor.post("/api/v1/claims/preview?lang=en", json=train_body(None), headers=headers)
    assert english.json["lines"][0]["explanation"].startswith("trip ")
    assert "Set-Cookie" not in english.headers
