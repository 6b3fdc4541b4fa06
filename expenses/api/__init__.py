"""The JSON API under /api/v1 (DESIGN.md section 5)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from expenses.api import routes  # noqa: E402,F401 - routes attach themselves to bp
