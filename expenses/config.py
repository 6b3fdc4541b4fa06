"""Configuration: defaults, then `EXPENSES_*` environment variables, then test overrides."""

import os
from pathlib import Path

from flask import Flask

DEV_SECRET_KEY = "development-only-secret-key"


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
        # The ministry's account that pays the reimbursements (debtor of the pain.001 files).
        "PAYER_NAME": "Valtiovarainministeriö",
        "PAYER_IBAN": "FI2112345600000785",
        "PAYER_BIC": "NDEAFIHH",
        "MAX_RECEIPT_BYTES": 10 * 1024 * 1024,
        # A form may carry several receipts; beyond this the request is refused with 413.
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "ENV_NAME": "development",
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
    }


def configure(app: Flask, overrides: dict | None) -> None:
    """Apply defaults, the environment and overrides, then refuse unsafe production settings."""
    app.config.from_mapping(defaults(app))
    app.config.from_prefixed_env("EXPENSES")
    if overrides:
        app.config.from_mapping(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    development = app.config["ENV_NAME"] in ("development", "test") or app.testing
    if not development:
        if app.config["SECRET_KEY"] == DEV_SECRET_KEY or len(str(app.config["SECRET_KEY"])) < 32:
            raise ConfigError(
                "EXPENSES_SECRET_KEY must be set to a random value of at least 32 characters in production "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))").'
            )
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    for key in ("RECEIPTS_DIR", "DOCUMENTS_DIR"):
        os.makedirs(app.config[key], exist_ok=True)
