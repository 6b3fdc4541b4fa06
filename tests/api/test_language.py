"""Human texts of API answers follow Accept-Language (fi, sv, en); codes, kinds and rules never change."""

import pytest

from tests.factories import car_body, make_user, train_body

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
