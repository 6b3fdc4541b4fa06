"""The JSON API under /api/v1 (docs/api.md): Bearer tokens, the same workflow as the web pages."""

from flask import Blueprint

from expenses.extensions import csrf
from expenses.security import API_PREFIX

bp = Blueprint("api", __name__, url_prefix=f"{API_PREFIX}v1")
# Only Bearer tokens sign API requests, never the session cookie, so there is no cross-site form to guard.
csrf.exempt(bp)

from expenses.api import auth, rounds, routes  # noqa: E402,F401 - each attaches itself to bp
