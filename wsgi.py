"""WSGI entry point: `flask --app wsgi …`, `gunicorn wsgi:app`."""

from expenses import create_app

app = create_app()
