"""Sessions end after their role's idle time: 30 minutes for officers, 8 hours for mentors (configurable)."""

import time
from unittest import mock

import pytest

from tests.factories import make_user, new_client, sign_in


def _later(seconds: int):
    # Only the idle check's clock: the session cookie's own signature time stays real.
    return mock.patch("expenses.security.clock", return_value=int(time.time()) + seconds)


@pytest.mark.parametrize(
    "role, path, idle_ok, idle_too_long",
    [("finance", "/finance/", 29 * 60, 31 * 60), ("mentor", "/claims/", 7 * 3600, 8 * 3600 + 60)],
)
def test_a_session_ends_after_its_roles_idle_time(app, role, path, idle_ok, idle_too_long):
    client = new_client(app)
    sign_in(client, make_user(role))
    assert client.get(path).status_code == 200
    with _later(idle_ok):
        assert client.get(path).status_code == 200  # and this use starts the idle time anew
    with _later(idle_ok + idle_too_long):
        ended = client.get(path)
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    assert "not used for a while" in client.get("/login").get_data(as_text=True)
    assert client.get(path).status_code == 302  # ended for good, not only for that request


def test_the_idle_time_is_configurable(app):
    app.config["IDLE_MINUTES_OFFICERS"] = 5
    client = new_client(app)
    sign_in(client, make_user("auditor"))
    client.get("/audit/")
    with _later(6 * 60):
        assert client.get("/audit/").status_code == 302
