"""A test client for /api/v1 that signs every request with one user's Bearer token."""

import io

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import PDF_BYTES

PREFIX = "/api/v1"


class Api:
    """Requests to /api/v1 as one user (or with no token when `token` is None)."""

    def __init__(self, client: FlaskClient, token: str | None, lang: str = "en"):
        self.client, self.token, self.lang = client, token, lang

    def request(self, method: str, path: str, **kwargs) -> TestResponse:
        headers = {"Accept-Language": self.lang, **kwargs.pop("headers", {})}
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def upload(self, data: bytes = PDF_BYTES, filename: str = "receipt.pdf") -> TestResponse:
        return self.post("/receipts", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")

    def receipt_id(self, data: bytes = PDF_BYTES) -> str:
        answer = self.upload(data)
        assert answer.status_code == 201, answer.json
        return answer.json["id"]


def field_names(answer: TestResponse) -> list[str]:
    """The fields a 422 answer names, in order."""
    assert answer.status_code == 422, answer.json
    return [e["field"] for e in answer.json["errors"]]
