"""API routes (placeholder until built)."""

from flask import jsonify

from expenses.api import bp
from expenses.extensions import csrf

csrf.exempt(bp)


@bp.get("/sessions")
def sessions():
    return jsonify([])
