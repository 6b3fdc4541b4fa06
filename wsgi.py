"""WSGI entry point: `flask --app wsgi …`, `gunicorn wsgi:app`."""

from expenses import create_app
from expenses.config import ConfigError, refuse_to_start

try:
    app = create_app()
except ConfigError as error:
    refuse_to_start(error)
