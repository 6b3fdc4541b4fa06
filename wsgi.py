"""WSGI entry point: `flask --app wsgi …`, `gunicorn wsgi:app`."""

import sys
from typing import NoReturn

from expenses import create_app
from expenses.config import ConfigError

#: Gunicorn stops (instead of restarting the worker forever) when a worker exits with this code.
BOOT_ERROR = 3


def refuse_to_start(error: ConfigError) -> NoReturn:
    """One plain line instead of a traceback, whether started by `flask` or by gunicorn."""
    print(f"Cannot start the travel-claim service: {error}", file=sys.stderr)
    raise SystemExit(BOOT_ERROR) from None


try:
    app = create_app()
except ConfigError as error:
    refuse_to_start(error)
