"""Configuration: defaults, then `EXPENSES_*` environment variables, then test overrides."""

import logging
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from flask import Flask

PREFIX = "EXPENSES"
DEV_SECRET_KEY = "development-only-secret-key"
DEV_BASE_URL = "http://127.0.0.1:5000"
MIN_SECRET_KEY_LENGTH = 32
#: Where the service runs. Anything but development and test is run as production, and an unset
#: EXPENSES_ENV_NAME means production: a forgotten variable must not start a server with a public key.
ENVIRONMENTS = ("production", "development", "test")

#: Settings kept exactly as written in the environment. `from_prefixed_env` reads values as JSON,
#: which would turn a secret key of digits into a number and strip the quotes from `"…"`.
TEXT_SETTINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "RECEIPTS_DIR",
    "DOCUMENTS_DIR",
    "SIGNING_KEY",
    "SIGNING_CERT",
    "SIGNING_KEY_PASSWORD",
    "ENV_NAME",
    "BASE_URL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_SENDER",
    "PASSWORD_HASH_COST",
    "RATELIMIT_STORAGE_URI",
    "LOGIN_LIMIT_PER_ADDRESS",
    "LOGIN_LIMIT_PER_ACCOUNT",
    "RESET_LIMIT_PER_ADDRESS",
    "RESET_LIMIT_PER_ACCOUNT",
    "REQUIRE_2FA_ROLES",
)
INT_SETTINGS = (
    "MAIL_PORT",
    "WAITING_DAYS",
    "VOLUNTEER_MAX_DAYS",
    "MAX_RECEIPT_BYTES",
    "MAX_CONTENT_LENGTH",
    "PROXY_HOPS",
    "RETENTION_YEARS",
    "INVITATION_DAYS",
    "RESET_MINUTES",
    "IDLE_MINUTES_OFFICERS",
    "IDLE_MINUTES_MENTORS",
)
FLAG_SETTINGS = ("MAIL_USE_TLS", "RATELIMIT_ENABLED")


class ConfigError(RuntimeError):
    """The configuration cannot run the service safely; the message says what to set."""


def defaults(app: Flask) -> dict:
    instance = Path(app.instance_path)
    return {
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{instance / 'expenses.sqlite3'}",
        "RECEIPTS_DIR": str(instance / "receipts"),
        "DOCUMENTS_DIR": str(instance / "documents"),
        # PEM files; when both are set every approval PDF is signed (PAdES).
        "SIGNING_KEY": "",
        "SIGNING_CERT": "",
        "SIGNING_KEY_PASSWORD": "",
        # The ministry's account that pays the reimbursements (debtor of the pain.001 files).
        "PAYER_NAME": "Valtiovarainministeriö",
        "PAYER_IBAN": "FI2112345600000785",
        "PAYER_BIC": "NDEAFIHH",
        "MAX_RECEIPT_BYTES": 10 * 1024 * 1024,
        # A form may carry several receipts; beyond this the request is refused with 413.
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "ENV_NAME": "production",
        # The service's address as people reach it, for links in mail sent outside a request (commands).
        "BASE_URL": DEV_BASE_URL,
        "WAITING_DAYS": 5,
        # Volunteers' yearly tax-free limits (reference A15): per-diem days and kilometre-allowance euros.
        "VOLUNTEER_MAX_DAYS": 20,
        "VOLUNTEER_MAX_KM_EUR": "3000.00",
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "matkakulut@example.invalid",
        "PASSWORD_HASH_COST": "default",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Sign-in attempts (Flask-Limiter): every POST counts per address, failed ones per account.
        # memory:// is one counter per worker process; several workers share one with redis://… or memcached://….
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_ADDRESS": "30 per minute; 300 per hour",
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes; 50 per day",
        # "Forgot your password?": requests from one address, and links asked for one e-mail address.
        "RESET_LIMIT_PER_ADDRESS": "10 per hour; 50 per day",
        "RESET_LIMIT_PER_ACCOUNT": "3 per hour; 10 per day",
        # How long the links by mail work (expenses.password_links).
        "INVITATION_DAYS": 7,
        "RESET_MINUTES": 60,
        # Roles that must set up two-factor sign-in before anything else (comma-separated; empty: nobody).
        "REQUIRE_2FA_ROLES": "finance,admin",
        # A session unused this long ends: officers (finance, auditor, admin) and mentors (and actors).
        "IDLE_MINUTES_OFFICERS": 30,
        "IDLE_MINUTES_MENTORS": 8 * 60,
        # Reverse proxies in front of the service that set X-Forwarded-For/-Proto (0: none, addresses as seen).
        "PROXY_HOPS": 0,
        # Claims are kept this many whole years after the end of the year they were paid or rejected in.
        "RETENTION_YEARS": 10,
    }


def _env(name: str) -> str:
    return f"{PREFIX}_{name}"


def _from_environment(app: Flask) -> None:
    app.config.from_prefixed_env(PREFIX)
    for key in TEXT_SETTINGS:
        raw = os.environ.get(_env(key))
        if raw is not None:
            app.config[key] = raw


def _normalise(app: Flask) -> None:
    """Check and convert the settings that are not text, naming the variable that is wrong."""
    config = app.config
    for key in INT_SETTINGS:
        try:
            config[key] = int(config[key])
        except (TypeError, ValueError):
            raise ConfigError(f"{_env(key)} must be a whole number, not {config[key]!r}.") from None
    for key in FLAG_SETTINGS:
        value = config[key]
        if isinstance(value, str):
            if value.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
                raise ConfigError(f"{_env(key)} must be true or false, not {value!r}.")
            value = value.strip().lower() in ("1", "true", "yes", "on")
        config[key] = bool(value)
    try:
        config["VOLUNTEER_MAX_KM_EUR"] = Decimal(str(config["VOLUNTEER_MAX_KM_EUR"]))
    except InvalidOperation:
        raise ConfigError(
            f"{_env('VOLUNTEER_MAX_KM_EUR')} must be an amount in euros, not {config['VOLUNTEER_MAX_KM_EUR']!r}."
        ) from None
    if not isinstance(config["SECRET_KEY"], str | bytes):
        config["SECRET_KEY"] = str(config["SECRET_KEY"])
    config["ENV_NAME"] = str(config["ENV_NAME"]).strip().lower()
    if config["ENV_NAME"] not in ENVIRONMENTS:
        raise ConfigError(f"{_env('ENV_NAME')} must be one of {', '.join(ENVIRONMENTS)}, not {config['ENV_NAME']!r}.")


def is_production(app: Flask) -> bool:
    return app.config["ENV_NAME"] == "production" and not app.testing


#: Gunicorn stops (instead of restarting the worker forever) when a worker exits with this code.
BOOT_ERROR = 3


def refuse_to_start(error: ConfigError) -> NoReturn:
    """One plain line instead of a traceback, whether started by `flask` or by gunicorn."""
    print(f"Cannot start the travel-claim service: {error}", file=sys.stderr)
    raise SystemExit(BOOT_ERROR) from None


def refuse_unshared_limits(app: Flask, workers: int) -> None:
    """Refuse several production workers that each count sign-in attempts on their own.

    Only the server knows how many worker processes it starts (gunicorn.conf.py asks this before the
    first one): with memory:// every worker keeps its own counters, so N workers allow N times the limits.
    """
    shared = not str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://")
    if workers > 1 and is_production(app) and app.config["RATELIMIT_ENABLED"] and not shared:
        raise ConfigError(
            f"{_env('RATELIMIT_STORAGE_URI')} must be a store the {workers} workers share, such as "
            f"redis://127.0.0.1:6379: with memory:// each worker counts sign-in attempts on its own, "
            f"which allows {workers} times the limits."
        )


def _refuse_unsafe(app: Flask) -> None:
    if app.config["MAIL_SERVER"] and app.config["BASE_URL"] == DEV_BASE_URL:
        raise ConfigError(
            f"{_env('BASE_URL')} must be the service's public address (such as https://matkat.example.fi) "
            "when mail is sent: the links in the mail use it."
        )
    secret = app.config["SECRET_KEY"]
    if secret == DEV_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"{_env('SECRET_KEY')} must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} characters "
            'in production (for example: python -c "import secrets; print(secrets.token_urlsafe(48))"). '
            f"For a development server on your own machine set {_env('ENV_NAME')}=development instead "
            "(`make run` does)."
        )


def configure(app: Flask, overrides: dict | None) -> None:
    """Apply defaults, the environment and overrides, then refuse unsafe production settings."""
    app.config.from_mapping(defaults(app))
    _from_environment(app)
    if overrides:
        app.config.from_mapping(overrides)
    _normalise(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    # A server's connections can drop between requests, so they are checked before use; a SQLite
    # file cannot, and the check would cost a query on every request.
    sqlite = str(app.config["DATABASE_URL"]).startswith("sqlite")
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": not sqlite})
    if is_production(app):
        _refuse_unsafe(app)
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    else:
        # Development shows what production leaves to its log configuration, e.g. mail not sent.
        app.logger.setLevel(logging.INFO)
    for key in ("RECEIPTS_DIR", "DOCUMENTS_DIR"):
        os.makedirs(app.config[key], exist_ok=True)
