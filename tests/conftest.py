"""Fixtures: an app with its own database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

import os

import pytest

from expenses import create_app
from expenses.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
if os.environ.get("REQUIRE_POSTGRES") == "1" and not TEST_DATABASE_URL:
    raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def database_url(kind: str, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}" if kind == "sqlite" else TEST_DATABASE_URL


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "test",
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url(request.param, tmp_path),
            "RECEIPTS_DIR": str(tmp_path / "receipts"),
            "DOCUMENTS_DIR": str(tmp_path / "documents"),
            "PASSWORD_HASH_COST": "cheap",
            "SERVER_NAME": "localhost",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    client = app.test_client()
    # Tests read the English source strings; tests/i18n asks for Finnish and Swedish itself.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
