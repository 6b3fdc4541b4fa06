"""Fuzzing the API from its own OpenAPI document (schemathesis) with every check (`--checks all`): no 5xx,
and every answer as the document says, for valid and invalid input alike.

Requests go straight to the Flask app's WSGI interface with a mentor's Bearer token (for the finance
operations a finance officer's, for the programme rounds an admin's). SCHEMATHESIS_EXAMPLES scales the
run (default 10 per operation and mode: about 300 requests per database, plus those the checks send
themselves).
"""

import os
import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from tests.factories import car_body, make_claim, make_receipt, make_token, make_user
from tests.security.conftest import FIGURES

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
FINANCE_PATHS = ("/check", "/approve", "/return", "/reject", "/pay", "/verify")
#: What a JSON Schema cannot say and the server checks, answering 422 with the field: a return after the
#: departure, a real calendar day (no 30 February), a session of the programme's calendar, receipts of one's
#: own, a file's content (PDF, JPEG, PNG), a body's `version` that differs from its If-Match header, and a
#: round's or a session's end after its start.
BEYOND_THE_SCHEMA = re.compile(r"trip\.(return|departure)|session|expenses\[\d+\]\.(receipt|date)|file|version|ends?")


def _beyond_the_schema(failure, response) -> bool:
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return False
    errors = response.json().get("errors") or [{"field": ""}]
    return all(BEYOND_THE_SCHEMA.fullmatch(e["field"]) for e in errors)


def test_api_answers_every_generated_request_as_its_document_says(app):
    mentor = make_user("mentor")
    make_receipt(mentor)
    make_claim(mentor, "draft", car_body())
    make_claim(mentor, "submitted", car_body("2023-09-22"))
    tokens = {
        "mentor": make_token(mentor),
        "finance": make_token(make_user("finance")),
        "admin": make_token(make_user("admin")),
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    load_all_checks()
    checks = CHECKS.get_all()
    server_errors: list[str] = []
    failures: list[str] = []
    sent = 0

    for operation in operations:
        role = (
            "admin"
            if "/rounds" in operation.path
            else "finance"
            if operation.path.endswith(FINANCE_PATHS)
            else "mentor"
        )
        headers = {"Authorization": f"Bearer {tokens[role]}", "Accept-Language": "en"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                nonlocal sent
                response = case.call(headers=headers)  # noqa: B023 - run() is called within this iteration
                sent += 1
                if response.status_code >= 500:
                    server_errors.append(f"{case.method} {case.formatted_path} → {response.status_code}")
                try:
                    case.validate_response(response, checks=checks, headers=headers)  # noqa: B023
                except FailureGroup as group:
                    for failure in group.exceptions:
                        if not _beyond_the_schema(failure, response):
                            failures.append(
                                f"{failure.code} {case.method} {case.formatted_path} → {response.status_code}: "
                                f"{failure.title}: {response.text[:200]}"
                            )

            run()
    FIGURES["fuzz (schemathesis, OpenAPI, every check): requests sent"] += sent
    FIGURES["fuzz (schemathesis, OpenAPI, every check): 5xx answers"] += len(server_errors)
    FIGURES["fuzz (schemathesis, OpenAPI, every check): failures"] += len(failures)
    assert server_errors == []
    assert failures == [], "\n".join(sorted(set(failures))[:40])
    assert sent >= len(operations)
