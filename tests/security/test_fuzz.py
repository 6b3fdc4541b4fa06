"""Fuzzing the claim JSON (hypothesis): malformed and valid-ish claims against preview, create and replace.

Every answer must be a decision, a created or replaced claim, or a refusal that says what to fix;
never a 5xx, and a refused request changes no row. FUZZ_EXAMPLES scales the run (default 500 per
endpoint, about 1,500 requests per database).
"""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from expenses.extensions import db
from expenses.models import AuditEvent, Claim
from tests.factories import car_body, make_claim, make_receipt, make_token, make_user
from tests.security.conftest import FIGURES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500"))
SESSIONS = ["2023-09-22", "2024-04-23", "2023-09-11", "2024-01-22", "2023-12-01", "2099-01-01", "2023-02-30", "x", ""]
TYPES = ["public_transport", "own_car", "taxi", "accommodation", "night_travel", "other", "meal", "rocket", ""]

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
amounts = st.one_of(
    st.sampled_from(["12.50", "0.00", "0.01", "-1.00", "12,50", "1e3", "9999999.99", "10000000.00", "1.234", " 5 "]),
    st.decimals(min_value=-1000, max_value=10**9, allow_nan=False, places=2).map(str),
    st.integers(min_value=-5, max_value=10**12),
    junk,
)
whole = st.one_of(st.integers(min_value=-3, max_value=10**7), st.sampled_from(["3", "2.5", "-1", "１２"]), junk)


@st.composite
def moments(draw) -> object:
    day = draw(st.sampled_from(SESSIONS[:5]))
    hour, minute = draw(st.integers(-1, 25)), draw(st.integers(0, 61))
    zone = draw(st.sampled_from(["", "+03:00", "Z", "+25:00", "garbage"]))
    return draw(st.one_of(st.just(f"{day}T{hour:02d}:{minute:02d}{zone}"), junk))


def text_of(size: int = 60):
    return st.one_of(st.text(max_size=size), st.text(min_size=490, max_size=520), junk)


def expenses(receipt_ids: list[str]):
    return st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(st.sampled_from(TYPES), junk),
            "date": st.one_of(st.sampled_from(SESSIONS), moments(), junk),
            "amount": amounts,
            "km": st.one_of(whole, amounts),
            "passengers": whole,
            "nights": whole,
            "receipt": st.one_of(st.sampled_from(receipt_ids), junk),
            "description": text_of(),
            "route": text_of(),
            "reason": text_of(),
            "unexpected": junk,
        },
    )


def claims(receipt_ids: list[str]):
    trip = st.fixed_dictionaries(
        {},
        optional={
            "start_place": text_of(),
            "distance_km": st.one_of(whole, amounts),
            "departure": moments(),
            "return": moments(),
            "extra": junk,
        },
    )
    document = st.fixed_dictionaries(
        {},
        optional={
            "session": st.one_of(st.sampled_from(SESSIONS), junk),
            "trip": st.one_of(trip, junk),
            "free_meals": st.one_of(st.lists(st.one_of(st.integers(-2, 4), junk), max_size=4), junk),
            "expenses": st.one_of(st.lists(expenses(receipt_ids), max_size=5), junk),
            "claimant": st.one_of(st.just({"name": "Someone Else", "role": "mentor"}), junk),
            "status": st.sampled_from(["approved", "paid"]),
        },
    )
    # Mostly documents; some whole bodies that are not objects at all, or not JSON.
    return st.one_of(document, document, document, junk.map(lambda v: {"__raw__": v}), st.binary(max_size=200))


STATE = text(
    "SELECT (SELECT count(*) FROM claims), (SELECT coalesce(sum(version), 0) FROM claims), "
    "(SELECT count(*) FROM audit_events), (SELECT count(*) FROM receipts)"
)


def _state() -> tuple:
    """Rows of claims, their versions (every change of a claim bumps its version), events and receipts."""
    return tuple(db.session.execute(STATE).one())


def _send(client, method: str, path: str, token: str, body: object):
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    if isinstance(body, bytes):
        return client.open(path, method=method, data=body, content_type="application/json", headers=headers)
    if isinstance(body, dict) and "__raw__" in body:
        body = body["__raw__"]
    data = json.dumps(body, allow_nan=True)
    return client.open(path, method=method, data=data, content_type="application/json", headers=headers)


def _check(answer, before: tuple, problems: list, label: str) -> None:
    status = answer.status_code
    if status >= 500:
        FIGURES["fuzz (hypothesis, claim JSON): 5xx answers"] += 1
        problems.append(f"{label}: {status} {answer.get_data(as_text=True)[:300]}")
        return
    if status >= 400:
        if _state() != before:
            problems.append(f"{label}: refused with {status} but rows changed")
        payload = answer.json or {}
        if not payload.get("error"):
            problems.append(f"{label}: {status} without a message")
        if status == 422:
            for error in payload.get("errors", []):
                if not (isinstance(error.get("field"), str) and error.get("message")):
                    problems.append(f"{label}: 422 error without field or message: {error}")


def test_fuzzed_claims_never_break_the_service(app, client):
    mentor = make_user("mentor")
    token = make_token(mentor)
    own = make_receipt(mentor)
    others = make_receipt(make_user("mentor"))
    draft = make_claim(mentor, "draft", car_body("2024-04-23"))
    receipt_ids = [own.id, others.id, "0" * 32, ""]
    problems: list[str] = []
    sent = {"preview": 0, "create": 0, "replace": 0}
    fuzz = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )

    @fuzz
    @given(claims(receipt_ids))
    def preview(body):
        before = _state()
        _check(_send(client, "POST", "/api/v1/claims/preview", token, body), before, problems, "preview")
        sent["preview"] += 1

    @fuzz
    @given(claims(receipt_ids))
    def create(body):
        before = _state()
        answer = _send(client, "POST", "/api/v1/claims", token, body)
        _check(answer, before, problems, "create")
        if answer.status_code == 201:
            # A new draft: it is the mentor's, a draft, whatever the body said about status or claimant.
            created = db.session.get(Claim, answer.json["id"])
            if created.status != "draft" or created.mentor_id != mentor.id or "claimant" in created.body:
                problems.append(f"create: stored {created.status} for {created.mentor_id}")
            # Remove it again, so that the next examples can reach a successful create too.
            AuditEvent.query.filter_by(claim_id=created.id).delete()
            Claim.query.filter_by(id=created.id).delete()
            db.session.commit()
        sent["create"] += 1

    @fuzz
    @given(claims(receipt_ids))
    def replace(body):
        before = _state()
        _check(_send(client, "PUT", f"/api/v1/claims/{draft.id}", token, body), before, problems, "replace")
        sent["replace"] += 1

    preview()
    create()
    replace()
    total = sum(sent.values())
    FIGURES["fuzz (hypothesis, claim JSON): requests sent"] += total
    FIGURES["fuzz (hypothesis, claim JSON): 5xx answers"] += 0  # listed even when none
    assert problems == [], problems[:10]
    assert total >= 3 * EXAMPLES * 0.9
