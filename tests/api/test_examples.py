"""Every worked example through POST /claims/preview gives the decision `python -m rules evaluate` gives.

The claimant's role comes from the token's user, never from the body, so:
- a mentor's example is sent by a mentor user, with each "receipt": "r" replaced by the id of a
  receipt that user really uploaded (the API accepts only the sender's own receipts), and the
  whole decision (ruleset, eligible, lines with explanations, findings with messages, total) must
  equal the command line's, apart from the findings only the service can make (late_claim: the
  sessions are in the past; duplicate_claim; volunteer_tax_limit);
- an actor's example is sent by an actor user, and the API refuses it outright with 403 — the
  API's form of the engine's not_a_mentor error, which the example's expected file requires.
"""

import json
import subprocess
import sys

import pytest

from tests.examples import EXAMPLE_DIRS, ROOT, example_names, load_example
from tests.factories import make_user

EXAMPLES = example_names()
SERVICE_ONLY = {"late_claim", "duplicate_claim", "volunteer_tax_limit"}


@pytest.fixture(scope="module")
def cli_decisions() -> dict[str, dict]:
    """The command line's decision of every example, in English, from one run of --jsonl."""
    lines = "".join(json.dumps(load_example(path)[0]) + "\n" for path in EXAMPLES)
    done = subprocess.run(
        [sys.executable, "-m", "rules", "--lang", "en", "evaluate", "--jsonl"],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    decisions = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(decisions) == len(EXAMPLES)
    return {path.name: decision for path, decision in zip(EXAMPLES, decisions, strict=True)}


def _with_uploaded_receipts(claim: dict, upload) -> dict:
    body = json.loads(json.dumps(claim))
    for expense in body.get("expenses", []):
        if expense.get("receipt"):
            expense["receipt"] = upload()
    return body


def _without_service_findings(decision: dict) -> dict:
    return {**decision, "findings": [f for f in decision["findings"] if f["code"] not in SERVICE_ONLY]}


@pytest.mark.parametrize("claim_path", EXAMPLES, ids=lambda p: p.name.removesuffix(".claim.json"))
def test_example_through_preview_matches_command_line(api_as, cli_decisions, claim_path):
    claim, expected = load_example(claim_path)
    role = claim["claimant"]["role"]
    api = api_as(make_user(role), lang="en")
    body = _with_uploaded_receipts(claim, api.receipt_id) if role == "mentor" else claim
    answer = api.post("/claims/preview", json=body)
    if role == "actor":
        assert "not_a_mentor" in expected["errors"]
        assert answer.status_code == 403
        assert "mentors" in answer.json["error"]
        return
    assert answer.status_code == 200, answer.json
    assert _without_service_findings(answer.json) == cli_decisions[claim_path.name]
    assert answer.json["eligible"] == expected["eligible"]
    assert answer.json["total"] == expected["total"]


def test_every_example_of_the_repository_is_covered():
    every = {p for folder in EXAMPLE_DIRS for p in folder.glob("*.claim.json")}
    assert set(EXAMPLES) == every and len(every) >= 25
