"""Sign-in limits kept in Redis, as production with several workers keeps them (README, "Running in production").

These tests use the Redis server at TEST_REDIS_URL (default redis://127.0.0.1:6379, which `.ci/run`
starts). Each test counts under a key prefix of its own and removes only its own keys afterwards,
so that parallel runs and other users of the server are left alone. Without a server they skip,
unless REQUIRE_REDIS=1 (CI), where a skip fails.
"""

import os
import uuid

import pytest

from expenses.extensions import limiter
from tests.conftest import configured_app
from tests.factories import PASSWORD, csrf_token, make_user, new_client, sign_in

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _reachable() -> str | None:
    """Why the Redis server cannot be used, or None when it answers."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"no Redis server at {REDIS_URL} ({error}); set TEST_REDIS_URL or start redis-server"
    return None


@pytest.fixture(scope="module")
def redis_server() -> str:
    problem = _reachable()
    if problem:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {problem}")
        pytest.skip(problem)
    return REDIS_URL


def _worker(app, prefix: str, storage_uri: str):
    """What a gunicorn worker process has: the app's limiter connected to the store the settings name."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": prefix}
    limiter.init_app(app)
    return limiter.storage


@pytest.fixture
def shared(app, redis_server):
    """The test's app counting in Redis under a prefix of its own; the prefix's keys are removed afterwards."""
    prefix = f"expenses-test-{uuid.uuid4().hex}"
    storage = _worker(app, prefix, redis_server)
    yield prefix
    storage.reset()  # deletes this prefix's keys only


def _attempt(client, email: str, password: str = "not the password"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def test_failed_sign_ins_are_counted_in_redis(app, shared, client):
    import redis

    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    user = make_user("mentor")
    assert [_attempt(client, user.email).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _attempt(client, user.email, PASSWORD).status_code == 429  # the right password waits too
    keys = redis.Redis.from_url(REDIS_URL).keys(f"{shared}*")
    assert any(user.email.encode() in key for key in keys)
    assert sign_in(client, make_user("mentor")).status_code == 302  # another account is not held up


def test_workers_share_the_count_in_redis(app, shared, tmp_path):
    """A second worker (a limiter connected anew) goes on from the first one's count instead of starting at zero."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "4 per minute"
    user = make_user("mentor")
    first = new_client(app)
    assert [_attempt(first, user.email).status_code for _ in range(3)] == [200, 200, 200]
    other_worker = configured_app("sqlite", tmp_path / "other")
    _worker(other_worker, shared, REDIS_URL)  # what the next request's worker has: its own connection
    second = new_client(app)
    assert [_attempt(second, user.email).status_code for _ in range(2)] == [200, 429]


def test_memory_store_counts_in_each_worker_apart(app, tmp_path):
    """Why production refuses memory:// with several workers: a worker of its own starts again at zero."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    user = make_user("mentor")
    client = new_client(app)
    assert [_attempt(client, user.email).status_code for _ in range(3)] == [200, 200, 429]
    _worker(configured_app("sqlite", tmp_path / "other"), "", "memory://")
    assert _attempt(client, user.email).status_code == 200


def test_limits_per_address_are_shared_too(app, shared, tmp_path):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per minute"
    client = new_client(app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert [_attempt(client, f"guess{n}@example.fi").status_code for n in range(3)] == [200, 200, 429]
    _worker(configured_app("sqlite", tmp_path / "other"), shared, REDIS_URL)
    assert _attempt(client, "guess9@example.fi").status_code == 429
