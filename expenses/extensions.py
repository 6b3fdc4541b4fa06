"""Flask extensions, created once and bound to the app in the factory."""

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so that migrations can alter them (SQLite's batch mode needs the names).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits only the routes that ask for it (sign-in); the storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(get_remote_address)


def migrations(app: Flask) -> None:
    """Flask-Migrate on this app, registered when first needed: by `flask db …` (expenses.cli) or by
    code that migrates (`flask_migrate.upgrade()`). It imports Alembic, a fifth of the time a new
    process takes to answer its first request, which serving requests never needs (README, "Performance")."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(Path(app.root_path) / "migrations"))
