"""A claim's decision is shown in the reader's language, whatever language the claim was saved in."""

import re

import pytest

from expenses.extensions import db
from tests.factories import make_claim, make_user, new_client, sign_in, train_body

# make_claim saves car_body() in Finnish; its session's deadline (2024-06-23) has passed, so every
# submitted claim also has the service's late_claim warning.
FINNISH = ("matka 11 h 30 min", "Matkalasku lähetettiin määräajan")
READ = {
    "en": ("trip 11 h 30 min", "The claim was submitted after the deadline of 23 Jun 2024."),
    "sv": ("resan 11 h 30 min", "Reseräkningen lämnades in efter tidsfristen 23.6.2024."),
}


def page_of(app, role: str, lang: str):
    """An approved claim saved in Finnish, and the page showing it to `role`, read in `lang`."""
    mentor = make_user("mentor")
    claim = make_claim(mentor, "approved")
    reader = {"mentor": mentor, "finance": make_user("finance"), "auditor": make_user("auditor")}[role]
    client = new_client(app, language=lang)
    assert sign_in(client, reader).status_code == 302
    path = {"mentor": "/claims/{}", "finance": "/finance/claims/{}", "auditor": "/audit/claims/{}"}[role]
    return claim, client, path.format(claim.id)


@pytest.mark.parametrize("lang", ["en", "sv"])
@pytest.mark.parametrize("role", ["mentor", "finance", "auditor"])
def test_claim_page_shows_the_decision_in_the_readers_language(app, role, lang):
    _claim, client, path = page_of(app, role, lang)
    html = client.get(path).get_data(as_text=True)
    for text in READ[lang]:
        assert text in html
    for text in FINNISH:
        assert text not in html


def test_claim_saved_before_every_language_was_kept_shows_as_stored(app):
    claim, client, path = page_of(app, "finance", "en")
    claim.decision_texts = None
    db.session.commit()
    html = client.get(path).get_data(as_text=True)
    for text in FINNISH:
        assert text in html


def test_edit_page_shows_the_stored_decision_in_the_readers_language(app):
    mentor = make_user("mentor")
    claim = make_claim(mentor, "returned")
    client = new_client(app, language="sv")
    sign_in(client, mentor)
    panel = client.get(f"/claims/{claim.id}/edit").get_data(as_text=True).split('id="decision"', 1)[1]
    assert READ["sv"][0] in panel and FINNISH[0] not in panel


def test_submit_refusal_speaks_the_mentors_language(app):
    mentor = make_user("mentor")
    claim = make_claim(mentor, body=train_body(None))  # saved in Finnish, without the ticket's receipt
    client = new_client(app, language="sv")
    sign_in(client, mentor)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(f"/claims/{claim.id}/submit", data={"version": str(claim.version), "declaration": "y"})
    assert response.status_code == 409
    refusal = re.search(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S)
    assert refusal and "Bifoga kvittot för denna kostnad." in refusal[0]
    assert "Liitä tämän kulun kuitti." not in refusal[0]
