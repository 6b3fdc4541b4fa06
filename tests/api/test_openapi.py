"""GET /openapi.json documents every route of /api/v1, and documents nothing that does not exist."""

import re

import pytest

from rules.claim import _EXPENSE_ALLOWED, EXPENSE_TYPES
from rules.decision import LINE_KINDS

PREFIX = "/api/v1"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            routes |= {(method.lower(), path) for method in rule.methods & METHODS}
    return routes


@pytest.fixture
def document(client) -> dict:
    answer = client.get(f"{PREFIX}/openapi.json")
    assert answer.status_code == 200
    return answer.json


def test_every_api_route_is_documented_and_nothing_else(app, document):
    documented = {
        (method, path) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    routes = _api_routes(app)
    assert len(routes) >= 14
    assert routes - documented == set(), "routes without documentation"
    assert documented - routes == set(), "documented routes that do not exist"


def _resolve(document: dict, ref: str) -> dict:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node: object):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves(document):
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        assert _resolve(document, ref), ref


def test_every_operation_has_success_and_refusals(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert codes & {"200", "201"}, (method, path)
            if operation.get("security") == []:
                continue  # public
            assert "401" in codes, (method, path)
            if path != "/sessions":
                assert "403" in codes, (method, path)


def test_bearer_scheme_guards_everything_but_the_document(document):
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearer": []}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == []


def test_claim_schema_matches_the_engine(document):
    schemas = document["components"]["schemas"]
    expense_types = {k.removeprefix("Expense_") for k in schemas if k.startswith("Expense_")}
    assert expense_types == set(EXPENSE_TYPES)
    assert set(schemas["Line"]["properties"]["kind"]["enum"]) == set(LINE_KINDS)
    assert "errors" in schemas["ValidationError"]["required"]
    receipt_body = document["paths"]["/receipts"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert receipt_body["schema"]["required"] == ["file"]


@pytest.mark.parametrize("kind", EXPENSE_TYPES)
def test_each_expense_schema_has_exactly_the_engines_fields(document, kind):
    schema = document["components"]["schemas"][f"Expense_{kind}"]
    assert set(schema["properties"]) == _EXPENSE_ALLOWED[kind]


def test_the_sleeping_berth_is_a_boolean_of_public_transport(document):
    berth = document["components"]["schemas"]["Expense_public_transport"]["properties"]["sleeping_berth"]
    assert berth["type"] == "boolean" and berth["default"] is False


def test_a_method_the_document_does_not_name_is_405_with_allow(client, document):
    """RFC 9110 (schemathesis ST204): a 405 says which methods the address takes, and they are the documented ones."""
    for path, item in document["paths"].items():
        documented = {m.upper() for m in item if m != "parameters"}
        url = PREFIX + path.replace("{claim_id}", "1")
        answer = client.open(url, method="TRACE")
        assert answer.status_code == 405, path
        allowed = {m.strip() for m in answer.headers["Allow"].split(",")} - {"HEAD", "OPTIONS"}
        assert allowed == documented, path
