"""Fuzzing the API from its own OpenAPI document (schemathesis): every operation, valid and invalid input, no 5xx.

Requests go straight to the Flask app's WSGI interface with a mentor's Bearer token (and, for the
finance operations, a finance officer's). SCHEMATHESIS_EXAMPLES scales the run (default 25 per
operation and mode: about 750 requests per database).
"""

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.factories import car_body, make_claim, make_receipt, make_token, make_user
from tests.security.conftest import FIGURES

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
FINANCE_PATHS = ("/check", "/approve", "/return", "/reject", "/pay", "/verify")


def test_api_answers_every_generated_request_without_a_server_error(app):
    mentor = make_user("mentor")
    make_receipt(mentor)
    make_claim(mentor, "draft", car_body())
    make_claim(mentor, "submitted", car_body("2023-09-22"))
    tokens = {"mentor": make_token(mentor), "finance": make_token(make_user("finance"))}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    sent = 0

    for operation in operations:
        role = "finance" if operation.path.endswith(FINANCE_PATHS) else "mentor"
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
                    failures.append(
                        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"
                    )

            run()
    FIGURES["fuzz (schemathesis, OpenAPI): requests sent"] += sent
    FIGURES["fuzz (schemathesis, OpenAPI): 5xx answers"] += len(failures)
    assert failures == []
    assert sent >= len(operations)
