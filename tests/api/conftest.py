"""API fixtures: `api_as(user)` gives a client signed with that user's token."""

import pytest

from expenses.models import User
from tests.api.client import Api
from tests.factories import make_token


@pytest.fixture
def api_as(client):
    """`api_as(user)`: an Api signed with a new token of that user; `api_as(None)`: no token at all."""

    def make(user: User | None, lang: str = "en") -> Api:
        return Api(client, make_token(user) if user is not None else None, lang)

    return make
