"""Fixtures: an app with its own database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

import os

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from expenses import create_app
from expenses.extensions import db
from expenses.rounds import import_shipped
from tests.factories import new_client
from tests.mail import Inbox, free_port

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
if os.environ.get("REQUIRE_POSTGRES") == "1" and not TEST_DATABASE_URL:
    raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def database_url(kind: str, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}" if kind == "sqlite" else TEST_DATABASE_URL


class IsolatedClient(FlaskClient):
    """A test client whose every request has its own app context, as in production.

    The test itself runs inside an app context; without this, requests would share its `g`, so that
    Flask-Login's cached user and Flask-WTF's cached CSRF token leaked from one request (and one
    client) to the next. Afterwards the test's own session is expired, so it sees what the request wrote.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():  # a request sent from a thread of its own has no test session to refresh
            db.session.expire_all()
        return response


def configured_app(kind: str, tmp_path) -> Flask:
    """An app configured for tests: its own database and file stores, cheap password hashing."""
    return create_app(
        {
            "TESTING": True,
            "ENV_NAME": "test",
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url(kind, tmp_path),
            "RECEIPTS_DIR": str(tmp_path / "receipts"),
            "DOCUMENTS_DIR": str(tmp_path / "documents"),
            "PASSWORD_HASH_COST": "cheap",
            "SERVER_NAME": "localhost",
            # Officers sign in with a password alone unless a test asks for two-factor (tests/web/test_two_factor.py).
            "REQUIRE_2FA_ROLES": "",
        }
    )


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = configured_app(request.param, tmp_path)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
        # What the migrations add as data: the shipped 2023–2024 round (tests/test_migrations.py compares).
        import_shipped()
        db.session.commit()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A browser that reads English (Accept-Language: en): most tests check the English source texts."""
    return new_client(app)


@pytest.fixture
def visitor(app):
    """A browser that states no language at all, so that it gets the product's default, Finnish."""
    return new_client(app, language=None)


@pytest.fixture
def inbox(app):
    """Mail goes to a real SMTP server on 127.0.0.1, kept for the test to read."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_SENDER="matkat@vm.example")
    yield handler
    controller.stop()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(params=DATABASES)
def empty_app(request, tmp_path):
    """An app whose database has no tables at all, not even Alembic's: for `db upgrade`."""
    app = configured_app(request.param, tmp_path)
    with app.app_context():
        _drop_everything()
        yield app
        _drop_everything()
        db.engine.dispose()


def _drop_everything() -> None:
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
