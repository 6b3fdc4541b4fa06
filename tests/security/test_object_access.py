"""Object-level access: a mentor never reaches another mentor's claims, receipts or PDFs, whatever id is tried."""

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expenses.models import AuditEvent, Claim, Receipt
from expenses.security import MAX_ID
from tests.factories import car_body, csrf_token, make_claim, make_receipt, make_token, make_user, sign_in, train_body
from tests.security.conftest import FIGURES, claims_in_every_status
from tests.security.test_access_matrix import EXPECTED, routes

#: Ids that are no claim at all: they must look exactly like someone else's (404 either way).
MISSING_IDS = [0, 999_999, MAX_ID]


@pytest.fixture
def scene(app):
    """Claims of seven owners, one in each status, and an intruder: a mentor with a claim and receipt of their own."""
    owners_claims = claims_in_every_status()
    intruder = make_user("mentor", name="Iines Tunkeilija")
    own_receipt = make_receipt(intruder)
    own_claim = make_claim(intruder, "draft", train_body(own_receipt.id))
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, intruder)
    return {
        "claims": owners_claims,
        "intruder": intruder,
        "own_claim": own_claim,
        "own_receipt": own_receipt,
        "client": client,
        "token": make_token(intruder),
        "csrf": csrf_token(client, "/password"),
    }


def _mentor_claim_routes(app) -> list[tuple[str, str, bool]]:
    """(endpoint, method, is_api) of every route that a mentor may use on a claim of their own."""
    found = []
    for (endpoint, method), rule in routes(app).items():
        access = EXPECTED[(endpoint, method)]
        if "claim_id" in rule.arguments and "mentor" in access.allowed:
            found.append((endpoint, method, access.api))
    return sorted(found)


def _request(scene, method: str, url: str, is_api: bool):
    client = scene["client"]
    if is_api:
        # A body that would be accepted for a claim of one's own: only the owner check can refuse it.
        body = car_body() if method == "PUT" else {}
        return client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {scene['token']}"})
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": scene["csrf"]})


def _state() -> tuple:
    rows = sorted((c.id, c.status, c.version, str(c.body)) for c in Claim.query.all())
    return rows, AuditEvent.query.count(), Receipt.query.count()


def test_other_mentors_claims_are_not_found_on_any_route(app, scene):
    before = _state()
    owners = [(c.id, c.reference, c.mentor.name) for c in scene["claims"]]
    cases = _mentor_claim_routes(app)
    assert len(cases) >= 8, cases  # pages: show, edit ×2, submit, summary; API: claim, PUT, submit, summary
    tried = 0
    with app.test_request_context():
        urls = [
            (method, url_for(endpoint, claim_id=claim_id), is_api)
            for endpoint, method, is_api in cases
            for claim_id in [c[0] for c in owners] + MISSING_IDS
        ]
    for method, url, is_api in urls:
        answer = _request(scene, method, url, is_api)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 404, f"{method} {url}: {answer.status_code}"
        for _id, reference, name in owners:
            assert reference not in text and name not in text, f"{method} {url} tells about {reference}"
        tried += 1
    # The same with the live preview of "the claim being edited".
    for claim_id, _reference, _name in owners:
        answer = scene["client"].post(f"/claims/preview?claim={claim_id}", data={"csrf_token": scene["csrf"]})
        assert answer.status_code == 404
        tried += 1
    FIGURES["object access: other mentors' claim ids tried"] += tried
    assert _state() == before


def test_other_mentors_receipts_are_not_found(app, scene):
    client = scene["client"]
    theirs = [r for r in Receipt.query.all() if r.owner_id != scene["intruder"].id]
    assert len(theirs) == 7
    for receipt in theirs:
        answer = client.get(f"/receipts/{receipt.id}")
        assert answer.status_code == 404 and receipt.filename not in answer.get_data(as_text=True)
    for guess in ["0" * 32, "f" * 32, "../" + theirs[0].id, theirs[0].sha256]:
        assert client.get(f"/receipts/{guess}").status_code == 404
    with client.get(f"/receipts/{scene['own_receipt'].id}") as own:
        assert own.status_code == 200
    FIGURES["object access: other mentors' receipt ids tried"] += len(theirs) + 4


def test_other_mentors_receipt_cannot_be_borrowed_into_a_claim(app, scene):
    """Naming someone else's receipt id in one's own claim is refused; nothing is stored or described."""
    theirs = Receipt.query.filter(Receipt.owner_id != scene["intruder"].id).first()
    headers = {"Authorization": f"Bearer {scene['token']}"}
    body = train_body(theirs.id, session="2023-09-22")
    before = _state()
    for method, url in (
        ("POST", "/api/v1/claims/preview"),
        ("POST", "/api/v1/claims"),
        ("PUT", f"/api/v1/claims/{scene['own_claim'].id}"),
    ):
        answer = scene["client"].open(url, method=method, json=body, headers=headers)
        assert answer.status_code == 422, (url, answer.json)
        assert [e["field"] for e in answer.json["errors"]] == ["expenses[0].receipt"]
        assert theirs.filename not in answer.get_data(as_text=True)
    assert _state() == before


def test_other_mentors_pdfs_are_not_found_but_the_owners_are(app, scene):
    client = scene["client"]
    approved = [c for c in scene["claims"] if c.document is not None]
    assert {c.status for c in approved} == {"approved", "paid"}
    for claim in approved:
        assert client.get(f"/claims/{claim.id}/summary.pdf").status_code == 404
        api = client.get(
            f"/api/v1/claims/{claim.id}/summary.pdf", headers={"Authorization": f"Bearer {scene['token']}"}
        )
        assert api.status_code == 404
        owner = app.test_client()
        sign_in(owner, claim.mentor)
        with owner.get(f"/claims/{claim.id}/summary.pdf") as mine:
            assert mine.status_code == 200 and mine.mimetype == "application/pdf"
    FIGURES["object access: other mentors' PDFs tried"] += 2 * len(approved)


def test_lists_show_only_the_mentors_own_claims(app, scene):
    own = scene["own_claim"]
    page = scene["client"].get("/claims/").get_data(as_text=True)
    listed = scene["client"].get("/api/v1/claims", headers={"Authorization": f"Bearer {scene['token']}"}).json
    assert [c["id"] for c in listed] == [own.id]
    assert own.reference in page
    for claim in scene["claims"]:
        assert claim.reference not in page and claim.mentor.name not in page


def _auditor_routes(app) -> list[tuple[str, str, bool]]:
    """(endpoint, method, is_api) of every route an auditor may use on one claim."""
    return sorted(
        (endpoint, method, EXPECTED[(endpoint, method)].api)
        for (endpoint, method), rule in routes(app).items()
        if "claim_id" in rule.arguments and "auditor" in EXPECTED[(endpoint, method)].allowed
    )


def test_auditors_read_approved_and_paid_claims_only_on_every_path(app, scene):
    """Issue 17, defect 9: the audit page hid a draft, but the API showed it whole, listed it, and its
    receipts opened. Every claim route, the lists and the receipt files now keep to approved and paid."""
    auditor = make_user("auditor")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, auditor)
    headers = {"Authorization": f"Bearer {make_token(auditor)}"}
    cases = _auditor_routes(app)
    assert len(cases) >= 4, cases  # the audit page and the PDF; the API's claim and PDF
    tried = 0
    for claim in scene["claims"] + [scene["own_claim"]]:
        audited = claim.status in ("approved", "paid")
        with app.test_request_context():
            urls = [(url_for(endpoint, claim_id=claim.id), is_api) for endpoint, _m, is_api in cases]
        for url, is_api in urls:
            answer = client.get(url, headers=headers if is_api else {})
            assert (answer.status_code == 200) == audited and (answer.status_code == 404) != audited, (
                f"{claim.status}: GET {url}: {answer.status_code}"
            )
            if not audited:
                assert claim.reference not in answer.get_data(as_text=True)
            answer.close()
            tried += 1
        for receipt_id in (e.get("receipt") for e in claim.body["expenses"]):
            for url in (f"/receipts/{receipt_id}", f"/receipts/{receipt_id}/preview"):
                with client.get(url) as answer:
                    # A placeholder PDF has no preview picture (404 for anyone): only the file itself must open.
                    assert answer.status_code == 404 or audited, f"{claim.status}: GET {url}: {answer.status_code}"
                    assert answer.status_code == 200 or not audited or url.endswith("/preview"), url
                tried += 1
    listed = client.get("/api/v1/claims", headers=headers).json
    assert sorted(c["status"] for c in listed) == ["approved", "paid"]
    for status in ("draft", "submitted", "checked", "returned", "rejected"):
        assert client.get(f"/api/v1/claims?status={status}", headers=headers).json == []
        tried += 1
    FIGURES["object access: open claims, their receipts and lists tried as an auditor"] += tried


def test_mentor_cannot_reach_payment_batches(app, scene):
    """Payment files name every paid mentor and their IBAN: finance only; an unknown batch is 404 for finance too."""
    for batch_id in (1, 2, MAX_ID):
        assert scene["client"].get(f"/finance/payments/{batch_id}").status_code == 403
        assert scene["client"].get(f"/finance/payments/{batch_id}/pain001.xml").status_code == 403
    finance = app.test_client()
    sign_in(finance, make_user("finance"))
    assert finance.get("/finance/payments/999").status_code == 404


def test_any_claim_id_in_a_url_is_an_answer_never_an_error(app, scene):
    """Hypothesis tries ids of every size on the claim routes: 404 for anything not the intruder's own."""
    own = scene["own_claim"].id
    headers = {"Authorization": f"Bearer {scene['token']}"}
    sent = 0

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(min_value=0, max_value=10**30).filter(lambda n: n != own))
    def probe(claim_id: int) -> None:
        nonlocal sent
        for url in (f"/claims/{claim_id}", f"/claims/{claim_id}/summary.pdf"):
            assert scene["client"].get(url).status_code == 404
        assert scene["client"].get(f"/api/v1/claims/{claim_id}", headers=headers).status_code == 404
        sent += 3

    probe()
    FIGURES["object access: random claim ids tried"] += sent


def test_ids_past_the_databases_range_are_not_found_for_every_method(app, scene):
    """`PUT /api/v1/claims/<huge id>` answered 405 (its rule came after GET's); every id route and method: 404."""
    headers = {"Authorization": f"Bearer {scene['token']}"}
    sent = 0
    for (endpoint, method), rule in sorted(routes(app).items()):
        # Integer ids only: a round's id is a name, which the admin's access rule answers before any lookup.
        ids = [name for name in rule.arguments if f"<int:{name}>" in rule.rule and name != "receipt_id"]
        if not ids:
            continue
        for huge in (MAX_ID + 1, 10**12, 10**40):
            with app.test_request_context():
                values = {name: "check" if name == "action" else 7654321 for name in rule.arguments}
                url = url_for(endpoint, **values).replace("7654321", str(huge))
            answer = scene["client"].open(url, method=method, headers=headers, data={"csrf_token": scene["csrf"]})
            assert answer.status_code == 404, f"{method} {url}: {answer.status_code}"
            sent += 1
    FIGURES["object access: ids past the database's range tried"] += sent
    assert sent >= 30
