"""Configuration from EXPENSES_* variables, and the refusal to run production with an unsafe secret key."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from expenses import create_app
from expenses.config import DEV_SECRET_KEY, ConfigError, refuse_unshared_limits

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k" * 40


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean EXPENSES_* environment whose files all live in tmp_path; returns a setter."""
    for name in list(os.environ):
        if name.startswith("EXPENSES_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("EXPENSES_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("EXPENSES_RECEIPTS_DIR", str(tmp_path / "receipts"))
    monkeypatch.setenv("EXPENSES_DOCUMENTS_DIR", str(tmp_path / "documents"))

    def set_env(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"EXPENSES_{key}", value)

    return set_env


def test_production_is_the_default_and_needs_a_secret_key(env):
    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    assert "EXPENSES_SECRET_KEY" in message and "32 characters" in message
    assert "EXPENSES_ENV_NAME=development" in message  # and how to run a development server instead


@pytest.mark.parametrize("secret", ["", "too-short-secret", DEV_SECRET_KEY])
def test_production_refuses_a_weak_secret_key(env, secret):
    env(ENV_NAME="production", SECRET_KEY=secret)
    with pytest.raises(ConfigError, match="EXPENSES_SECRET_KEY"):
        create_app()


def test_production_with_a_strong_key_starts_with_secure_cookies(env):
    env(ENV_NAME="production", SECRET_KEY=GOOD_SECRET)
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "secret",
    [
        "12345678901234567890123456789012345678",  # JSON would make this a number
        '"quoted-secret-that-is-long-enough-to-use"',  # ...and strip these quotes
    ],
)
def test_secret_key_is_taken_exactly_as_written(env, secret):
    env(SECRET_KEY=secret)
    app = create_app()
    assert app.config["SECRET_KEY"] == secret
    # The session cookie can be signed with it.
    assert app.session_interface.get_signing_serializer(app).dumps({"a": 1})


def test_paths_and_database_come_from_the_environment(env, tmp_path):
    env(SECRET_KEY=GOOD_SECRET, RECEIPTS_DIR=str(tmp_path / "r2"), DATABASE_URL="sqlite:////nonexistent/x.db")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////nonexistent/x.db"
    assert app.config["RECEIPTS_DIR"] == str(tmp_path / "r2")
    assert (tmp_path / "r2").is_dir()  # made at start-up, so the first upload cannot fail on it


def test_production_mail_needs_the_public_address(env):
    env(SECRET_KEY=GOOD_SECRET, MAIL_SERVER="smtp.example.fi")
    with pytest.raises(ConfigError, match="EXPENSES_BASE_URL must be the service's public address"):
        create_app()
    env(BASE_URL="https://matkat.example.fi")
    assert create_app().config["BASE_URL"] == "https://matkat.example.fi"


def test_development_runs_with_the_built_in_key(env):
    env(ENV_NAME="development")
    app = create_app()
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert not app.config.get("SESSION_COOKIE_SECURE")


def test_unknown_environment_name_is_refused(env):
    env(ENV_NAME="prod", SECRET_KEY=GOOD_SECRET)
    with pytest.raises(ConfigError, match="EXPENSES_ENV_NAME must be one of production, development, test"):
        create_app()


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("1", True), ("False", False), ("off", False)])
def test_flags_read_as_booleans(env, raw, value):
    env(ENV_NAME="development", MAIL_USE_TLS=raw)
    assert create_app().config["MAIL_USE_TLS"] is value


def test_numbers_are_read_and_checked(env):
    env(ENV_NAME="development", MAIL_PORT="587", WAITING_DAYS="7", VOLUNTEER_MAX_KM_EUR="2999.99")
    config = create_app().config
    assert (config["MAIL_PORT"], config["WAITING_DAYS"]) == (587, 7)
    assert config["VOLUNTEER_MAX_KM_EUR"] == Decimal("2999.99")


@pytest.mark.parametrize(
    ("key", "raw", "says"),
    [
        ("MAIL_PORT", "smtp", "EXPENSES_MAIL_PORT must be a whole number"),
        ("MAIL_USE_TLS", "maybe", "EXPENSES_MAIL_USE_TLS must be true or false"),
        ("VOLUNTEER_MAX_KM_EUR", "lots", "EXPENSES_VOLUNTEER_MAX_KM_EUR must be an amount"),
    ],
)
def test_bad_values_name_their_variable(env, key, raw, says):
    env(ENV_NAME="development", **{key: raw})
    with pytest.raises(ConfigError, match=says):
        create_app()


def test_start_up_error_is_one_clear_line_without_traceback(env):
    """What `flask --app wsgi run` and gunicorn show when the secret key is missing."""
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True, text=True, env=os.environ, timeout=60
    )
    assert result.returncode == 3  # gunicorn stops on this code instead of restarting workers forever
    assert result.stderr.startswith("Cannot start the travel-claim service: EXPENSES_SECRET_KEY must be set")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env_name", "workers", "store", "refused"),
    [
        ("production", 2, "memory://", True),
        ("production", 1, "memory://", False),  # one worker counts everything itself
        ("production", 4, "redis://127.0.0.1:6379", False),
        ("development", 4, "memory://", False),
    ],
)
def test_several_production_workers_need_a_shared_limit_store(env, env_name, workers, store, refused):
    env(ENV_NAME=env_name, SECRET_KEY=GOOD_SECRET, RATELIMIT_STORAGE_URI=store)
    app = create_app()
    if refused:
        with pytest.raises(ConfigError, match=f"EXPENSES_RATELIMIT_STORAGE_URI must be a store the {workers} workers"):
            refuse_unshared_limits(app, workers)
    else:
        refuse_unshared_limits(app, workers)


def test_gunicorn_with_several_workers_stops_on_the_memory_store(env, tmp_path):
    """gunicorn.conf.py asks before the first worker starts, and gunicorn stops with one line."""
    env(ENV_NAME="production", SECRET_KEY=GOOD_SECRET)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "3", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
    )
    assert result.returncode == 3
    [line] = [line for line in result.stderr.splitlines() if "travel-claim" in line]
    assert line.startswith("Cannot start the travel-claim service: EXPENSES_RATELIMIT_STORAGE_URI must be a store")
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr
